"""Community and innovation-square pages: readable without signing in; posting through services."""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub.accounts.models import Organisation
from successhub.community import selectors, services
from successhub.community.errors import CommunityError, NotSignedIn, NotVerified
from successhub.community.models import (
    Article,
    CourseKind,
    Idea,
    IdeaStatus,
    KbCatalogue,
    Question,
    Report,
    Topic,
)
from successhub.contracts.models import Product

PAGE_SIZE = 20


def _products():
    return list(Product.objects.filter(parent__isnull=True).order_by("id")) + list(
        Product.objects.filter(parent__isnull=False).order_by("id")
    )


def _safe(request, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure())


def _next_url(request, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return candidate if _safe(request, candidate) else fallback


def _refuse(request, exc: CommunityError) -> None:
    if isinstance(exc, NotVerified):
        messages.error(request, format_html('{} <a href="{}">{}</a>', str(exc), reverse("verify"), _("去认证")))
    else:
        messages.error(request, str(exc))


def _login_redirect(request, back: str):
    return redirect(f"{reverse('login')}?next={quote(back)}")


def posting(view):
    """POST-only views that call a posting service: refusals become a message and a redirect back
    (anonymous users go to the login page first)."""

    @require_POST
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        referer = request.META.get("HTTP_REFERER", "")
        back = _next_url(request, referer if _safe(request, referer) else reverse("community:index"))
        try:
            return view(request, *args, **kwargs)
        except NotSignedIn:
            return _login_redirect(request, back)
        except CommunityError as exc:
            _refuse(request, exc)
            return redirect(back)

    return wrapper


def staff_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not services.is_moderator(request.user):
            if not request.user.is_authenticated:
                return _login_redirect(request, request.get_full_path())
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _can_post_notice(user) -> str | None:
    """Why the posting forms are not shown to this user (None: they may post)."""
    try:
        services.ensure_can_post(user)
    except NotSignedIn:
        return "login"
    except NotVerified:
        return "verify"
    except CommunityError:
        return "forbidden"
    return None


# --- community index and Q&A -------------------------------------------------------------------


def index(request):
    user = request.user
    product = request.GET.get("product") or None
    questions = selectors.question_list(user, product=product)[:10]
    articles = selectors.visible_articles(user)
    if product:
        articles = articles.filter(product__code=product)
    courses = list(selectors.visible_courses(product=product)[:6])
    return render(
        request,
        "community/index.html",
        {
            "products": _products(),
            "product": product,
            "questions": questions,
            "articles": articles.order_by("-view_count", "id")[:8],
            "faqs": selectors.visible_faqs(product)[:8],
            "courses": courses,
            "progress": selectors.course_progress(user, courses),
            "ideas": selectors.visible_ideas(user, product=product)[:6],
            "topics": Topic.objects.all()[:12],
        },
    )


def contact(request):
    """联系我们: 售后在线服务 (a ticket through the community), the hotline, the bot and the innovation square."""
    user = request.user if request.user.is_authenticated else None
    return render(request, "community/contact.html", {
        "channels": selectors.contact_channels_for(user, get_language() or "zh"),
        "is_customer": bool(user and user.is_customer),
    })


def question_list(request, tag: str | None = None):
    user = request.user
    product = request.GET.get("product") or None
    text = (request.GET.get("q") or "").strip() or None
    unanswered = request.GET.get("unanswered") == "1"
    questions = selectors.question_list(user, product=product, tag=tag, text=text, unanswered=unanswered)
    return render(
        request,
        "community/question_list.html",
        {
            "page": _page(request, questions),
            "products": _products(),
            "product": product,
            "tag": tag,
            "q": text or "",
            "unanswered": unanswered,
        },
    )


def tag(request, name: str):
    return question_list(request, tag=name)


def ask(request):
    notice = _can_post_notice(request.user)
    form = {"title": "", "body": "", "product": request.GET.get("product", ""), "tags": "", "private": False}
    status = 200
    if request.method == "POST":
        if notice == "login":
            return _login_redirect(request, reverse("community:ask"))
        form = {
            "title": request.POST.get("title", ""),
            "body": request.POST.get("body", ""),
            "product": request.POST.get("product", ""),
            "tags": request.POST.get("tags", ""),
            "private": request.POST.get("private") == "1",
        }
        try:
            question = services.ask_question(
                request.user,
                form["title"],
                form["body"],
                product=form["product"] or None,
                tags=form["tags"].replace("，", ",").split(","),
                private=form["private"],
            )
        except CommunityError as exc:
            _refuse(request, exc)
            status = exc.status
        else:
            messages.success(request, _("问题已发布。"))
            return redirect(question)
    return render(
        request,
        "community/ask.html",
        {"form": form, "products": _products(), "notice": notice, "similar": []},
        status=status,
    )


def similar(request):
    """htmx: questions like the title being typed."""
    text = request.GET.get("title") or request.GET.get("q") or ""
    questions = selectors.similar_questions(request.user, text, limit=5)
    return render(request, "community/_similar.html", {"similar": questions, "text": text})


def question(request, pk: int):
    user = request.user
    obj = selectors.question_for(user, pk)
    if obj.merged_into_id:
        return redirect(obj.merged_into, permanent=False)
    Question.objects.filter(pk=obj.pk).update(view_count=F("view_count") + 1)  # a counter, not content
    return render(
        request,
        "community/question.html",
        {
            "question": obj,
            "answers": selectors.answers_for(user, obj),
            "comments": selectors.comments_for(user, obj),
            "votes": selectors.my_votes(user, obj),
            "notice": _can_post_notice(user),
            "is_moderator": services.is_moderator(user),
            "can_accept": user.is_authenticated and (user.pk == obj.author_id or services.is_moderator(user)),
        },
    )


@posting
def answer(request, pk: int):
    obj = selectors.question_for(request.user, pk)
    created = services.answer_question(request.user, obj, request.POST.get("body", ""))
    messages.success(request, _("回答已发布。"))
    return redirect(created.get_absolute_url())


@posting
def comment(request, pk: int):
    obj = selectors.question_for(request.user, pk)
    target = obj
    if request.POST.get("answer"):
        target = selectors.target_for(request.user, "answer", int(request.POST["answer"]))
        if target.question_id != obj.pk:
            raise Http404
    created = services.add_comment(request.user, target, request.POST.get("body", ""))
    return redirect(created.get_absolute_url())


@posting
def accept(request, pk: int):
    target = selectors.target_for(request.user, "answer", pk)
    services.accept_answer(request.user, target)
    messages.success(request, _("已采纳该回答。"))
    return redirect(target.get_absolute_url())


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@posting
def vote(request):
    kind = request.POST.get("kind", "")
    if kind not in ("question", "answer", "idea"):
        raise Http404
    target = selectors.target_for(request.user, kind, _int(request.POST.get("id")))
    score = services.vote(request.user, target, _int(request.POST.get("value", 1)))
    if request.headers.get("HX-Request"):
        return HttpResponse(str(score))
    return redirect(_next_url(request, target.get_absolute_url()))


@posting
def report(request):
    kind = request.POST.get("kind", "")
    target = selectors.target_for(request.user, kind, _int(request.POST.get("id")))
    services.report_content(request.user, target, request.POST.get("reason", ""))
    messages.success(request, _("感谢举报，服务人员会尽快处理。"))
    return redirect(_next_url(request, target.get_absolute_url()))


# --- moderation ---------------------------------------------------------------------------------


@staff_only
@posting
def hide(request):
    kind = request.POST.get("kind", "")
    target = selectors.target_for(request.user, kind, _int(request.POST.get("id")))
    hidden = request.POST.get("hidden", "1") == "1"
    services.hide_content(request.user, target, hidden)
    messages.success(request, _("内容已隐藏。") if hidden else _("内容已恢复显示。"))
    return redirect(_next_url(request, reverse("community:moderation")))


@staff_only
def question_edit(request, pk: int):
    obj = selectors.question_for(request.user, pk)
    if request.method == "POST":
        try:
            services.edit_question(
                request.user,
                obj,
                request.POST.get("title", ""),
                request.POST.get("body", ""),
                product=request.POST.get("product", ""),
                tags=request.POST.get("tags", "").replace("，", ",").split(","),
            )
        except CommunityError as exc:
            _refuse(request, exc)
        else:
            messages.success(request, _("问题已更新。"))
            return redirect(obj)
    return render(
        request,
        "community/question_edit.html",
        {"question": obj, "products": _products(), "tags": ",".join(t.name for t in obj.tags.all())},
    )


@staff_only
def answer_edit(request, pk: int):
    target = selectors.target_for(request.user, "answer", pk)
    if request.method == "POST":
        try:
            services.edit_answer(request.user, target, request.POST.get("body", ""))
        except CommunityError as exc:
            _refuse(request, exc)
        else:
            messages.success(request, _("回答已更新。"))
            return redirect(target.get_absolute_url())
    return render(request, "community/answer_edit.html", {"answer": target})


@staff_only
def question_merge(request, pk: int):
    source = selectors.question_for(request.user, pk)
    if source.merged_into_id:
        messages.info(request, _("该问题已合并。"))
        return redirect(source.merged_into)
    if request.method == "POST":
        try:
            target = selectors.question_for(request.user, _int(request.POST.get("target")))
            services.merge_questions(request.user, source, target)
        except CommunityError as exc:
            _refuse(request, exc)
        except Http404:
            messages.error(request, _("找不到目标问题。"))
        else:
            messages.success(request, _("已合并到问题 #%(pk)s，回答与评论已移动。") % {"pk": target.pk})
            return redirect(target)
    candidates = [
        q for q in selectors.similar_questions(request.user, source.title, limit=8) if q.pk != source.pk
    ]
    return render(request, "community/question_merge.html", {"question": source, "candidates": candidates})


@staff_only
def moderation(request):
    if request.method == "POST":
        try:
            item = selectors.open_reports().get(pk=_int(request.POST.get("report")))
        except Report.DoesNotExist:
            raise Http404 from None
        services.resolve_report(request.user, item, hide=request.POST.get("action") == "hide")
        messages.success(request, _("举报已处理。"))
        return redirect("community:moderation")
    reports = list(selectors.open_reports()[:100])
    return render(
        request, "community/moderation.html", {"reports": reports, "hidden": selectors.hidden_content()}
    )


# --- knowledge base ----------------------------------------------------------------------------------


def kb(request):
    user = request.user
    product = request.GET.get("product") or None
    articles = selectors.visible_articles(user)
    if product:
        articles = articles.filter(product__code=product)
    return render(
        request,
        "community/kb.html",
        {
            "tree": selectors.catalogue_tree(user, product),
            "topics": selectors.topics_with_counts(user),
            "popular": articles.order_by("-view_count", "id")[:10],
            "latest": articles.order_by("-updated_at")[:10],
            "products": _products(),
            "product": product,
        },
    )


def kb_catalogue(request, key: str):
    try:
        catalogue = KbCatalogue.objects.select_related("parent").get(key=key)
    except KbCatalogue.DoesNotExist:
        raise Http404 from None
    articles = selectors.visible_articles(request.user).filter(
        catalogue_id__in=selectors.catalogue_descendants(catalogue)
    )
    return render(
        request,
        "community/kb_catalogue.html",
        {
            "catalogue": catalogue,
            "page": _page(request, articles.order_by("catalogue__position", "id")),
            "tree": selectors.catalogue_tree(request.user),
            "current_catalogue": catalogue.pk,
        },
    )


def kb_topic(request, key: str):
    try:
        topic = Topic.objects.get(key=key)
    except Topic.DoesNotExist:
        raise Http404 from None
    articles = selectors.visible_articles(request.user).filter(topics=topic)
    return render(request, "community/kb_topic.html", {"topic": topic, "page": _page(request, articles)})


def article(request, slug: str):
    user = request.user
    obj = selectors.article_for(user, slug)
    Article.objects.filter(pk=obj.pk).update(view_count=F("view_count") + 1)  # a counter, not content
    return render(
        request,
        "community/article.html",
        {
            "article": obj,
            "tree": selectors.catalogue_tree(user),
            "current_catalogue": obj.catalogue_id,
            "related": selectors.related_articles(user, obj),
            "topics": obj.topics.all(),
            "tags": obj.tags.all(),
            "feedback": selectors.feedback_summary(obj),
            "is_moderator": services.is_moderator(user),
            "revision_count": obj.revisions.count(),
        },
    )


@require_POST
def article_feedback(request, slug: str):
    obj = selectors.article_for(request.user, slug)
    if not request.session.session_key:
        request.session.save()
    services.record_feedback(
        obj,
        helpful=request.POST.get("helpful") == "yes",
        comment=request.POST.get("comment", ""),
        user=request.user if request.user.is_authenticated else None,
        session_key=request.session.session_key or "",
    )
    if request.headers.get("HX-Request"):
        return HttpResponse(format_html('<p class="muted">{}</p>', _("感谢您的反馈！")))
    messages.success(request, _("感谢您的反馈！"))
    return redirect(obj)


@staff_only
def article_revisions(request, slug: str):
    obj = selectors.article_for(request.user, slug)
    revisions = obj.revisions.select_related("author")
    return render(
        request,
        "community/article_revisions.html",
        {"article": obj, "revisions": revisions, "feedback": obj.feedback.select_related("user")[:50]},
    )


@staff_only
def article_edit(request, slug: str):
    obj = selectors.article_for(request.user, slug)
    form = {"title": obj.title, "body": obj.body, "note": ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("title", "body", "note")}
        try:
            revision = services.publish_article_revision(
                request.user, obj, form["title"], form["body"], form["note"]
            )
        except CommunityError as exc:
            _refuse(request, exc)
        else:
            messages.success(request, _("已发布第 %(number)s 版。") % {"number": revision.number})
            return redirect(obj)
    return render(request, "community/article_edit.html", {"article": obj, "form": form})


# --- FAQ and courses ------------------------------------------------------------------------------------


def faq(request):
    product = request.GET.get("product") or None
    return render(
        request,
        "community/faq.html",
        {"faqs": selectors.visible_faqs(product), "products": _products(), "product": product},
    )


def courses(request):
    kind = request.GET.get("kind") or None
    product = request.GET.get("product") or None
    items = list(selectors.visible_courses(kind, product))
    progress = selectors.course_progress(request.user, items)
    groups = []
    for code, label in CourseKind.choices:
        in_kind = [(c, progress[c.pk]) for c in items if c.kind == code]
        if in_kind:
            groups.append((code, label, in_kind))
    return render(
        request,
        "community/courses.html",
        {
            "groups": groups,
            "kinds": CourseKind.choices,
            "kind": kind,
            "products": _products(),
            "product": product,
        },
    )


def course(request, slug: str):
    obj = selectors.course_for(slug)
    lessons = list(obj.lessons.all())
    done = selectors.completed_lessons(request.user, [obj.pk])
    finished, total, percent = selectors.course_progress(request.user, [obj])[obj.pk]
    next_lesson = next((lesson for lesson in lessons if lesson.pk not in done), None)
    return render(
        request,
        "community/course.html",
        {
            "course": obj,
            "lessons": lessons,
            "done": done,
            "finished": finished,
            "total": total,
            "percent": percent,
            "next_lesson": next_lesson,
        },
    )


def lesson(request, slug: str, pk: int):
    obj = selectors.course_for(slug)
    current = selectors.lesson_for(obj, pk)
    lessons = list(obj.lessons.all())
    position = [lesson.pk for lesson in lessons].index(current.pk)
    done = selectors.completed_lessons(request.user, [obj.pk])
    return render(
        request,
        "community/lesson.html",
        {
            "course": obj,
            "lesson": current,
            "lessons": lessons,
            "done": done,
            "previous": lessons[position - 1] if position > 0 else None,
            "next": lessons[position + 1] if position + 1 < len(lessons) else None,
            "progress": selectors.course_progress(request.user, [obj])[obj.pk],
        },
    )


@require_POST
def lesson_complete(request, slug: str, pk: int):
    obj = selectors.course_for(slug)
    current = selectors.lesson_for(obj, pk)
    if not request.user.is_authenticated:
        return _login_redirect(request, current.get_absolute_url())
    if request.POST.get("undo") == "1":
        services.reset_lesson(request.user, current)
    else:
        services.complete_lesson(request.user, current)
    lessons = list(obj.lessons.all())
    position = [lesson.pk for lesson in lessons].index(current.pk)
    if request.POST.get("undo") != "1" and position + 1 < len(lessons):
        return redirect(lessons[position + 1].get_absolute_url())
    return redirect(obj)


# --- innovation square ---------------------------------------------------------------------------------


def ideas(request):
    status = request.GET.get("status") or None
    product = request.GET.get("product") or None
    sort = request.GET.get("sort") or "votes"
    return render(
        request,
        "community/ideas.html",
        {
            "page": _page(request, selectors.visible_ideas(request.user, status, product, sort)),
            "statuses": IdeaStatus.choices,
            "status": status,
            "products": _products(),
            "product": product,
            "sort": sort,
        },
    )


def idea_new(request):
    user = request.user
    notice = _can_post_notice(user)
    is_staff = services.is_moderator(user)
    form = {"title": "", "description": "", "product": "", "channel": "innovation_square", "organisation": ""}
    status = 200
    if request.method == "POST":
        if notice == "login":
            return _login_redirect(request, reverse("community:idea_new"))
        form = {k: request.POST.get(k, form[k]) for k in form}
        organisation = None
        if is_staff and form["organisation"]:
            organisation = Organisation.objects.filter(pk=_int(form["organisation"])).first()
        try:
            created = services.propose_idea(
                user,
                form["product"] or None,
                form["title"],
                form["description"],
                channel=form["channel"] if is_staff else "innovation_square",
                organisation=organisation,
            )
        except CommunityError as exc:
            _refuse(request, exc)
            status = exc.status
        else:
            messages.success(request, _("需求已提交，感谢您的建议！"))
            return redirect(created)
    return render(
        request,
        "community/idea_new.html",
        {
            "form": form,
            "products": _products(),
            "notice": notice,
            "is_staff": is_staff,
            "channels": services.IDEA_CHANNELS,
            "organisations": Organisation.objects.order_by("name") if is_staff else [],
        },
        status=status,
    )


def idea(request, pk: int):
    user = request.user
    obj = selectors.idea_for(user, pk)
    next_statuses = [
        (s, services.STATUS_NAMES[s]) for s in IdeaStatus.values if s in services.IDEA_TRANSITIONS[obj.status]
    ]
    return render(
        request,
        "community/idea.html",
        {
            "idea": obj,
            "history": obj.status_changes.select_related("by"),
            "comments": selectors.idea_comments(user, obj),
            "voted": selectors.has_voted_idea(user, obj),
            "notice": _can_post_notice(user),
            "is_moderator": services.is_moderator(user),
            "next_statuses": next_statuses,
        },
    )


@posting
def idea_comment(request, pk: int):
    obj = selectors.idea_for(request.user, pk)
    created = services.comment_idea(request.user, obj, request.POST.get("body", ""))
    return redirect(created.get_absolute_url())


@posting
def idea_status(request, pk: int):
    obj: Idea = selectors.idea_for(request.user, pk)
    services.change_idea_status(
        request.user, obj, request.POST.get("status", ""), request.POST.get("response", "")
    )
    messages.success(request, _("需求状态已更新，已通知投票用户。"))
    return redirect(obj)
