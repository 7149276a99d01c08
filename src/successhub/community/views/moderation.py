"""Moderation (staff): hiding content, editing and merging questions, the report queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from successhub.community import selectors, services
from successhub.community.errors import CommunityError
from successhub.community.models import Report
from successhub.community.views.common import int_or_404, next_url, posting, products, refuse, staff_only


@staff_only
@posting
def hide(request):
    kind = request.POST.get("kind", "")
    target = selectors.target_for(request.user, kind, int_or_404(request.POST.get("id")))
    hidden = request.POST.get("hidden", "1") == "1"
    services.hide_content(request.user, target, hidden)
    messages.success(request, _("内容已隐藏。") if hidden else _("内容已恢复显示。"))
    return redirect(next_url(request, reverse("community:moderation")))


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
            refuse(request, exc)
        else:
            messages.success(request, _("问题已更新。"))
            return redirect(obj)
    return render(
        request,
        "community/question_edit.html",
        {"question": obj, "products": products(), "tags": ",".join(t.name for t in obj.tags.all())},
    )


@staff_only
def answer_edit(request, pk: int):
    target = selectors.target_for(request.user, "answer", pk)
    if request.method == "POST":
        try:
            services.edit_answer(request.user, target, request.POST.get("body", ""))
        except CommunityError as exc:
            refuse(request, exc)
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
            target = selectors.question_for(request.user, int_or_404(request.POST.get("target")))
            services.merge_questions(request.user, source, target)
        except CommunityError as exc:
            refuse(request, exc)
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
            item = selectors.open_reports().get(pk=int_or_404(request.POST.get("report")))
        except Report.DoesNotExist:
            raise Http404 from None
        services.resolve_report(request.user, item, hide=request.POST.get("action") == "hide")
        messages.success(request, _("举报已处理。"))
        return redirect("community:moderation")
    reports = list(selectors.open_reports()[:100])
    return render(
        request, "community/moderation.html", {"reports": reports, "hidden": selectors.hidden_content()}
    )
