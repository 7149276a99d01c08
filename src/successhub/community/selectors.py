"""Reads for the community pages and the API: every one takes the acting user (or None).

Public lists never include hidden or merged content; organisation-private
questions and articles are visible only to that organisation's members and to
service staff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from successhub.accounts.models import User
from successhub.community.models import (
    Answer,
    Article,
    Comment,
    Course,
    Faq,
    Idea,
    IdeaComment,
    IdeaVote,
    KbCatalogue,
    Lesson,
    LessonProgress,
    Question,
    Report,
    Topic,
    Vote,
)


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated)


def _is_staff(user: User | None) -> bool:
    return _signed_in(user) and user.is_service_staff


def _private_filter(user: User | None) -> Q:
    """Public rows, plus the caller's organisation's private rows (staff: all of them)."""
    if _is_staff(user):
        return Q()
    if _signed_in(user) and user.organisation_id:
        return Q(organisation__isnull=True) | Q(organisation_id=user.organisation_id)
    return Q(organisation__isnull=True)


# --- Q&A -----------------------------------------------------------------------------------


def visible_questions(user: User | None, include_hidden: bool = False) -> QuerySet[Question]:
    """Questions the user may list. ``include_hidden`` only takes effect for staff (moderation)."""
    qs = Question.objects.filter(_private_filter(user), merged_into__isnull=True)
    if not (include_hidden and _is_staff(user)):
        qs = qs.filter(is_hidden=False)
    return qs.select_related("product", "author").prefetch_related("tags")


def question_list(
    user: User | None,
    product: str | None = None,
    tag: str | None = None,
    text: str | None = None,
    unanswered: bool = False,
) -> QuerySet[Question]:
    qs = visible_questions(user)
    if product:
        qs = qs.filter(product__code=product)
    if tag:
        qs = qs.filter(tags__name=tag)
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(body__icontains=text))
    if unanswered:
        qs = qs.filter(answer_count=0)
    return qs.distinct()


def question_for(user: User | None, pk: int) -> Question:
    """A question the user may open. Staff also see hidden ones; merged ones come back as-is so
    the caller can redirect to ``merged_into``."""
    qs = Question.objects.filter(_private_filter(user)).select_related("product", "author", "merged_into")
    if not _is_staff(user):
        qs = qs.filter(is_hidden=False)
    try:
        return qs.get(pk=pk)
    except Question.DoesNotExist:
        raise Http404("No such question") from None


def answers_for(user: User | None, question: Question) -> QuerySet[Answer]:
    """Accepted first, then by votes, then oldest first."""
    comments = Comment.objects.select_related("author")
    if not _is_staff(user):
        comments = comments.filter(is_hidden=False)
    qs = question.answers.select_related("author").prefetch_related(Prefetch("comments", queryset=comments))
    if not _is_staff(user):
        qs = qs.filter(is_hidden=False)
    return qs.order_by("-is_accepted", "-score", "created_at", "id")


def comments_for(user: User | None, question: Question) -> QuerySet[Comment]:
    qs = question.comments.select_related("author")
    return qs if _is_staff(user) else qs.filter(is_hidden=False)


def my_votes(user: User | None, question: Question) -> dict[str | int, int]:
    """{"q": value, answer pk: value} for the user's votes on the question and its answers."""
    if not _signed_in(user):
        return {}
    votes = Vote.objects.filter(user=user).filter(Q(question=question) | Q(answer__question=question))
    return {("q" if v.question_id else v.answer_id): v.value for v in votes}


def _longest_words(text: str, count: int = 3) -> list[str]:
    words = [w for w in re.split(r"[\s,，。？?！!、；;：:（）()“”\"'【】\[\]]+", text or "") if len(w) >= 2]
    return sorted(dict.fromkeys(words), key=len, reverse=True)[:count]


def similar_questions(user: User | None, text: str, limit: int = 5) -> list[Question]:
    """Questions like the one being typed: the search index's hits when it has any, else a plain
    title match on the longest words."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    try:
        from successhub.search.selectors import similar_questions as indexed_similar
    except ImportError:
        indexed_similar = None
    if indexed_similar is not None:
        hits = [hit.object_id for hit in indexed_similar(user, text, limit=limit) if hit.kind == "question"]
        if hits:
            by_id = visible_questions(user).in_bulk(hits)  # the index is a hint; visibility is checked here
            return [by_id[pk] for pk in hits if pk in by_id]
    words = _longest_words(text)
    if not words:
        return []
    condition = Q()
    for word in words:
        for piece in (word, word[:4], word[-4:]) if len(word) > 6 else (word,):
            condition |= Q(title__icontains=piece)
    return list(visible_questions(user).filter(condition).order_by("-score", "-created_at")[:limit])


# --- knowledge base ---------------------------------------------------------------------------


def visible_articles(user: User | None) -> QuerySet[Article]:
    return Article.objects.filter(_private_filter(user), is_hidden=False, is_published=True).select_related(
        "catalogue", "product"
    )


def article_for(user: User | None, slug: str) -> Article:
    qs = Article.objects.filter(_private_filter(user)).select_related("catalogue", "product")
    if not _is_staff(user):
        qs = qs.filter(is_hidden=False, is_published=True)
    try:
        return qs.get(slug=slug)
    except Article.DoesNotExist:
        raise Http404("No such article") from None


def popular_articles(user: User | None, limit: int = 8) -> list[Article]:
    return list(visible_articles(user).order_by("-view_count", "id")[:limit])


@dataclass
class CatalogueNode:
    catalogue: KbCatalogue
    children: list[CatalogueNode]
    article_count: int


def catalogue_tree(user: User | None, product: str | None = None) -> list[CatalogueNode]:
    """The catalogue tree (roots first) with visible-article counts, in two queries."""
    counts = dict(
        visible_articles(user)
        .values_list("catalogue_id")
        .annotate(n=Count("id"))
        .values_list("catalogue_id", "n")
    )
    catalogues = list(KbCatalogue.objects.select_related("product"))
    if product:
        catalogues = [c for c in catalogues if c.product_id and c.product.code == product]
    nodes = {c.pk: CatalogueNode(c, [], counts.get(c.pk, 0)) for c in catalogues}
    roots = []
    for catalogue in catalogues:
        node = nodes[catalogue.pk]
        parent = nodes.get(catalogue.parent_id)
        (parent.children if parent else roots).append(node)

    def total(node: CatalogueNode) -> int:
        node.article_count += sum(total(child) for child in node.children)
        return node.article_count

    for root in roots:
        total(root)
    return roots


def catalogue_descendants(catalogue: KbCatalogue) -> list[int]:
    ids, frontier = [catalogue.pk], [catalogue.pk]
    while frontier:
        frontier = list(KbCatalogue.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


def related_articles(user: User | None, article: Article, limit: int = 5) -> list[Article]:
    """Same topics first, then the same catalogue."""
    topic_ids = list(article.topics.values_list("pk", flat=True))
    qs = visible_articles(user).exclude(pk=article.pk)
    by_topic = (
        list(qs.filter(topics__in=topic_ids).distinct().order_by("-view_count", "id")[:limit])
        if topic_ids
        else []
    )
    if len(by_topic) < limit:
        seen = [a.pk for a in by_topic]
        by_topic += list(
            qs.filter(catalogue_id=article.catalogue_id)
            .exclude(pk__in=seen)
            .order_by("-view_count", "id")[: limit - len(by_topic)]
        )
    return by_topic


def topics_with_counts(user: User | None) -> QuerySet[Topic]:
    visible = visible_articles(user).filter(topics=OuterRef("pk"))
    return Topic.objects.annotate(has_articles=Exists(visible)).filter(has_articles=True)


def feedback_summary(article: Article) -> dict[str, int]:
    row = article.feedback.aggregate(
        yes=Count("id", filter=Q(helpful=True)), no=Count("id", filter=Q(helpful=False))
    )
    return {"yes": row["yes"], "no": row["no"]}


# --- FAQ and courses -----------------------------------------------------------------------------


def visible_faqs(product: str | None = None) -> QuerySet[Faq]:
    qs = Faq.objects.filter(is_hidden=False).select_related("product")
    if product == "general":
        return qs.filter(product__isnull=True)
    if product:
        qs = qs.filter(product__code=product)
    return qs


def visible_courses(kind: str | None = None, product: str | None = None) -> QuerySet[Course]:
    qs = (
        Course.objects.filter(is_published=True)
        .select_related("product")
        .annotate(lesson_count=Count("lessons"))
    )
    if kind:
        qs = qs.filter(kind=kind)
    if product:
        qs = qs.filter(product__code=product)
    return qs


def course_for(slug: str) -> Course:
    try:
        return Course.objects.filter(is_published=True).select_related("product").get(slug=slug)
    except Course.DoesNotExist:
        raise Http404("No such course") from None


def lesson_for(course: Course, pk: int) -> Lesson:
    try:
        return course.lessons.get(pk=pk)
    except Lesson.DoesNotExist:
        raise Http404("No such lesson") from None


def completed_lessons(user: User | None, course_ids: list[int] | None = None) -> set[int]:
    if not _signed_in(user):
        return set()
    qs = LessonProgress.objects.filter(user=user)
    if course_ids is not None:
        qs = qs.filter(lesson__course_id__in=course_ids)
    return set(qs.values_list("lesson_id", flat=True))


def course_progress(user: User | None, courses: list[Course]) -> dict[int, tuple[int, int, int]]:
    """{course id: (done, total, percent)} in two queries."""
    ids = [c.pk for c in courses]
    totals = dict(
        Lesson.objects.filter(course_id__in=ids)
        .values_list("course_id")
        .annotate(n=Count("id"))
        .values_list("course_id", "n")
    )
    done: dict[int, int] = {}
    if _signed_in(user):
        done = dict(
            LessonProgress.objects.filter(user=user, lesson__course_id__in=ids)
            .values_list("lesson__course_id")
            .annotate(n=Count("id"))
            .values_list("lesson__course_id", "n")
        )
    result = {}
    for course_id in ids:
        total, finished = totals.get(course_id, 0), done.get(course_id, 0)
        result[course_id] = (finished, total, int(finished * 100 / total) if total else 0)
    return result


# --- innovation square --------------------------------------------------------------------------


def visible_ideas(
    user: User | None, status: str | None = None, product: str | None = None, sort: str = "votes"
) -> QuerySet[Idea]:
    qs = Idea.objects.filter(is_hidden=False).select_related("product", "author")
    if status:
        qs = qs.filter(status=status)
    if product:
        qs = qs.filter(product__code=product)
    order = ["-created_at", "-id"] if sort == "new" else ["-vote_count", "-created_at", "-id"]
    return qs.annotate(comment_count=Count("comments", filter=Q(comments__is_hidden=False))).order_by(*order)


def idea_for(user: User | None, pk: int) -> Idea:
    qs = Idea.objects.select_related("product", "author", "organisation")
    if not _is_staff(user):
        qs = qs.filter(is_hidden=False)
    try:
        return qs.get(pk=pk)
    except Idea.DoesNotExist:
        raise Http404("No such idea") from None


def idea_comments(user: User | None, idea: Idea) -> QuerySet[IdeaComment]:
    qs = idea.comments.select_related("author")
    return qs if _is_staff(user) else qs.filter(is_hidden=False)


def has_voted_idea(user: User | None, idea: Idea) -> bool:
    return _signed_in(user) and IdeaVote.objects.filter(idea=idea, user=user).exists()


# --- moderation -------------------------------------------------------------------------------------


def open_reports() -> QuerySet[Report]:
    return Report.objects.filter(status=Report.Status.OPEN).select_related("reporter", "content_type")


def hidden_content(limit: int = 50) -> dict[str, list]:
    return {
        "questions": list(Question.objects.filter(is_hidden=True).order_by("-updated_at")[:limit]),
        "answers": list(
            Answer.objects.filter(is_hidden=True).select_related("question").order_by("-updated_at")[:limit]
        ),
        "articles": list(Article.objects.filter(is_hidden=True).order_by("-updated_at")[:limit]),
        "ideas": list(Idea.objects.filter(is_hidden=True).order_by("-updated_at")[:limit]),
    }


# --- objects named in a form (vote, report, hide) -------------------------------------------------

TARGET_KINDS = ("question", "answer", "comment", "article", "idea", "idea_comment")


def target_for(user: User | None, kind: str, pk: int):
    """The object a vote, report or moderation form names, if the user may see it."""
    staff = _is_staff(user)

    def visible(obj):
        if obj.is_hidden and not staff:
            raise Http404("hidden")
        return obj

    try:
        if kind == "question":
            return question_for(user, pk)
        if kind == "answer":
            answer = Answer.objects.select_related("question").get(pk=pk)
            question_for(user, answer.question_id)
            return visible(answer)
        if kind == "comment":
            comment = Comment.objects.select_related("answer").get(pk=pk)
            question_for(user, comment.question_id or comment.answer.question_id)
            return visible(comment)
        if kind == "article":
            return article_for(user, Article.objects.values_list("slug", flat=True).get(pk=pk))
        if kind == "idea":
            return idea_for(user, pk)
        if kind == "idea_comment":
            comment = IdeaComment.objects.get(pk=pk)
            idea_for(user, comment.idea_id)
            return visible(comment)
    except (Answer.DoesNotExist, Comment.DoesNotExist, Article.DoesNotExist, IdeaComment.DoesNotExist):
        raise Http404("No such object") from None
    raise Http404("Unknown kind")


# --- 联系我们 ------------------------------------------------------------------------------------

# The ways to reach the service organisation from the community, in the order the page shows them:
# 售后在线服务 (an online ticket through the community channel), the hotline, the bot and the
# innovation square (需求聆听). What each customer may use is the entitlement engine's decision.
CONTACT_SERVICES = ("online_ticket", "im_service", "hotline", "smart_service", "demand_listening")


@dataclass(frozen=True)
class ContactChannel:
    service: str
    name: str
    summary: str
    # None when nothing is decided: a visitor, or a member of staff.
    allowed: bool | None
    explanation: str
    schedule_label: str
    open_now: bool | None
    phone: str


def contact_channels_for(user: User | None, language: str = "zh") -> list[ContactChannel]:
    """The 联系我们 entries, each with the signed-in customer's own decision and its reason."""
    from successhub.catalog.loader import get_catalog
    from successhub.contracts.selectors import entitlement_for, entitlements_for
    from successhub.core.entitlements import Request
    from successhub.tickets.models import Channel

    catalog = get_catalog()
    decisions = {}
    if _signed_in(user) and user.is_customer and user.organisation_id:
        decisions = {
            d.service: d for d in entitlements_for(user.organisation) if d.service in CONTACT_SERVICES
        }
        # A ticket filed here comes through the community's channel, which the plan must list.
        decisions["online_ticket"] = entitlement_for(
            user.organisation, Request(service="online_ticket", channel=Channel.COMMUNITY)
        )
    english = language.startswith("en")
    channels = []
    for code in CONTACT_SERVICES:
        decision = decisions.get(code)
        item = (decision.item if decision else None) or catalog.any_definition(code)
        if item is None:
            continue
        schedule = (decision.schedule if decision else None) or item.schedule
        channels.append(
            ContactChannel(
                service=code,
                name=item.name.get(language),
                summary=item.summary.get(language),
                allowed=decision.allowed if decision else None,
                explanation=(decision.explanation_en if english else decision.explanation)
                if decision
                else "",
                schedule_label=catalog.labels.name("schedules", schedule, language) if schedule else "",
                open_now=decision.open_now if decision else None,
                phone=item.phone or "",
            )
        )
    return channels
