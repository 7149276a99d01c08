"""The community and the innovation square over HTTP (mounted at /api/v1/community).

Reading needs no sign-in (public content only; a signed-in caller also sees
their organisation's private content). Posting needs a verified customer user
or service staff: refusals are ``not_authenticated`` (401), ``not_verified``
(403), ``rate_limited`` (429), ``channel_not_eligible`` and the engine's other
reasons (403), ``invalid_transition`` (409), ``invalid_input`` (422).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from django.http import Http404
from ninja import Query, Router, Schema, Status
from ninja.security import SessionAuth
from pydantic import Field

from successhub.accounts.models import Organisation
from successhub.api.base import ApiError, BearerAuth, ErrorOut, ObjectId, Offset, TokenHeaderAuth, public_read
from successhub.community import selectors, services
from successhub.community.errors import CommunityError
from successhub.community.models import Answer, Article, Faq, Idea, Question

router = Router(tags=["community"])

T = TypeVar("T")


# Reading is public: the last resort when no credentials came with the request.
READ_AUTH = [SessionAuth(), BearerAuth(), TokenHeaderAuth(), public_read]


def _user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _run(fn: Callable[..., T], *args, **kwargs) -> T:
    try:
        return fn(*args, **kwargs)
    except CommunityError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    except Http404:
        raise ApiError(404, "not_found", "No such object.") from None


# --- schemas ----------------------------------------------------------------------------------


class AnswerOut(Schema):
    id: int
    body: str
    author: str
    author_is_staff: bool
    is_accepted: bool
    score: int
    created_at: dt.datetime


class QuestionOut(Schema):
    id: int
    title: str
    product: str | None
    tags: list[str]
    author: str
    author_is_staff: bool
    private: bool
    score: int
    answer_count: int
    created_at: dt.datetime
    url: str


class QuestionDetailOut(QuestionOut):
    body: str
    answers: list[AnswerOut]


class QuestionIn(Schema):
    title: str
    body: str
    product: str | None = None
    tags: list[str] = []
    private: bool = False


class AnswerIn(Schema):
    body: str


class VoteIn(Schema):
    kind: Literal["question", "answer", "idea"]
    id: int
    value: Literal[1, -1] = 1


class VoteOut(Schema):
    kind: str
    id: int
    score: int


class ArticleOut(Schema):
    slug: str
    title: str
    catalogue: str
    product: str | None
    topics: list[str]
    updated_at: dt.datetime
    url: str


class ArticleDetailOut(ArticleOut):
    body: str
    related: list[str]


class FaqOut(Schema):
    key: str
    question: str
    answer: str
    product: str | None
    service: str


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    response: str
    by: str
    at: dt.datetime


class IdeaOut(Schema):
    id: int
    title: str
    product: str | None
    status: str
    vote_count: int
    official_response: str
    author: str
    created_at: dt.datetime
    url: str


class IdeaDetailOut(IdeaOut):
    description: str
    history: list[StatusChangeOut]


class IdeaIn(Schema):
    title: str
    description: str
    product: str | None = None
    channel: Literal["innovation_square", "bot", "hotline", "ticket_site"] = "innovation_square"
    organisation_id: ObjectId | None = None


class IdeaStatusIn(Schema):
    status: str
    response: str = ""


class Page(Schema):
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    offset: Offset = 0


def _slice(queryset, page: Page):
    limit = max(1, min(page.limit, 100))
    offset = max(0, page.offset)
    return queryset[offset : offset + limit]


# --- serialisers ----------------------------------------------------------------------------------


def _question(q: Question) -> dict:
    return {
        "id": q.pk,
        "title": q.title,
        "product": q.product.code if q.product_id else None,
        "tags": [t.name for t in q.tags.all()],
        "author": str(q.author),
        "author_is_staff": q.author.is_service_staff,
        "private": q.organisation_id is not None,
        "score": q.score,
        "answer_count": q.answer_count,
        "created_at": q.created_at,
        "url": q.get_absolute_url(),
    }


def _answer(a: Answer) -> dict:
    return {
        "id": a.pk,
        "body": a.body,
        "author": str(a.author),
        "author_is_staff": a.author.is_service_staff,
        "is_accepted": a.is_accepted,
        "score": a.score,
        "created_at": a.created_at,
    }


def _article(a: Article) -> dict:
    return {
        "slug": a.slug,
        "title": a.title,
        "catalogue": a.catalogue.key,
        "product": a.product.code if a.product_id else None,
        "topics": [t.key for t in a.topics.all()],
        "updated_at": a.updated_at,
        "url": a.get_absolute_url(),
    }


def _faq(f: Faq) -> dict:
    return {
        "key": f.key,
        "question": f.question,
        "answer": f.answer,
        "product": f.product.code if f.product_id else None,
        "service": f.service,
    }


def _idea(i: Idea) -> dict:
    return {
        "id": i.pk,
        "title": i.title,
        "product": i.product.code if i.product_id else None,
        "status": i.status,
        "vote_count": i.vote_count,
        "official_response": i.official_response,
        "author": str(i.author),
        "created_at": i.created_at,
        "url": i.get_absolute_url(),
    }


# --- Q&A ------------------------------------------------------------------------------------------


@router.get("/questions", auth=READ_AUTH, response=list[QuestionOut], summary="Questions (public list)")
def list_questions(
    request, page: Query[Page], product: str | None = None, tag: str | None = None, q: str | None = None
):
    return [_question(x) for x in _slice(selectors.question_list(_user(request), product, tag, q), page)]


@router.get(
    "/questions/similar",
    auth=READ_AUTH,
    response=list[QuestionOut],
    summary="Questions like a title being typed",
)
def similar_questions(request, text: str, limit: Annotated[int, Field(ge=1, le=20)] = 5):
    return [
        _question(x) for x in selectors.similar_questions(_user(request), text, limit=max(1, min(limit, 20)))
    ]


@router.get(
    "/questions/{question_id}",
    auth=READ_AUTH,
    response={200: QuestionDetailOut, 404: ErrorOut},
    summary="A question with its answers (accepted first, then by votes)",
)
def read_question(request, question_id: ObjectId):
    user = _user(request)
    question = _run(selectors.question_for, user, question_id)
    if question.merged_into_id:
        question = _run(selectors.question_for, user, question.merged_into_id)
    if question.is_hidden:  # staff see hidden questions on the moderation pages, not through the public API
        raise ApiError(404, "not_found", "No such object.")
    answers = selectors.answers_for(None, question)
    return {**_question(question), "body": question.body, "answers": [_answer(a) for a in answers]}


@router.post(
    "/questions",
    response={201: QuestionDetailOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Ask a question (verified users)",
)
def post_question(request, payload: QuestionIn):
    question = _run(
        services.ask_question,
        request.user,
        payload.title,
        payload.body,
        payload.product,
        payload.tags,
        payload.private,
    )
    return Status(201, {**_question(question), "body": question.body, "answers": []})


@router.post(
    "/questions/{question_id}/answers",
    response={201: AnswerOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Answer a question (verified users)",
)
def post_answer(request, question_id: ObjectId, payload: AnswerIn):
    question = _run(selectors.question_for, request.user, question_id)
    return Status(201, _answer(_run(services.answer_question, request.user, question, payload.body)))


@router.post(
    "/votes",
    response={200: VoteOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Vote on a question, an answer or an idea (again the same way withdraws the vote)",
)
def post_vote(request, payload: VoteIn):
    target = _run(selectors.target_for, request.user, payload.kind, payload.id)
    score = _run(services.vote, request.user, target, payload.value)
    return {"kind": payload.kind, "id": payload.id, "score": score}


# --- knowledge base and FAQ ----------------------------------------------------------------------------


@router.get("/articles", auth=READ_AUTH, response=list[ArticleOut], summary="Knowledge-base articles")
def list_articles(
    request,
    page: Query[Page],
    product: str | None = None,
    catalogue: str | None = None,
    topic: str | None = None,
):
    qs = selectors.visible_articles(_user(request)).prefetch_related("topics")
    if product:
        qs = qs.filter(product__code=product)
    if catalogue:
        qs = qs.filter(catalogue__key=catalogue)
    if topic:
        qs = qs.filter(topics__key=topic)
    return [_article(a) for a in _slice(qs.order_by("catalogue__position", "id"), page)]


@router.get(
    "/articles/{slug}", auth=READ_AUTH, response={200: ArticleDetailOut, 404: ErrorOut}, summary="One article"
)
def read_article(request, slug: str):
    user = _user(request)
    article = _run(selectors.article_for, user, slug)
    if article.is_hidden or not article.is_published:
        raise ApiError(404, "not_found", "No such object.")
    related = [a.slug for a in selectors.related_articles(user, article)]
    return {**_article(article), "body": article.body, "related": related}


@router.get("/faq", auth=READ_AUTH, response=list[FaqOut], summary="常见问题")
def list_faq(request, page: Query[Page], product: str | None = None):
    return [_faq(f) for f in _slice(selectors.visible_faqs(product), page)]


# --- innovation square ----------------------------------------------------------------------------------


@router.get("/ideas", auth=READ_AUTH, response=list[IdeaOut], summary="Ideas (创新广场), most votes first")
def list_ideas(
    request, page: Query[Page], status: str | None = None, product: str | None = None, sort: str = "votes"
):
    return [_idea(i) for i in _slice(selectors.visible_ideas(_user(request), status, product, sort), page)]


@router.get(
    "/ideas/{idea_id}", auth=READ_AUTH, response={200: IdeaDetailOut, 404: ErrorOut}, summary="One idea"
)
def read_idea(request, idea_id: ObjectId):
    idea = _run(selectors.idea_for, None, idea_id)
    history = [
        {
            "from_status": h.from_status,
            "to_status": h.to_status,
            "response": h.response,
            "by": str(h.by),
            "at": h.at,
        }
        for h in idea.status_changes.select_related("by")
    ]
    return {**_idea(idea), "description": idea.description, "history": history}


@router.post(
    "/ideas",
    response={201: IdeaOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Propose an idea (需求聆听); the channel must be in the organisation's plan",
)
def post_idea(request, payload: IdeaIn):
    organisation = None
    if payload.organisation_id is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
        if organisation is None:
            raise ApiError(404, "not_found", "No such organisation.")
    idea = _run(
        services.propose_idea,
        request.user,
        payload.product,
        payload.title,
        payload.description,
        channel=payload.channel,
        organisation=organisation,
    )
    return Status(201, _idea(idea))


@router.post(
    "/ideas/{idea_id}/status",
    response={200: IdeaDetailOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Change an idea's status with the official response (service staff)",
)
def post_idea_status(request, idea_id: ObjectId, payload: IdeaStatusIn):
    idea = _run(selectors.idea_for, request.user, idea_id)
    _run(services.change_idea_status, request.user, idea, payload.status, payload.response)
    return read_idea(request, idea_id)
