"""Value-service pages: the technical manager's desk and the customer's 专属服务 page.

Thin views: parse the form, call one service or selector, render. A refusal is shown as its
sentence in the page's language and the user is sent back to the page they acted on.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub.catalog.loader import get_catalog
from successhub.contracts.selectors import entitlement_for
from successhub.core import entitlements as core
from successhub.success import presentation, selectors, services
from successhub.success.diagnosis.rules import DIMENSIONS
from successhub.success.errors import SuccessError
from successhub.success.models import (
    ActionKind,
    CheckStatus,
    DeliveryMode,
    EventKind,
    MomentKind,
    MomentStatus,
    ReportStatus,
)
from successhub.success.pdf import render_pdf


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _back(request, fallback: str):
    return redirect(request.POST.get("next") or fallback)


def refusals_shown(view):
    """A SuccessError becomes a message on the page the user came from (never a 500)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SuccessError as exc:
            messages.error(request, exc.message(_english()))
            return redirect(
                request.POST.get("next") or request.META.get("HTTP_REFERER") or reverse("success:home")
            )

    return wrapped


def _desk(request):
    if not selectors.is_desk_user(request.user):
        raise PermissionDenied
    return request.user


# --- the technical manager's desk -----------------------------------------------------------------


@login_required
def home(request):
    if request.user.is_customer:
        return redirect("success:mine")
    _desk(request)
    return render(
        request, "success/desk.html", {"rows": selectors.portfolio(request.user), "now": timezone.now()}
    )


@login_required
def organisation(request, code: str):
    _desk(request)
    org = selectors.organisation_for(request.user, code)
    user = request.user
    return render(
        request,
        "success/organisation.html",
        {
            "org": org,
            "escalations": selectors.escalations_for(user).filter(organisation=org)[:50],
            "events": selectors.events_for(user).filter(organisation=org)[:50],
            "analyses": selectors.analyses_for(user).filter(organisation=org)[:24],
            "moments": selectors.moments_for(user).filter(organisation=org).order_by("-start_date")[:50],
            "reports": selectors.reports_for(user).filter(organisation=org),
            "checks": selectors.checks_for(user).filter(organisation=org)[:20],
            "event_kinds": EventKind.choices,
            "last_month": (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m"),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
@refusals_shown
def escalation_raise(request):
    """An engineer raises a ticket to the customer's manager (from the ticket's workspace page)."""
    from successhub.tickets.selectors import ticket_for

    if request.user.is_customer:
        org = request.user.organisation
        ticket = None
    else:
        try:
            ticket = ticket_for(request.user, request.POST.get("ticket", ""))
        except Exception:
            raise Http404 from None
        org = ticket.organisation
    escalation = services.raise_escalation(
        request.user,
        org,
        request.POST.get("subject", "") or (ticket.title if ticket else ""),
        request.POST.get("reason", ""),
        ticket=ticket,
    )
    messages.success(request, _("已提交给专属技术经理。"))
    if request.user.is_customer:
        return redirect("success:mine")
    return redirect("success:escalation", escalation.pk)


@login_required
@refusals_shown
def escalation(request, pk: int):
    item = selectors.get_or_404(selectors.escalations_for(request.user), pk=pk)
    if request.method == "POST":
        if request.POST.get("action") == "close":
            services.close_escalation(request.user, item)
        else:
            services.record_escalation_action(
                request.user,
                item,
                request.POST.get("kind", ""),
                request.POST.get("body", ""),
                expert=request.POST.get("expert", ""),
            )
        return redirect("success:escalation", pk)
    actions = item.actions.select_related("author")
    if request.user.is_customer:
        actions = actions.filter(visible_to_customer=True)
    return render(
        request,
        "success/escalation.html",
        {
            "item": item,
            "actions": actions,
            "kinds": ActionKind.choices,
            "can_manage": services.manages(request.user, item.organisation),
        },
    )


@login_required
@require_POST
@refusals_shown
def event_open(request, code: str):
    _desk(request)
    org = selectors.organisation_for(request.user, code)
    event = services.open_event(
        request.user, org, request.POST.get("kind", ""), request.POST.get("title", "")
    )
    return redirect("success:event", event.pk)


@login_required
@refusals_shown
def event(request, pk: int):
    item = selectors.get_or_404(selectors.events_for(request.user), pk=pk)
    if request.method == "POST":
        if request.POST.get("action") == "summary":
            services.publish_event_summary(request.user, item, request.POST.get("summary", ""))
        else:
            services.post_event_update(request.user, item, request.POST.get("body", ""))
        return redirect("success:event", pk)
    return render(
        request,
        "success/event.html",
        {
            "item": item,
            "updates": item.updates.select_related("author"),
            "can_manage": services.manages(request.user, item.organisation),
        },
    )


@login_required
@require_POST
@refusals_shown
def analysis_generate(request, code: str):
    _desk(request)
    org = selectors.organisation_for(request.user, code)
    try:
        month = dt.date.fromisoformat(request.POST.get("month", "") + "-01")
    except ValueError:
        raise SuccessError("请选择月份。", "Choose a month.", code="invalid_date") from None
    analysis = services.generate_analysis(request.user, org, month)
    return redirect("success:analysis", analysis.pk)


@login_required
@refusals_shown
def analysis(request, pk: int):
    item = selectors.get_or_404(selectors.analyses_for(request.user), pk=pk)
    if request.method == "POST":
        services.annotate_and_send_analysis(request.user, item, request.POST.get("annotation", ""))
        messages.success(request, _("工单分析已发送给客户。"))
        return redirect("success:analysis", pk)
    return render(
        request,
        "success/analysis.html",
        {
            "item": item,
            "view": presentation.ticket_view(item.figures, _english()),
            "can_manage": services.manages(request.user, item.organisation),
        },
    )


# --- critical moments ----------------------------------------------------------------------------------


@login_required
@refusals_shown
def moment_new(request):
    if not request.user.is_customer:
        raise PermissionDenied
    form = {
        k: request.POST.get(k, "")
        for k in ("kind", "start_date", "end_date", "scope", "contact_name", "contact_phone")
    }
    if request.method == "POST":
        try:
            moment = services.request_moment(request.user, **form)
        except SuccessError as exc:
            messages.error(request, exc.message(_english()))
        else:
            messages.success(request, _("申请已提交，专属技术经理将与您确认支持计划。"))
            return redirect("success:moment", moment.pk)
    decision = entitlement_for(request.user.organisation, core.Request(services.CRITICAL_MOMENT))
    return render(
        request,
        "success/moment_new.html",
        {
            "form": form,
            "kinds": MomentKind.choices,
            "decision": decision,
            "explanation": decision.explanation_en if _english() else decision.explanation,
        },
    )


@login_required
@refusals_shown
def moment(request, pk: int):
    item = selectors.get_or_404(selectors.moments_for(request.user), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "plan":
            services.plan_moment(
                request.user,
                item,
                experts=request.POST.get("experts", ""),
                half_days=request.POST.get("half_days", ""),
                mode=request.POST.get("mode", ""),
                notes=request.POST.get("plan_notes", ""),
            )
        elif action == "confirm":
            services.confirm_moment(request.user, item)
            messages.success(request, _("已确认，人天已从本服务年度的额度中预留。"))
        elif action == "deliver":
            services.deliver_moment(
                request.user,
                item,
                days=request.POST.get("days", ""),
                work_done=request.POST.get("work_done", ""),
                summary=request.POST.get("summary", ""),
            )
            messages.success(request, _("已登记交付。"))
        elif action == "cancel":
            services.cancel_moment(request.user, item, request.POST.get("reason", ""))
            messages.success(request, _("已取消，预留的人天已释放。"))
        return redirect("success:moment", pk)
    return render(
        request,
        "success/moment.html",
        {
            "item": item,
            "modes": DeliveryMode.choices,
            "statuses": MomentStatus,
            "can_manage": services.manages(request.user, item.organisation),
            "quota": presentation.moment_quota(item.organisation, item),
        },
    )


@login_required
def moment_calendar(request):
    _desk(request)
    try:
        month = dt.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        month = timezone.localdate().replace(day=1)
    start, end = services.month_bounds(month)
    moments = list(selectors.calendar_moments(request.user, start, end))
    return render(
        request,
        "success/calendar.html",
        {
            "month": start,
            "weeks": presentation.calendar_weeks(start, end, moments),
            "previous": (start - dt.timedelta(days=1)).strftime("%Y-%m"),
            "next": (end + dt.timedelta(days=1)).strftime("%Y-%m"),
            "moments": moments,
        },
    )


# --- annual service reports -------------------------------------------------------------------------


@login_required
@require_POST
@refusals_shown
def report_generate(request, code: str):
    _desk(request)
    org = selectors.organisation_for(request.user, code)
    try:
        as_of = dt.date.fromisoformat(request.POST.get("as_of") or timezone.localdate().isoformat())
    except ValueError:
        raise SuccessError("日期格式不正确。", "The date is not valid.", code="invalid_date") from None
    report = services.generate_report(org, as_of, actor=request.user)
    messages.success(request, _("报告草稿已生成。"))
    return redirect("success:report", report.pk)


@login_required
@refusals_shown
def report(request, pk: int):
    item = selectors.get_or_404(selectors.reports_for(request.user), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "suggestions":
            services.edit_suggestions(request.user, item, request.POST.get("suggestions", "").splitlines())
            messages.success(request, _("改善建议已保存。"))
        elif action == "regenerate":
            services.generate_report(
                item.organisation, min(timezone.localdate(), item.year_end), actor=request.user
            )
            messages.success(request, _("报告草稿已按最新数据重新生成。"))
        elif action == "publish":
            services.publish_report(request.user, item)
            messages.success(request, _("报告已发布，客户可在门户查看与下载。"))
        return redirect("success:report", pk)
    return render(
        request,
        "success/report.html",
        {
            "item": item,
            "view": presentation.report_view(item, _english()),
            "can_manage": services.manages(request.user, item.organisation),
            "draft": item.status == ReportStatus.DRAFT,
        },
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@refusals_shown
def report_pdf(request, pk: int):
    item = selectors.get_or_404(selectors.reports_for(request.user), pk=pk)
    content = render_pdf(
        "success/report_pdf.html", {"item": item, "view": presentation.report_view(item, False)}
    )
    return _pdf_response(content, f"service-report-{item.organisation.code}-{item.year_start:%Y%m%d}.pdf")


# --- health checks --------------------------------------------------------------------------------------


@login_required
@require_POST
@refusals_shown
def check_propose(request):
    if request.user.is_customer:
        org = request.user.organisation
    else:
        org = selectors.organisation_for(request.user, request.POST.get("organisation", ""))
    check = services.propose_check(request.user, org, request.POST.get("when", ""))
    messages.success(request, _("已提出健康检查时间，等待对方确认。"))
    return redirect("success:check", check.pk)


@login_required
@refusals_shown
def check(request, pk: int):
    item = selectors.get_or_404(selectors.checks_for(request.user), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "confirm":
            services.confirm_check(request.user, item)
        elif action == "upload":
            upload = request.FILES.get("bundle")
            if upload is None:
                raise SuccessError(
                    "请选择巡检工具生成的文件。", "Choose the bundle file.", code="missing_field"
                )
            # Read one byte past the limit: enough to refuse a too-large file without reading it all.
            raw = upload.read(services.inspection_rules.max_bytes() + 1)
            services.upload_inspection(request.user, item, raw)
            messages.success(request, _("巡检数据已上传并完成分析。"))
        elif action == "diagnose":
            services.run_diagnosis(request.user, item, request.POST.get("connection", ""))
            messages.success(request, _("业务诊断已完成。"))
        elif action == "complete":
            services.complete_check(request.user, item)
            messages.success(request, _("健康检查报告已出具。"))
        elif action == "cancel":
            services.cancel_check(request.user, item)
        return redirect("success:check", pk)
    return render(
        request,
        "success/check.html",
        {
            "item": item,
            "view": presentation.check_view(item),
            "can_manage": services.manages(request.user, item.organisation),
            "can_confirm": item.status == CheckStatus.PROPOSED
            and request.user.is_customer != item.proposed_by.is_customer,
            "dimensions": DIMENSIONS,
        },
    )


@login_required
@refusals_shown
def check_pdf(request, pk: int, kind: str):
    item = selectors.get_or_404(selectors.checks_for(request.user), pk=pk)
    if kind not in ("diagnosis", "inspection"):
        raise Http404
    if request.user.is_customer and item.status != CheckStatus.COMPLETED:
        raise Http404
    content = render_pdf(
        "success/check_pdf.html", {"item": item, "kind": kind, "view": presentation.check_view(item)}
    )
    return _pdf_response(content, f"{kind}-{item.organisation.code}-{item.pk}.pdf")


# --- the customer's page -------------------------------------------------------------------------------


@login_required
def mine(request):
    if not request.user.is_customer:
        return redirect("success:home")
    user = request.user
    org = user.organisation
    return render(
        request,
        "success/mine.html",
        {
            "org": org,
            "manager": presentation.manager_card(org, _english()),
            "escalations": selectors.escalations_for(user)[:20],
            "events": selectors.events_for(user)[:20],
            "analyses": selectors.analyses_for(user)[:12],
            "moments": selectors.moments_for(user).order_by("-start_date")[:20],
            "reports": selectors.reports_for(user),
            "checks": selectors.checks_for(user)[:10],
            "catalog": get_catalog(),
        },
    )
