"""Portal pages: thin views that call selectors and services."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from successhub.accounts.services import VerificationError, confirm_verification_code, send_verification_code
from successhub.calendars.selectors import makeup_days_in_effect, makeup_days_sentence, unloaded_years_ahead
from successhub.catalog.loader import get_catalog
from successhub.contracts.selectors import entitlements_for, visible_contracts_for, visible_deployments_for
from successhub.core.catalog import SERVICE_CODES
from successhub.core.reasons import Reason
from successhub.success.presentation import manager_card
from successhub.web.handoff import instead_of


def _lang() -> str:
    return "en" if (get_language() or "zh").startswith("en") else "zh"


@login_required
def home(request):
    context: dict = {"today": timezone.localdate()}
    if request.user.is_customer:
        organisation = request.user.organisation
        decisions = entitlements_for(organisation)
        context.update(
            organisation=organisation,
            contracts=visible_contracts_for(request.user),
            deployments=visible_deployments_for(request.user),
            allowed_count=sum(1 for d in decisions if d.allowed),
            manager=manager_card(organisation, _lang() == "en"),
        )
    else:
        missing = unloaded_years_ahead(timezone.localdate().year)
        if missing:
            context["calendar_warning"] = _(
                "尚未录入 %(years)s 年的法定节假日安排：相关的工作日服务时间期限按普通周一至周五计算并标记为“暂定”。"
            ) % {"years": _("、").join(map(str, missing))}
    return render(request, "web/home.html", context)


def entitlement_rows(decisions, language: str) -> list[tuple[str, list[dict]]]:
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
            "reason": decision.reason,
            "reason_label": Reason(decision.reason).label.get(language),
            "instead": instead_of(decision.reason, allowed.__contains__, language),
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
    decisions = entitlements_for(request.user.organisation, at)
    return render(
        request,
        "web/entitlements.html",
        {"organisation": request.user.organisation, "at": at, "groups": entitlement_rows(decisions, _lang())},
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
                "includes": " ".join(edition.includes) if edition.includes else "",
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
