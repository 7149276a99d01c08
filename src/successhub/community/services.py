"""State changes for the community and the innovation square.

Rows are saved one by one (never ``queryset.update`` for content or
visibility) so the search index hears about every change through the model
signals. A change to an answer also saves its question, whose search document
includes the visible answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from successhub.accounts.models import Organisation, User
from successhub.community.errors import (
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotEligible,
    NotSignedIn,
    NotVerified,
    RateLimited,
)
from successhub.community.markup import render_markdown
from successhub.community.models import (
    Answer,
    Article,
    ArticleFeedback,
    ArticleRevision,
    Comment,
    CommunityImage,
    Idea,
    IdeaComment,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
    Lesson,
    LessonProgress,
    Question,
    Report,
    Tag,
    Vote,
)
from successhub.contracts.models import Product

logger = logging.getLogger("successhub.community")

IDEA_CHANNELS = ("innovation_square", "bot", "hotline", "ticket_site")

# The idea workflow: where each status may go next.
IDEA_TRANSITIONS: dict[str, frozenset[str]] = {
    IdeaStatus.SUBMITTED: frozenset({IdeaStatus.UNDER_REVIEW, IdeaStatus.DECLINED}),
    IdeaStatus.UNDER_REVIEW: frozenset({IdeaStatus.PLANNED, IdeaStatus.DECLINED}),
    IdeaStatus.PLANNED: frozenset({IdeaStatus.RELEASED, IdeaStatus.DECLINED}),
    IdeaStatus.RELEASED: frozenset(),
    IdeaStatus.DECLINED: frozenset(),
}

MODERATED_MODELS = (Question, Answer, Comment, Article, Idea, IdeaComment)


def post_limit() -> tuple[int, int]:
    """(posts allowed, window in seconds) per user, from settings."""
    return (
        int(getattr(settings, "COMMUNITY_POST_LIMIT", 10)),
        int(getattr(settings, "COMMUNITY_POST_WINDOW_SECONDS", 600)),
    )


# --- who may post ------------------------------------------------------------------


def ensure_can_post(user: User | None) -> None:
    """Posting needs a signed-in, verified (注册认证) customer user, or service staff."""
    if user is None or not user.is_authenticated:
        raise NotSignedIn(_("请先登录后再发帖。"))
    if not user.is_active:
        raise Forbidden(_("该账号已停用。"))
    if user.is_customer:
        # The same engine decision as 我的服务权益 and the bot: verification, region and contract.
        decision = community_decision(user)
        if decision.reason == "not_verified":
            raise NotVerified(_("发帖、回答、评论、投票与提需求仅面向经注册认证的用户，请先完成手机或邮箱认证。"))
        if not decision.allowed:
            english = (get_language() or "").startswith("en")
            raise Forbidden(decision.explanation_en if english else decision.explanation)


def community_decision(user: User):
    """The entitlement engine's decision on 金蝶云社区 for this customer user."""
    from successhub.contracts.selectors import entitlement_for
    from successhub.core import entitlements as core

    return entitlement_for(user.organisation, core.Request(service="community"), user=user)


def is_moderator(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.is_service_staff)


def ensure_moderator(user: User | None) -> None:
    if not is_moderator(user):
        raise Forbidden(_("只有服务人员可以执行此操作。"))


def _rate_key(user: User) -> str:
    _limit, window = post_limit()
    bucket = int(timezone.now().timestamp()) // window
    return f"community:posts:{user.pk}:{bucket}"


def _rate_limited() -> RateLimited:
    limit, window = post_limit()
    return RateLimited(
        _("发帖过于频繁：每 %(minutes)s 分钟最多发布 %(limit)s 条内容，请稍后再试。")
        % {"minutes": max(1, window // 60), "limit": limit}
    )


def _check_rate(user: User) -> None:
    """Early refusal (a read) before any work; the binding check is :func:`_count_post`."""
    if user.is_service_staff:
        return
    limit, _window = post_limit()
    if (cache.get(_rate_key(user)) or 0) >= limit:
        raise _rate_limited()


def _count_post(user: User) -> None:
    """Count the post and check the limit in one atomic step (the cache's add/incr: Redis INCR in
    production), inside the service's transaction: the post over the limit raises and is rolled back.
    A separate read-then-write let concurrent posts through (12 of 40 for a fresh user)."""
    if user.is_service_staff:
        return
    key = _rate_key(user)
    limit, window = post_limit()
    if cache.add(key, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            count = 1 if cache.add(key, 1, timeout=window) else cache.incr(key)
    if count > limit:
        raise _rate_limited()


def _start_post(user: User | None) -> None:
    ensure_can_post(user)
    _check_rate(user)


def _text(value: str, field: str, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("%(field)s不能为空。") % {"field": field})
    if max_length and len(value) > max_length:
        raise InvalidInput(_("%(field)s不能超过 %(max)s 个字。") % {"field": field, "max": max_length})
    return value


def _product(product: Product | str | None) -> Product | None:
    if product is None or product == "":
        return None
    if isinstance(product, Product):
        return product
    try:
        return Product.objects.get(code=product)
    except Product.DoesNotExist:
        raise InvalidInput(_("未知的产品编码：%(product)s") % {"product": product}) from None


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        tag, _created = Tag.objects.get_or_create(name=name[:50])
        tags.append(tag)
    return tags


def _touch(question: Question) -> None:
    """Recount and save the question so its search document (question + answers) is rebuilt."""
    question.answer_count = question.answers.filter(is_hidden=False).count()
    question.save(update_fields=["answer_count", "updated_at"])


# --- pictures in posts -----------------------------------------------------------------------

IMAGE_KEY = re.compile(r"/community/images/([A-Za-z0-9_-]{16,64})/")


def image_keys(text: str) -> list[str]:
    return list(dict.fromkeys(IMAGE_KEY.findall(text or "")))


def attach_images(
    user: User, text: str, *, question: Question | None = None, article: Article | None = None
) -> int:
    """Give the uploader's still-unattached pictures that ``text`` shows to its post, so they are
    then shown to whoever may read the post (and only to them). Called by every service that saves
    a post, it also renders the text into the cache."""
    render_markdown(text)  # rendered once now, so the first reader finds it in the cache
    keys = image_keys(text)
    if not keys:
        return 0
    return CommunityImage.objects.filter(
        key__in=keys, uploader=user, question__isnull=True, article__isnull=True, lesson__isnull=True
    ).update(question=question, article=article)


# --- Q&A -------------------------------------------------------------------------------


@transaction.atomic
def ask_question(
    user: User,
    title: str,
    body: str,
    product: Product | str | None = None,
    tags: Iterable[str] = (),
    private: bool = False,
) -> Question:
    """Ask a question; ``private`` keeps it within the asker's organisation (customers only)."""
    _start_post(user)
    if private and not user.is_customer:
        raise InvalidInput(_("只有客户用户可以提仅本组织可见的问题。"))
    question = Question.objects.create(
        title=_text(title, _("标题"), 200),
        body=_text(body, _("问题描述")),
        product=_product(product),
        author=user,
        organisation=user.organisation if private else None,
    )
    question.tags.set(_tags(tags))
    attach_images(user, question.body, question=question)
    _count_post(user)
    return question


@transaction.atomic
def answer_question(user: User, question: Question, body: str) -> Answer:
    _start_post(user)
    if question.is_hidden or question.merged_into_id:
        raise Forbidden(_("该问题已关闭，不能再回答。"))
    answer = Answer.objects.create(question=question, author=user, body=_text(body, _("回答")))
    attach_images(user, answer.body, question=question)
    _touch(question)
    _count_post(user)
    _tell_the_asker(question, answer)
    return answer


def _tell_the_asker(question: Question, answer: Answer) -> None:
    """The asker hears of every answer but their own (in-app, and by e-mail unless they turned it off)."""
    asker = question.author
    if asker is None or asker.pk == answer.author_id or not asker.is_active:
        return
    _notify(
        [asker],
        kind="community_answer",
        title=f"您的问题有了新回答：{question.title}",
        body=f"{answer.author} 回答了您的问题“{question.title}”。",
        url=f"{question.get_absolute_url()}#answer-{answer.pk}",
    )


@transaction.atomic
def add_comment(user: User, target: Question | Answer, body: str) -> Comment:
    _start_post(user)
    body = _text(body, _("评论"), 2000)
    if isinstance(target, Question):
        comment = Comment.objects.create(question=target, author=user, body=body)
    elif isinstance(target, Answer):
        comment = Comment.objects.create(answer=target, author=user, body=body)
    else:
        raise InvalidInput(_("只能评论问题或回答。"))
    attach_images(user, body, question=target if isinstance(target, Question) else target.question)
    _count_post(user)
    return comment


@transaction.atomic
def accept_answer(user: User, answer: Answer) -> Answer:
    """The asker or service staff mark one answer as accepted (replacing any earlier one)."""
    ensure_can_post(user)
    question = answer.question
    if user.pk != question.author_id and not user.is_service_staff:
        raise Forbidden(_("只有提问人或服务人员可以采纳回答。"))
    if answer.is_hidden:
        raise InvalidInput(_("不能采纳已隐藏的回答。"))
    for previous in question.answers.filter(is_accepted=True).exclude(pk=answer.pk):
        previous.is_accepted = False
        previous.save(update_fields=["is_accepted", "updated_at"])
    answer.is_accepted = True
    answer.save(update_fields=["is_accepted", "updated_at"])
    _touch(question)
    return answer


def _recount(target: Question | Answer | Idea) -> None:
    if isinstance(target, Idea):
        target.vote_count = target.legacy_votes + target.votes.count()
        target.save(update_fields=["vote_count", "updated_at"])
        return
    total = target.votes.aggregate(total=Sum("value"))["total"] or 0
    target.score = target.legacy_votes + total
    target.save(update_fields=["score", "updated_at"])


@transaction.atomic
def vote(user: User, target: Question | Answer | Idea, value: int = 1) -> int:
    """Vote on a question, an answer (+1 or -1) or an idea (+1); voting the same way again withdraws.

    Returns the target's new score.
    """
    ensure_can_post(user)
    if value not in (1, -1):
        raise InvalidInput(_("投票只能是 +1 或 -1。"))
    # One vote at a time per target: two identical votes at once (a double click) both found no vote
    # and both inserted one, and the second hit the unique constraint (500). Now the second waits,
    # sees the first and withdraws it, as a second vote does.
    list(type(target).objects.select_for_update().filter(pk=target.pk).values_list("pk", flat=True))
    if getattr(target, "is_hidden", False):
        raise Forbidden(_("不能对已隐藏的内容投票。"))
    if isinstance(target, Idea):
        if value != 1:
            raise InvalidInput(_("需求只能投支持票。"))
        existing = IdeaVote.objects.filter(idea=target, user=user).first()
        if existing:
            existing.delete()
        else:
            IdeaVote.objects.create(idea=target, user=user)
        _recount(target)
        return target.vote_count
    if target.author_id == user.pk:
        raise Forbidden(_("不能给自己的内容投票。"))
    field = "question" if isinstance(target, Question) else "answer"
    existing = Vote.objects.filter(user=user, **{field: target}).first()
    if existing and existing.value == value:
        existing.delete()
    elif existing:
        existing.value = value
        existing.save(update_fields=["value"])
    else:
        Vote.objects.create(user=user, value=value, **{field: target})
    _recount(target)
    if isinstance(target, Answer):
        _touch(target.question)
    return target.score


# --- moderation --------------------------------------------------------------------------


def _check_moderated(target) -> None:
    if not isinstance(target, MODERATED_MODELS):
        raise InvalidInput(_("不支持的内容类型。"))


@transaction.atomic
def report_content(user: User, target, reason: str) -> Report:
    """Anyone who may post can report content; one open report per user and object."""
    _start_post(user)
    _check_moderated(target)
    content_type = ContentType.objects.get_for_model(target)
    existing = Report.objects.filter(
        content_type=content_type, object_id=target.pk, reporter=user, status=Report.Status.OPEN
    ).first()
    if existing:
        return existing
    report = Report.objects.create(
        content_type=content_type,
        object_id=target.pk,
        reporter=user,
        reason=_text(reason, _("举报原因"), 500),
    )
    _count_post(user)
    return report


@transaction.atomic
def hide_content(user: User, target, hidden: bool = True) -> None:
    """Staff hide (or show again) a question, answer, comment, article or idea."""
    ensure_moderator(user)
    _check_moderated(target)
    if target.is_hidden == hidden:
        return
    target.is_hidden = hidden
    target.save()
    if isinstance(target, Answer):
        _touch(target.question)
    if hidden:
        _resolve_reports_for(user, target)


def _resolve_reports_for(user: User, target) -> None:
    for report in Report.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk, status=Report.Status.OPEN
    ):
        report.status = Report.Status.RESOLVED
        report.resolved_by = user
        report.resolved_at = timezone.now()
        report.save()


@transaction.atomic
def resolve_report(user: User, report: Report, hide: bool) -> Report:
    """Staff close a report: hide the content (resolved) or leave it (dismissed)."""
    ensure_moderator(user)
    if hide and report.target is not None:
        hide_content(user, report.target, True)
        report.refresh_from_db()
    if report.status == Report.Status.OPEN:
        report.status = Report.Status.RESOLVED if hide else Report.Status.DISMISSED
        report.resolved_by = user
        report.resolved_at = timezone.now()
        report.save()
    return report


@transaction.atomic
def edit_question(user: User, question: Question, title: str, body: str, product=None, tags=None) -> Question:
    """The asker or staff edit a question."""
    ensure_can_post(user)
    if user.pk != question.author_id and not user.is_service_staff:
        raise Forbidden(_("只有提问人或服务人员可以编辑问题。"))
    question.title = _text(title, _("标题"), 200)
    question.body = _text(body, _("问题描述"))
    if product is not None:
        question.product = _product(product)
    question.save()
    if tags is not None:
        question.tags.set(_tags(tags))
    attach_images(user, question.body, question=question)
    return question


@transaction.atomic
def edit_answer(user: User, answer: Answer, body: str) -> Answer:
    ensure_can_post(user)
    if user.pk != answer.author_id and not user.is_service_staff:
        raise Forbidden(_("只有回答人或服务人员可以编辑回答。"))
    answer.body = _text(body, _("回答"))
    answer.save()
    attach_images(user, answer.body, question=answer.question)
    _touch(answer.question)
    return answer


@transaction.atomic
def merge_questions(user: User, source: Question, target: Question) -> Question:
    """Staff merge a duplicate into another question: answers, comments and tags move; the
    duplicate then redirects to the target. A moved accepted answer stays accepted only if the
    target had none."""
    ensure_moderator(user)
    if source.pk == target.pk:
        raise InvalidInput(_("不能把问题合并到它自己。"))
    if target.merged_into_id:
        raise InvalidInput(_("目标问题已被合并到其他问题，请选择最终的问题。"))
    target_has_accepted = target.answers.filter(is_accepted=True).exists()
    for answer in list(source.answers.all()):
        answer.question = target
        if answer.is_accepted and target_has_accepted:
            answer.is_accepted = False
        answer.save()
    for comment in list(source.comments.all()):
        comment.question = target
        comment.save()
    target.tags.add(*source.tags.all())
    for earlier in list(source.merged.all()):
        earlier.merged_into = target
        earlier.save()
    source.merged_into = target
    source.save()
    _touch(target)
    return target


# --- knowledge base ------------------------------------------------------------------------


@transaction.atomic
def publish_article_revision(
    user: User, article: Article, title: str, body: str, note: str = ""
) -> ArticleRevision:
    """Staff publish a new revision; the article shows the latest one."""
    ensure_moderator(user)
    title = _text(title, _("标题"), 200)
    body = _text(body, _("正文"))
    if article.pk is None:
        article.title, article.body = title, body
        article.save()
    number = (article.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = ArticleRevision.objects.create(
        article=article, number=number, title=title, body=body, note=note[:200], author=user
    )
    article.title, article.body = title, body
    article.save()
    attach_images(user, body, article=article)
    return revision


@transaction.atomic
def record_feedback(
    article: Article, helpful: bool, comment: str = "", user: User | None = None, session_key: str = ""
) -> ArticleFeedback:
    """“这篇文章有帮助吗？”: one answer per user (or browser session); answering again replaces it."""
    comment = (comment or "").strip()[:2000]
    if user is not None and user.is_authenticated:
        feedback, _created = ArticleFeedback.objects.update_or_create(
            article=article, user=user, defaults={"helpful": helpful, "comment": comment}
        )
        return feedback
    if session_key:
        existing = ArticleFeedback.objects.filter(article=article, user=None, session_key=session_key).first()
        if existing:
            existing.helpful, existing.comment = helpful, comment
            existing.save()
            return existing
    return ArticleFeedback.objects.create(
        article=article, helpful=helpful, comment=comment, session_key=session_key
    )


# --- courses ---------------------------------------------------------------------------------


def complete_lesson(user: User, lesson: Lesson) -> LessonProgress:
    if user is None or not user.is_authenticated:
        raise NotSignedIn(_("登录后才能记录学习进度。"))
    try:
        with transaction.atomic():
            progress, _created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    except IntegrityError:  # a double click raced us
        progress = LessonProgress.objects.get(user=user, lesson=lesson)
    return progress


def reset_lesson(user: User, lesson: Lesson) -> None:
    LessonProgress.objects.filter(user=user, lesson=lesson).delete()


# --- innovation square -------------------------------------------------------------------------


def _eligibility(organisation: Organisation, channel: str):
    from successhub.contracts.selectors import entitlement_for
    from successhub.core import entitlements as core

    return entitlement_for(organisation, core.Request(service="demand_listening", channel=channel))


@transaction.atomic
def propose_idea(
    user: User,
    product: Product | str | None,
    title: str,
    description: str,
    channel: str = "innovation_square",
    organisation: Organisation | None = None,
) -> Idea:
    """需求聆听: a customer proposes an idea, or staff record one on a customer's behalf (hotline
    desk, ticket). Which channels an organisation may use is the entitlement engine's decision."""
    _start_post(user)
    if channel not in IDEA_CHANNELS:
        raise InvalidInput(_("未知的需求提交渠道：%(channel)s") % {"channel": channel})
    if user.is_customer:
        if organisation is not None and organisation.pk != user.organisation_id:
            raise Forbidden(_("只能以本组织的名义提交需求。"))
        organisation = user.organisation
    elif organisation is None:
        raise InvalidInput(_("服务人员代客户登记需求时，请选择客户组织。"), code="organisation_required")
    decision = _eligibility(organisation, channel)
    if not decision.allowed:
        raise NotEligible(decision.explanation, code=decision.reason)
    idea = Idea.objects.create(
        title=_text(title, _("标题"), 200),
        description=_text(description, _("需求描述")),
        product=_product(product),
        author=user,
        organisation=organisation,
        channel=channel,
    )
    _count_post(user)
    return idea


def file_demand(
    filed_by: User,
    channel: str,
    title: str,
    description: str,
    *,
    organisation: Organisation | None = None,
    product: Product | str | None = None,
    reference: str = "",
) -> Idea:
    """需求聆听 from any channel the plan names: the bot (``bot``), the hotline desk (``hotline``, staff
    filing for ``organisation``), a ticket (``ticket_site``) or the square itself. The demand lands in
    the innovation square with its channel and the reference of where it came from (a ticket number,
    a bot conversation, a call); the engine decides whether the organisation may use that channel and
    its explanation is the refusal's message."""
    idea = propose_idea(filed_by, product, title, description, channel=channel, organisation=organisation)
    if reference:
        idea.reference = reference[:100]
        idea.save(update_fields=["reference", "updated_at"])
    return idea


@transaction.atomic
def comment_idea(user: User, idea: Idea, body: str) -> IdeaComment:
    _start_post(user)
    if idea.is_hidden:
        raise Forbidden(_("该需求已隐藏。"))
    comment = IdeaComment.objects.create(idea=idea, author=user, body=_text(body, _("评论"), 2000))
    _count_post(user)
    return comment


STATUS_NAMES = dict(IdeaStatus.choices)


def _notify(users: list[User], **message) -> None:
    """Hand over to the notifications app (absent in a minimal install: then only log)."""
    try:
        from successhub.notifications.services import notify
    except ImportError:  # pragma: no cover - the notifications app is part of the product
        logger.warning("notifications app not installed; %d idea notifications dropped", len(users))
        return
    notify(users, **message)


def idea_followers(idea: Idea) -> list[User]:
    """The voters and the proposer, each once."""
    users = {vote.user_id: vote.user for vote in idea.votes.select_related("user")}
    users.setdefault(idea.author_id, idea.author)
    return [user for user in users.values() if user.is_active]


@transaction.atomic
def change_idea_status(
    user: User, idea: Idea, to_status: str, response: str = "", notify_followers: bool = True
) -> IdeaStatusChange:
    """Staff move an idea along submitted → under_review → planned → released (or declined from
    any open status), with the official response; voters and the proposer are notified."""
    ensure_moderator(user)
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    if to_status not in STATUS_NAMES:
        raise InvalidInput(_("未知的需求状态：%(status)s") % {"status": to_status})
    if to_status not in IDEA_TRANSITIONS[idea.status]:
        allowed = _("、").join(str(STATUS_NAMES[s]) for s in sorted(IDEA_TRANSITIONS[idea.status]))
        raise InvalidTransition(
            _("需求状态不能从“%(from)s”变为“%(to)s”；可变更为：%(allowed)s。")
            % {
                "from": STATUS_NAMES[idea.status],
                "to": STATUS_NAMES[to_status],
                "allowed": allowed or _("无（已结束）"),
            }
        )
    response = (response or "").strip()
    if to_status == IdeaStatus.DECLINED and not response:
        raise InvalidInput(_("暂不采纳需求时请填写官方回复，说明原因。"))
    change = IdeaStatusChange.objects.create(
        idea=idea, from_status=idea.status, to_status=to_status, response=response, by=user
    )
    idea.status = to_status
    if response:
        idea.official_response = response
    idea.save()
    if notify_followers:
        followers = [u for u in idea_followers(idea) if u.pk != user.pk]
        if followers:
            body = f"需求“{idea.title}”的状态已更新为：{STATUS_NAMES[to_status]}。"
            if response:
                body += f"\n官方回复：{response}"
            _notify(
                followers,
                kind="idea_status",
                title=f"您关注的需求状态更新：{STATUS_NAMES[to_status]}",
                body=body,
                url=idea.get_absolute_url(),
            )
    return change
