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
from django.utils.http import url_has_allowed_host_and_scheme
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


def _back(request) -> str:
    """Where to send the user after a refusal: the page they acted on, if it is one of ours."""
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return reverse("success:home")


def refusals_shown(view):
    """A SuccessError becomes a message on the page the user came from (never a 500)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SuccessError as exc:
            messages.error(request, exc.message(_english()))
            return redirect(_back(request))

    return wrapped


def _desk(request):
    if not selectors.is_desk_user(request.user):
        raise PermissionDenied
    return request.user


def _perform(request, actions: dict, *, default: str = "") -> None:
    """Run the form's ``action`` (one of ``actions``: name -> (call, message or None)) and say how it went.

    The detail pages post every change to themselves with an ``action`` field; this is their one way in.
    """
    call, said = actions.get(request.POST.get("action") or default, (None, None))
    if call is None:
        raise SuccessError("无法识别的操作。", "Unknown action.", code="unknown_action")
    call()
    if said:
        messages.success(request, said)


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
    """A ticket (or a question) raised to the customer's manager: by an engineer from the ticket's
    workspace page, or by the customer from their ticket or the 专属服务 page."""
    from successhub.tickets.models import Ticket
    from successhub.tickets.selectors import ticket_for

    number = request.POST.get("ticket", "")
    ticket = None
    if number or not request.user.is_customer:
        try:
            ticket = ticket_for(request.user, number)
        except Ticket.DoesNotExist:
            raise Http404 from None
    org = request.user.organisation if request.user.is_customer else ticket.organisation
    escalation = services.raise_escalation(
        request.user,
        org,
        request.POST.get("subject", "") or (ticket.title if ticket else ""),
        request.POST.get("reason", ""),
        ticket=ticket,
    )
    messages.success(request, _("已提交给专属技术经理。"))
    return redirect("success:escalation", escalation.pk)


@login_required
@refusals_shown
def escalation(request, pk: int):
    item = selectors.get_or_404(selectors.escalations_for(request.user), pk=pk)
    if request.method == "POST":
        post = request.POST
        _perform(
            request,
            {
                "record": (
                    lambda: services.record_escalation_action(
                        request.user,
                        item,
                        post.get("kind", ""),
                        post.get("body", ""),
                        expert=post.get("expert", ""),
                    ),
                    None,
                ),
                "close": (lambda: services.close_escalation(request.user, item), _("升级事项已完结。")),
            },
            default="record",
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
        post = request.POST
        _perform(
            request,
            {
                "update": (
                    lambda: services.post_event_update(request.user, item, post.get("body", "")),
                    None,
                ),
                "summary": (
                    lambda: services.publish_event_summary(request.user, item, post.get("summary", "")),
                    _("事件总结已发布。"),
                ),
            },
            default="update",
        )
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
        post, user = request.POST, request.user
        _perform(
            request,
            {
                "plan": (
                    lambda: services.plan_moment(
                        user,
                        item,
                        experts=post.get("experts", ""),
                        half_days=post.get("half_days", ""),
                        mode=post.get("mode", ""),
                        notes=post.get("plan_notes", ""),
                    ),
                    None,
                ),
                "confirm": (
                    lambda: services.confirm_moment(user, item),
                    _("已确认，人天已从本服务年度的额度中预留。"),
                ),
                "deliver": (
                    lambda: services.deliver_moment(
                        user,
                        item,
                        days=post.get("days", ""),
                        work_done=post.get("work_done", ""),
                        summary=post.get("summary", ""),
                    ),
                    _("已登记交付。"),
                ),
                "cancel": (
                    lambda: services.cancel_moment(user, item, post.get("reason", "")),
                    _("已取消，预留的人天已释放。"),
                ),
            },
        )
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
        user = request.user
        _perform(
            request,
            {
                "suggestions": (
                    lambda: services.edit_suggestions(
                        user, item, request.POST.get("suggestions", "").splitlines()
                    ),
                    _("改善建议已保存。"),
                ),
                "regenerate": (
                    lambda: services.generate_report(
                        item.organisation, min(timezone.localdate(), item.year_end), actor=user
                    ),
                    _("报告草稿已按最新数据重新生成。"),
                ),
                "publish": (
                    lambda: services.publish_report(user, item),
                    _("报告已发布，客户可在门户查看与下载。"),
                ),
            },
        )
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


def _pdf(template: str, context: dict, filename: str) -> HttpResponse:
    """The page as a PDF download (both reports' PDFs: the annual report and the health check's two)."""
    response = HttpResponse(render_pdf(template, context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@refusals_shown
def report_pdf(request, pk: int):
    item = selectors.get_or_404(selectors.reports_for(request.user), pk=pk)
    return _pdf(
        "success/report_pdf.html",
        {"item": item, "view": presentation.report_view(item, _english())},
        f"service-report-{item.organisation.code}-{item.year_start:%Y%m%d}.pdf",
    )


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


def _uploaded_bundle(request) -> bytes:
    upload = request.FILES.get("bundle")
    if upload is None:
        raise SuccessError("请选择巡检工具生成的文件。", "Choose the bundle file.", code="missing_field")
    # Read one byte past the limit: enough to refuse a too-large file without reading it all.
    return upload.read(services.inspection_rules.max_bytes() + 1)


@login_required
@refusals_shown
def check(request, pk: int):
    item = selectors.get_or_404(selectors.checks_for(request.user), pk=pk)
    if request.method == "POST":
        user = request.user
        _perform(
            request,
            {
                "confirm": (lambda: services.confirm_check(user, item), _("已确认健康检查时间。")),
                "upload": (
                    lambda: services.upload_inspection(user, item, _uploaded_bundle(request)),
                    _("巡检数据已上传并完成分析。"),
                ),
                "diagnose": (
                    lambda: services.run_diagnosis(user, item, request.POST.get("connection", "")),
                    _("业务诊断已完成。"),
                ),
                "complete": (lambda: services.complete_check(user, item), _("健康检查报告已出具。")),
                "cancel": (lambda: services.cancel_check(user, item), _("健康检查已取消。")),
            },
        )
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
    return _pdf(
        "success/check_pdf.html",
        {"item": item, "kind": kind, "view": presentation.check_view(item)},
        f"{kind}-{item.organisation.code}-{item.pk}.pdf",
    )


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
