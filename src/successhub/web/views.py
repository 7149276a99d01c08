"""Portal pages: thin views that call selectors and services."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from successhub.accounts.services import VerificationError, confirm_verification_code, send_verification_code
from successhub.calendars.selectors import makeup_days_in_effect, makeup_days_sentence, unloaded_years_ahead
from successhub.catalog.loader import get_catalog
from successhub.contracts.selectors import entitlements_for, visible_contracts_for, visible_deployments_for
from successhub.core.catalog import SERVICE_CODES
from successhub.core.reasons import Reason
from successhub.success.presentation import manager_card
from successhub.web import rights
from successhub.web.handoff import instead_of


def _lang() -> str:
    return "en" if (get_language() or "zh").startswith("en") else "zh"


@login_required
def home(request):
    context: dict = {"today": timezone.localdate()}
    if request.user.is_customer:
        organisation = request.user.organisation
        decisions = entitlements_for(organisation, user=request.user)
        managers = []
        # The technical manager has the success app's card (manager_card); the account manager is named here.
        for role, label in (("account_manager", _("客户经营人员")),):
            person = getattr(organisation, role)
            if person is not None:
                managers.append((label, person, rights.manager_link(organisation, role)))
        context.update(
            organisation=organisation,
            contracts=visible_contracts_for(request.user),
            deployments=visible_deployments_for(request.user),
            allowed_count=sum(1 for d in decisions if d.allowed),
            manager=manager_card(organisation, _lang() == "en"),
            managers=managers,
        )
    else:
        missing = unloaded_years_ahead(timezone.localdate().year)
        if missing:
            context["calendar_warning"] = _(
                "尚未录入 %(years)s 年的法定节假日安排：相关的工作日服务时间期限按普通周一至周五计算并标记为“暂定”。"
            ) % {"years": _("、").join(map(str, missing))}
    return render(request, "web/home.html", context)


def entitlement_rows(decisions, language: str, organisation=None) -> list[tuple[str, list[dict]]]:
    labels = get_catalog().labels
    allowed = {d.service for d in decisions if d.allowed}
    groups: dict[str, list[dict]] = {}
    for decision in decisions:
        item = decision.item
        quota = decision.quota
        used_percent = 0
        if quota and quota.limit:
            used_percent = int(min(Decimal(100), quota.used * 100 / quota.limit))
        row = {
            "code": decision.service,
            "name": item.name.get(language) if item else decision.service,
            "summary": item.summary.get(language) if item else "",
            "allowed": decision.allowed,
            "needs_verification": decision.reason == "not_verified",
            "reason": decision.reason,
            "reason_label": Reason(decision.reason).label.get(language),
            "action": rights.action_for(decision.service, organisation, decision)
            if decision.allowed
            else None,
            "instead": rights.verify_instead(language)
            if decision.reason == "not_verified"
            else instead_of(decision.reason, allowed.__contains__, language),
            # A right the plan lacks: the account manager can talk about an upgrade.
            "upgrade": rights.manager_link(organisation, "account_manager", decision.service)
            if decision.reason == "not_in_plan"
            else None,
            "explanation": decision.explanation_en if language == "en" else decision.explanation,
            "quota": quota,
            "unit": labels.name("units", quota.unit, language) if quota else "",
            "used_percent": used_percent,
            "max_members": item.max_members if item and decision.allowed else None,
            "schedule": decision.schedule,
            "schedule_label": labels.name("schedules", decision.schedule, language)
            if decision.schedule
            else "",
            "schedule_note": item.schedule_note.get(language) if item and item.schedule_note else "",
            "open_now": decision.open_now,
            "next_open": decision.next_open,
            "provisional": decision.provisional,
        }
        group = item.group.get(language) if item else ""
        groups.setdefault(group, []).append(row)
    return list(groups.items())


@login_required
def entitlements(request):
    if not request.user.is_customer:
        raise PermissionDenied
    at = timezone.now()
    organisation = request.user.organisation
    decisions = entitlements_for(organisation, at, user=request.user)
    return render(
        request,
        "web/entitlements.html",
        {
            "organisation": organisation,
            "at": at,
            "groups": entitlement_rows(decisions, _lang(), organisation),
        },
    )


@login_required
def verify(request):
    context = {"channel": request.POST.get("channel", "phone"), "target": request.POST.get("target", "")}
    if request.method == "POST":
        channel = request.POST.get("channel", "")
        try:
            if request.POST.get("action") == "send":
                sent = send_verification_code(request.user, channel, request.POST.get("target") or None)
                messages.info(
                    request, _("验证码已发送至 %(target)s，请在有效期内填写。") % {"target": sent.target}
                )
            else:
                confirm_verification_code(request.user, channel, request.POST.get("code", ""))
                messages.success(request, _("认证成功，您现在可以使用客户服务。"))
                return redirect("home")
        except VerificationError as exc:
            messages.error(request, str(exc))
    return render(request, "web/verify.html", context)


def _included_name(catalog, edition, language: str) -> str:
    """The name of the edition this one includes (高级成功服务 includes 标准成功服务 2025-07)."""
    if not edition.includes:
        return ""
    plan, version = edition.includes
    included = catalog.editions.get((plan, version))
    return f"{included.name.get(language)} {version}" if included else f"{plan} {version}"


@login_required
def staff_catalog(request):
    if request.user.is_customer:
        raise PermissionDenied
    language = _lang()
    catalog = get_catalog()
    labels = catalog.labels
    editions = []
    sep = _("、")
    for edition in sorted(catalog.editions.values(), key=lambda e: (e.plan, e.published)):
        items = []
        for code in SERVICE_CODES:
            item = edition.items.get(code)
            if item is None:
                continue
            conditions = []
            if item.deployment_types:
                types = sep.join(labels.name("deployment_types", t, language) for t in item.deployment_types)
                conditions.append(_("部署：%(types)s") % {"types": types})
            if item.products:
                products = sep.join(labels.name("products", p, language) for p in item.products)
                conditions.append(_("产品：%(products)s") % {"products": products})
            if item.channels:
                channels = sep.join(labels.name("channels", c, language) for c in item.channels)
                conditions.append(_("渠道：%(channels)s") % {"channels": channels})
            if item.fatal_only:
                conditions.append(_("仅限致命故障"))
            if item.quota:
                conditions.append(
                    _("额度：%(limit)s %(unit)s/服务年度")
                    % {"limit": item.quota.limit, "unit": labels.name("units", item.quota.unit, language)}
                )
            if item.first_purchase_year_only:
                conditions.append(_("仅限首次购买高级服务后的第一年"))
            if item.min_contract_amount is not None:
                conditions.append(_("合同金额不低于 %(amount)s 元") % {"amount": item.min_contract_amount})
            if item.max_members:
                conditions.append(_("不超过 %(count)s 人") % {"count": item.max_members})
            if item.first_response:
                conditions.append(
                    _("首次响应：%(minutes)s 工作分钟（%(schedule)s）")
                    % {
                        "minutes": item.first_response.working_minutes,
                        "schedule": labels.name("schedules", item.first_response.schedule, language),
                    }
                )
            items.append(
                {
                    "code": code,
                    "name": item.name.get(language),
                    "summary": item.summary.get(language),
                    "schedule": item.schedule,
                    "schedule_label": labels.name("schedules", item.schedule, language)
                    if item.schedule
                    else "",
                    "conditions": conditions,
                }
            )
        editions.append(
            {
                "name": edition.name.get(language),
                "edition": edition.edition,
                "published": edition.published,
                "source": edition.source,
                "file": edition.file.rsplit("/", 1)[-1],
                "includes": _included_name(catalog, edition, language),
                "items": items,
            }
        )
    return render(
        request,
        "web/catalog.html",
        {
            "editions": editions,
            "schedules": _schedule_rows(language),
            "makeup_sentence": makeup_days_sentence(),
        },
    )


def _schedule_rows(language: str) -> list[dict]:
    """Service hours as the catalog defines them, with whether make-up days count now and why."""
    labels = get_catalog().labels
    rows = []
    for code, schedule in labels.service_hours.items():
        working_days = schedule.days == "working_days"
        counted, source = makeup_days_in_effect(code) if working_days else (None, "")
        rows.append(
            {
                "code": code,
                "label": labels.name("schedules", code, language),
                "days": _("法定节假日除外的周一至周五") if working_days else _("每天（含周末和节假日）"),
                "hours": _("全天") if schedule.all_day else schedule.hours_text(),
                "makeup": counted,
                "makeup_source": _("后台服务时间设置") if source == "admin" else _("服务目录默认"),
            }
        )
    return rows


# --- favicon and error pages ---------------------------------------------------------------------


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon."""
    return redirect(static("successhub/favicon.svg"), permanent=True)


_ERRORS = {
    400: (gettext_noop("请求有误"), gettext_noop("这个请求无法处理，请检查链接或返回上一页重试。")),
    403: (
        gettext_noop("没有访问权限"),
        gettext_noop("您的账号不能访问此页面。如需开通，请联系贵公司的管理员或您的客户经营人员。"),
    ),
    404: (
        gettext_noop("页面不存在"),
        gettext_noop("您要找的页面不存在，或已被移动、删除。可以从下面的入口继续。"),
    ),
    500: (
        gettext_noop("服务暂时出错"),
        gettext_noop("系统处理时出现了问题，我们已记录。请稍后再试，紧急问题请拨打热线。"),
    ),
}


def _error(request, status: int):
    title, message = _ERRORS[status]
    hotline = get_catalog().any_definition("hotline")
    context = {
        "status": status,
        "title": _(title),
        "message": _(message),
        "hotline": hotline.phone if hotline else "",
    }
    return render(request, "web/error.html", context, status=status)


def bad_request(request, exception=None):
    return _error(request, 400)


def permission_denied(request, exception=None):
    return _error(request, 403)


def csrf_failure(request, reason=""):
    return _error(request, 403)


def page_not_found(request, exception=None):
    return _error(request, 404)


def server_error(request):
    # No context processors and no database: whatever broke the page must not break this one.
    title, message = _ERRORS[500]
    html = render_to_string("web/500.html", {"title": _(title), "message": _(message)})
    return HttpResponseServerError(html)
