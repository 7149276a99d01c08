"""公有云运维 pages: the customer's environments (ops engineers see all), an environment's incidents and
inspections, advisories, and the unified upgrade windows. Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub.accounts.models import Role
from successhub.contracts.models import Product
from successhub.ops import selectors, services
from successhub.ops.errors import OpsError
from successhub.ops.models import (
    AdvisoryEnvironment,
    Environment,
    SecurityAdvisory,
    Severity,
    UnmatchedAlert,
    UpgradeWindow,
)
from successhub.updates.models import Package, PackageStatus

OPERATORS = {Role.OPS_ENGINEER, Role.SERVICE_ADMIN}


def _language() -> str:
    return get_language() or "zh-hans"


def _operator(request) -> None:
    if request.user.role not in OPERATORS:
        raise PermissionDenied


@login_required
def index(request):
    user = request.user
    environments = list(
        selectors.with_last_probe(selectors.visible_environments_for(user)).order_by(
            "organisation__name", "code"
        )
    )
    ids = [env.pk for env in environments]
    incidents = selectors.open_incident_counts(ids)
    advisories = selectors.open_advisory_counts(ids)
    rows = [
        {
            "env": env,
            "platform": selectors.ops_platform(env),
            "open_incidents": incidents.get(env.pk, 0),
            "open_advisories": advisories.get(env.pk, 0),
        }
        for env in environments
    ]
    context = {
        "rows": rows,
        "windows": selectors.upcoming_windows_for(user),
        "advisories": selectors.advisories_for(user)[:50],
        "exclusions": selectors.service_exclusions(_language()),
        "is_operator": user.role in OPERATORS,
    }
    if context["is_operator"]:
        context["open_incidents"] = list(
            selectors.visible_incidents_for(user).filter(status="open").order_by("-starts_at")[:50]
        )
        context["unmatched"] = list(UnmatchedAlert.objects.order_by("-received_at")[:20])
        context["products"] = Product.objects.filter(parent__isnull=True).order_by("id")
        context["severities"] = Severity.choices
        context["packages"] = Package.objects.filter(status=PackageStatus.PUBLISHED).select_related("product")
    return render(request, "ops/index.html", context)


@login_required
def environment(request, code: str):
    try:
        env = selectors.environment_for(request.user, code)
    except Environment.DoesNotExist:
        raise Http404(_("没有这个环境。")) from None
    return render(
        request,
        "ops/environment.html",
        {
            "env": env,
            "platform": selectors.ops_platform(env),
            "incidents": list(selectors.visible_incidents_for(request.user, env.code)[:50]),
            "inspections": list(env.inspections.all()[:12]),
            "advisories": list(
                env.advisories.filter(advisory__published_at__isnull=False).select_related("advisory")
            ),
            "windows": [
                w for w in selectors.upcoming_windows_for(request.user) if env in w.visible_environments
            ],
        },
    )


@login_required
def advisory(request, code: str):
    try:
        found, rows = selectors.advisory_for(request.user, code)
    except SecurityAdvisory.DoesNotExist:
        raise Http404(_("没有这个安全公告。")) from None
    windows = []
    if request.user.role in OPERATORS:
        windows = [
            w for w in selectors.upcoming_windows_for(request.user) if w.product_id == found.product_id
        ]
    return render(
        request,
        "ops/advisory.html",
        {
            "advisory": found,
            "rows": rows,
            "is_operator": request.user.role in OPERATORS,
            "windows": windows,
        },
    )


@login_required
@require_POST
def advisory_row(request, code: str, row_id: int):
    _operator(request)
    try:
        row = AdvisoryEnvironment.objects.select_related("advisory").get(pk=row_id, advisory__code=code)
    except AdvisoryEnvironment.DoesNotExist:
        raise Http404 from None
    try:
        if request.POST.get("action") == "fixed":
            services.mark_advisory_fixed(row)
        else:
            window = UpgradeWindow.objects.filter(pk=request.POST.get("window") or None).first()
            services.schedule_advisory_fix(row, window=window, when=_parse_local(request.POST.get("when")))
    except OpsError as exc:
        messages.error(request, exc.message)
    return redirect("ops:advisory", code=code)


def _parse_local(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
@require_POST
def publish_advisory(request):
    """Ops write a security advisory; it is published at once: affected environments computed, customers told."""
    _operator(request)
    fields = {
        name: (request.POST.get(name) or "").strip()
        for name in (
            "code",
            "title",
            "affected_from",
            "affected_to",
            "fixed_version",
            "severity",
            "description",
        )
    }
    product = Product.objects.filter(pk=request.POST.get("product") or None).first()
    if product is None or not all(
        fields[n] for n in ("code", "title", "fixed_version", "severity", "description")
    ):
        messages.error(request, _("请填写公告编号、标题、产品、修复版本、严重程度和描述。"))
        return redirect("ops:index")
    if (
        fields["severity"] not in Severity.values
        or SecurityAdvisory.objects.filter(code=fields["code"]).exists()
    ):
        messages.error(request, _("公告编号已存在或严重程度无效。"))
        return redirect("ops:index")
    fields["patch"] = Package.objects.filter(pk=request.POST.get("patch") or None, product=product).first()
    try:
        with transaction.atomic():
            advisory = SecurityAdvisory.objects.create(product=product, **fields)
            rows = services.publish_advisory(advisory)
    except (OpsError, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", None) or _("公告内容无效。"))
        return redirect("ops:index")
    messages.success(request, _("安全公告已发布，受影响环境 %(count)s 个。") % {"count": len(rows)})
    return redirect("ops:advisory", code=advisory.code)


@login_required
@require_POST
def plan_window(request):
    _operator(request)
    product = Product.objects.filter(pk=request.POST.get("product") or None).first()
    starts_at = _parse_local(request.POST.get("starts_at"))
    ends_at = _parse_local(request.POST.get("ends_at"))
    target = (request.POST.get("target_version") or "").strip()
    try:
        days = [
            int(d) for d in (request.POST.get("notice_days") or "").replace("，", ",").split(",") if d.strip()
        ]
    except ValueError:
        days = [-1]
    if product is None or starts_at is None or ends_at is None or not target:
        messages.error(request, _("请填写产品、目标版本、开始和结束时间。"))
        return redirect("ops:index")
    try:
        window = services.plan_upgrade_window(
            product,
            target,
            starts_at,
            ends_at,
            request.POST.get("notes", ""),
            days or None,
            created_by=request.user,
        )
    except OpsError as exc:
        messages.error(request, exc.message)
        return redirect("ops:index")
    messages.success(
        request, _("升级窗口已计划，范围内环境 %(count)s 个。") % {"count": window.environments.count()}
    )
    return redirect("ops:index")
