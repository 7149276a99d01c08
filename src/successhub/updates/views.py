"""Portal pages for patches, update plans, licenses and upgrades: thin, calling selectors and services."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from successhub.accounts.models import Role, User
from successhub.catalog.loader import get_catalog
from successhub.contracts.models import Product
from successhub.security.params import parse_id
from successhub.updates import delivery, selectors, services
from successhub.updates.errors import Forbidden, UpdatesError
from successhub.updates.models import LicenseStatus, PackageKind, PlanStatus, Severity, UpgradeStatus


def _lang() -> str:
    return "en" if (get_language() or "zh").startswith("en") else "zh"


def _said(exc: UpdatesError) -> str:
    return exc.explanation_en if _lang() == "en" and exc.explanation_en else exc.message


def _item(code: str):
    """The catalog's own words for a service item (name, summary): terms are data."""
    item = get_catalog().any_definition(code)
    language = _lang()
    return {"name": item.name.get(language), "summary": item.summary.get(language)} if item else {}


def _refusal(request, exc: UpdatesError, template: str = "updates/refused.html"):
    return render(
        request, template, {"message": _said(exc), "item": _item("patch_download")}, status=exc.status
    )


# --- packages ----------------------------------------------------------------------------------


@login_required
def index(request):
    user = request.user
    product = request.GET.get("product", "")
    try:
        packages = list(selectors.visible_packages_for(user, product or None))
    except UpdatesError as exc:
        return _refusal(request, exc)
    products = (
        selectors.deployed_products(user.organisation) if user.is_customer else list(Product.objects.all())
    )
    return render(
        request,
        "updates/index.html",
        {
            "packages": packages,
            "products": products,
            "product": product,
            "subscribed": selectors.subscribed_product_ids(user),
            "item": _item("patch_download"),
            "can_publish": user.role in services.PUBLISHER_ROLES,
        },
    )


@login_required
def package(request, package_id: int):
    try:
        found = selectors.package_for(request.user, package_id)
    except UpdatesError as exc:
        return _refusal(request, exc)
    return render(
        request,
        "updates/package.html",
        {
            "package": found,
            "can_plan": request.user.role == Role.CUSTOMER_ADMIN,
            "today": timezone.localdate(),
            "item": _item("patch_download"),
        },
    )


@login_required
def download(request, package_id: int):
    """Checks who asks, then sends them to a short-lived signed link for the file."""
    try:
        found = selectors.package_for(request.user, package_id)
    except UpdatesError as exc:
        return _refusal(request, exc)
    return redirect(delivery.signed_link(found, request.user))


def file(request, token: str, name: str):
    """The signed link: no session needed (download managers resume with it); audited to its user."""
    try:
        grant = delivery.read_link(token)
        user = User.objects.filter(pk=grant.user_id, is_active=True).select_related("organisation").first()
        if user is None:
            raise Forbidden("下载链接无效。", code="link_invalid")
        found = selectors.package_for(user, grant.package_id)
    except UpdatesError as exc:
        return _refusal(request, exc)
    return delivery.respond(request, user, found)


@login_required
@require_POST
def subscribe(request):
    product = Product.objects.filter(code=request.POST.get("product", "")).first()
    if product is None:
        raise Http404
    try:
        services.set_subscription(request.user, product, request.POST.get("subscribed") == "1")
    except UpdatesError as exc:
        messages.error(request, _said(exc))
    else:
        messages.success(
            request,
            _("已订阅 %(product)s 的新补丁通知。") % {"product": product.name}
            if request.POST.get("subscribed") == "1"
            else _("已取消订阅 %(product)s 的补丁通知。") % {"product": product.name},
        )
    return redirect("updates:index")


# --- the update plan ---------------------------------------------------------------------------


@login_required
def plan(request, organisation_id: int | None = None):
    user = request.user
    try:
        organisation = selectors.plan_organisation_for(user, organisation_id)
    except UpdatesError as exc:
        if not user.is_customer and organisation_id is None:
            return render(
                request, "updates/plan_choose.html", {"organisations": selectors.managed_organisations(user)}
            )
        return _refusal(request, exc)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add":
                found = selectors.package_for(user, parse_id(request.POST.get("package")) or 0)
                when = dt.date.fromisoformat(request.POST.get("planned_for", ""))
                services.plan_package(user, found, when, request.POST.get("note", ""))
                messages.success(request, _("已加入更新计划。"))
            else:
                services.set_plan_status(
                    user,
                    parse_id(request.POST.get("entry")) or 0,
                    request.POST.get("status", ""),
                    request.POST.get("note"),
                )
                messages.success(request, _("更新计划已保存。"))
        except UpdatesError as exc:
            messages.error(request, _said(exc))
        except ValueError:
            messages.error(request, _("请填写有效的日期（年-月-日）。"))
        return redirect("updates:plan")
    return render(
        request,
        "updates/plan.html",
        {
            "organisation": organisation,
            "entries": selectors.update_plan_for(organisation),
            "can_edit": user.role == Role.CUSTOMER_ADMIN,
            "statuses": PlanStatus.choices,
        },
    )


# --- licenses and upgrades ----------------------------------------------------------------------


@login_required
def licenses(request):
    user = request.user
    organisation_id = request.GET.get("organisation")
    try:
        rows = list(selectors.visible_licenses_for(user, int(organisation_id) if organisation_id else None))
    except UpdatesError as exc:
        return render(
            request,
            "updates/refused.html",
            {"message": _said(exc), "item": _item("license_upgrade")},
            status=exc.status,
        )
    except ValueError:
        raise Http404 from None
    return render(
        request,
        "updates/licenses.html",
        {
            "licenses": rows,
            "item": _item("license_upgrade"),
            "can_apply": user.role == Role.ACCOUNT_MANAGER,
            "active": LicenseStatus.ACTIVE,
            "upgrades": list(selectors.visible_upgrades_for(user)[:20]) if user.is_customer else [],
        },
    )


@login_required
def license_file(request, number: str):
    try:
        found = selectors.license_for(request.user, number)
    except UpdatesError as exc:
        return render(
            request,
            "updates/refused.html",
            {"message": _said(exc), "item": _item("license_upgrade")},
            status=exc.status,
        )
    return license_response(found)


def license_response(found) -> HttpResponse:
    body = json.dumps(found.document, ensure_ascii=False, indent=2) + "\n"
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.number}.license.json"'
    return response


@login_required
def apply(request, number: str):
    user = request.user
    try:
        found = selectors.license_for(user, number)
        if user.role != Role.ACCOUNT_MANAGER:
            raise Forbidden("许可升级申请由客户经营人员提交。")
    except UpdatesError as exc:
        return render(
            request,
            "updates/refused.html",
            {"message": _said(exc), "item": _item("license_upgrade")},
            status=exc.status,
        )
    modules = dict(found.modules)
    status = 200
    if request.method == "POST":
        try:
            modules = {
                name: int(request.POST.get(f"module:{name}", count)) for name, count in found.modules.items()
            }
            extra_name = request.POST.get("extra_module", "").strip()
            if extra_name:
                modules[extra_name] = int(request.POST.get("extra_users", "0") or 0)
            upgrade = services.apply_for_upgrade(user, found, modules, request.POST.get("note", ""))
        except UpdatesError as exc:
            messages.error(request, _said(exc))
            status = exc.status
        except ValueError:
            messages.error(request, _("用户数必须是整数。"))
            status = 422
        else:
            messages.success(
                request, _("许可升级申请 %(number)s 已提交，等待审核。") % {"number": upgrade.order_number}
            )
            return redirect("updates:upgrades")
    return render(
        request,
        "updates/apply.html",
        {
            "license": found,
            "modules": modules,
            "item": _item("license_upgrade"),
            "target": selectors.newest_version(found.product),
        },
        status=status,
    )


@login_required
def upgrades(request):
    user = request.user
    try:
        rows = list(selectors.visible_upgrades_for(user)[:200])
    except UpdatesError as exc:
        return render(
            request,
            "updates/refused.html",
            {"message": _said(exc), "item": _item("license_upgrade")},
            status=exc.status,
        )
    if request.method == "POST":
        upgrade_id = parse_id(request.POST.get("upgrade")) or 0
        try:
            if request.POST.get("action") == "approve":
                new = services.approve_upgrade(user, upgrade_id, request.POST.get("reason", ""))
                messages.success(request, _("已批准并交付新许可 %(number)s。") % {"number": new.number})
            else:
                services.reject_upgrade(user, upgrade_id, request.POST.get("reason", ""))
                messages.success(request, _("已驳回该申请。"))
        except UpdatesError as exc:
            messages.error(request, _said(exc))
        return redirect("updates:upgrades")
    return render(
        request,
        "updates/upgrades.html",
        {
            "upgrades": rows,
            "submitted": UpgradeStatus.SUBMITTED,
            "item": _item("license_upgrade"),
            "can_review": user.role in selectors.REVIEWER_ROLES,
        },
    )


# --- staff: the package catalogue ------------------------------------------------------------------


@login_required
def staff_packages(request):
    if request.user.role not in services.PUBLISHER_ROLES:
        return _refusal(request, Forbidden("只有服务管理员和技术支持工程师可以维护补丁包。"))
    return render(
        request,
        "updates/staff_packages.html",
        {
            "packages": selectors.staff_packages()[:200],
            "products": Product.objects.prefetch_related("versions"),
            "kinds": PackageKind.choices,
            "severities": Severity.choices,
        },
    )


@login_required
def staff_upload(request):
    """A new package with its file: the upload streams to a temporary file while it is hashed
    (``uploads.PackageUploadMiddleware`` installs the handler), then to the package storage in chunks;
    the request body is never in memory."""
    if request.method != "POST":
        return redirect("updates:staff_packages")
    user = request.user
    try:
        upload = request.FILES.get("file")
        if upload is None:
            raise services.InvalidInput("请选择补丁包文件。", code="file_missing")
        created = services.create_package(
            user,
            product=request.POST.get("product", ""),
            kind=request.POST.get("kind", ""),
            title=request.POST.get("title", ""),
            release_notes=request.POST.get("release_notes", ""),
            versions=request.POST.get("versions", "").replace("，", ",").split(","),
            severity=request.POST.get("severity", Severity.NORMAL),
            prerequisites=[i for i in map(parse_id, request.POST.getlist("prerequisites")) if i],
            supersedes=[i for i in map(parse_id, request.POST.getlist("supersedes")) if i],
        )
        services.attach_file(user, created, upload, upload.name, getattr(upload, "sha256", None))
        if request.POST.get("publish") == "1":
            services.publish_package(user, created)
    except UpdatesError as exc:
        messages.error(request, _said(exc))
        return redirect("updates:staff_packages")
    messages.success(request, _("补丁包“%(title)s”已保存。") % {"title": created.title})
    return redirect("updates:staff_packages")


@login_required
@require_POST
def staff_package_action(request, package_id: int):
    user = request.user
    found = selectors.staff_packages().filter(pk=package_id).first()
    if found is None:
        raise Http404
    try:
        if request.POST.get("action") == "publish":
            services.publish_package(user, found)
            messages.success(request, _("已发布。"))
        elif request.POST.get("action") == "withdraw":
            services.withdraw_package(user, found, request.POST.get("reason", ""))
            messages.success(request, _("已撤回。"))
    except UpdatesError as exc:
        messages.error(request, _said(exc))
    return redirect(reverse("updates:staff_packages"))
