"""Q&A: the question list, asking, answering, comments, accepting, votes and reports."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from successhub.community import selectors, services
from successhub.community.errors import CommunityError
from successhub.community.models import Question
from successhub.community.views.common import (
    can_post_notice,
    int_or_404,
    login_redirect,
    next_url,
    own_product,
    page,
    posting,
    products,
    refuse,
)


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
            "page": page(request, questions),
            "products": products(),
            "product": product,
            "tag": tag,
            "q": text or "",
            "unanswered": unanswered,
        },
    )


def tag(request, name: str):
    return question_list(request, tag=name)


def ask(request):
    notice = can_post_notice(request.user)
    form = {
        "title": "",
        "body": "",
        "product": request.GET.get("product") or own_product(request.user),
        "tags": "",
        "private": False,
    }
    status = 200
    if request.method == "POST":
        if notice == "login":
            return login_redirect(request, reverse("community:ask"))
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
            refuse(request, exc)
            status = exc.status
        else:
            messages.success(request, _("问题已发布。"))
            return redirect(question)
    return render(
        request,
        "community/ask.html",
        {"form": form, "products": products(), "notice": notice, "similar": []},
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
            "notice": can_post_notice(user),
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
        target = selectors.target_for(request.user, "answer", int_or_404(request.POST["answer"]))
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


@posting
def vote(request):
    kind = request.POST.get("kind", "")
    if kind not in ("question", "answer", "idea"):
        raise Http404
    target = selectors.target_for(request.user, kind, int_or_404(request.POST.get("id")))
    score = services.vote(request.user, target, int_or_404(request.POST.get("value", 1)))
    if request.headers.get("HX-Request"):
        return HttpResponse(str(score))
    return redirect(next_url(request, target.get_absolute_url()))


@posting
def report(request):
    kind = request.POST.get("kind", "")
    target = selectors.target_for(request.user, kind, int_or_404(request.POST.get("id")))
    services.report_content(request.user, target, request.POST.get("reason", ""))
    messages.success(request, _("感谢举报，服务人员会尽快处理。"))
    return redirect(next_url(request, target.get_absolute_url()))
