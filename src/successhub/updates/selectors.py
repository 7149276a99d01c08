"""Reads scoped to the acting user: which packages, plans, licenses and applications they may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from successhub.accounts.models import Organisation, Role, User
from successhub.catalog.loader import get_catalog
from successhub.contracts.models import Deployment, Product
from successhub.contracts.selectors import entitlement_for
from successhub.core import entitlements as core
from successhub.updates.errors import Forbidden, Gone, NotEntitled, NotFound, NotVerified
from successhub.updates.models import (
    License,
    LicenseUpgrade,
    Package,
    PackageStatus,
    ProductVersion,
    Subscription,
    UpdatePlanEntry,
)

REVIEWER_ROLES = frozenset({Role.ACCOUNT_MANAGER, Role.SERVICE_ADMIN})


def _packages() -> QuerySet[Package]:
    return Package.objects.select_related("product").prefetch_related(
        Prefetch("applies_to", queryset=ProductVersion.objects.order_by("released_on", "id")),
        Prefetch("prerequisites", queryset=Package.objects.only("id", "title")),
        Prefetch("supersedes", queryset=Package.objects.only("id", "title")),
        Prefetch(
            "superseded_by",
            queryset=Package.objects.filter(status=PackageStatus.PUBLISHED).only("id", "title"),
        ),
    )


@dataclass(frozen=True)
class Installed:
    """What the organisation runs: (product id, version) pairs, product parts counted with their whole."""

    pairs: frozenset[tuple[int, str]]

    def filter(self) -> Q:
        query = Q(pk__in=[])
        for product_id, version in self.pairs:
            query |= Q(product_id=product_id, applies_to__version=version, applies_to__product_id=product_id)
        return query


def installed(organisation: Organisation) -> Installed:
    """The deployed versions. s-HR is part of EAS Cloud (catalog labels): a deployment of either covers the other."""
    parents = get_catalog().labels.product_parents
    products = {p.code: p.pk for p in Product.objects.only("id", "code")}
    pairs = set()
    for code, version in Deployment.objects.filter(organisation=organisation).values_list(
        "product__code", "version"
    ):
        pairs.add((products[code], version))
        for part, whole in parents.items():
            if whole == code and part in products:
                pairs.add((products[part], version))
            if part == code and whole in products:
                pairs.add((products[whole], version))
    return Installed(frozenset(pairs))


def download_decision(user: User) -> core.Decision:
    """The engine's word on ``patch_download`` for this verified customer user (raises when refused)."""
    if not user.is_verified:
        raise NotVerified(
            "补丁包下载面向经注册认证的实际使用者：请先完成手机或邮箱认证。",
            explanation_en="Patch downloads are for verified users: confirm your phone or e-mail first.",
        )
    decision = entitlement_for(user.organisation, core.Request(service="patch_download"))
    if not decision.allowed:
        raise NotEntitled(decision.explanation, code=decision.reason, explanation_en=decision.explanation_en)
    return decision


def visible_packages_for(user: User, product: str | None = None) -> QuerySet[Package]:
    """Published packages the user may download: for customers, those for their deployed products and versions."""
    qs = _packages().filter(status=PackageStatus.PUBLISHED)
    if product:
        qs = qs.filter(product__code=product)
    if not user.is_customer:
        return qs.order_by("-published_at", "-id")
    download_decision(user)
    ids = Package.objects.filter(status=PackageStatus.PUBLISHED).filter(installed(user.organisation).filter())
    return qs.filter(pk__in=ids.values("pk")).order_by("-published_at", "-id")


def package_for(user: User, package_id: int) -> Package:
    """One package the user may download; a withdrawn one is ``Gone``, anything else not theirs ``NotFound``."""
    package = _packages().filter(pk=package_id).first()
    if package is None or package.status == PackageStatus.DRAFT and user.is_customer:
        raise NotFound("没有这个补丁包。", explanation_en="No such package.")
    if user.is_customer:
        download_decision(user)
        applicable = (
            Package.objects.filter(pk=package.pk).filter(installed(user.organisation).filter()).exists()
        )
        if not applicable:
            raise NotFound(
                "没有这个补丁包，或它不适用于贵组织部署的产品版本。",
                explanation_en="No such package for the product versions your organisation runs.",
            )
    if package.status == PackageStatus.WITHDRAWN:
        raise Gone(
            "该补丁包已撤回，不再提供下载。"
            + (f"原因：{package.withdrawn_reason}" if package.withdrawn_reason else ""),
            code="package_withdrawn",
            explanation_en="This package was withdrawn.",
        )
    return package


def staff_packages() -> QuerySet[Package]:
    return _packages().order_by("-created_at", "-id")


def subscribed_product_ids(user: User) -> set[int]:
    return set(Subscription.objects.filter(user=user).values_list("product_id", flat=True))


def deployed_products(organisation: Organisation) -> list[Product]:
    return list(Product.objects.filter(deployment__organisation=organisation).distinct().order_by("id"))


# --- update plans ------------------------------------------------------------------------------


def plan_organisation_for(user: User, organisation_id: int | None = None) -> Organisation:
    """Whose update plan the user may read: their own organisation; the technical manager the ones they own."""
    if user.is_customer:
        return user.organisation
    qs = Organisation.objects.all()
    if user.role == Role.TECHNICAL_MANAGER:
        qs = qs.filter(technical_manager=user)
    elif user.role != Role.SERVICE_ADMIN:
        raise Forbidden("只有客户本组织、其专属技术经理和服务管理员可以查看更新计划。")
    found = qs.filter(pk=organisation_id).first() if organisation_id else None
    if found is None:
        raise NotFound("没有这个客户组织，或您不是它的专属技术经理。")
    return found


def update_plan_for(organisation: Organisation) -> QuerySet[UpdatePlanEntry]:
    return UpdatePlanEntry.objects.filter(organisation=organisation).select_related(
        "package", "package__product", "updated_by"
    )


def managed_organisations(user: User) -> QuerySet[Organisation]:
    if user.role == Role.SERVICE_ADMIN:
        return Organisation.objects.all()
    if user.role == Role.TECHNICAL_MANAGER:
        return Organisation.objects.filter(technical_manager=user)
    return Organisation.objects.none()


# --- licenses ---------------------------------------------------------------------------------


def visible_licenses_for(user: User, organisation_id: int | None = None) -> QuerySet[License]:
    qs = License.objects.select_related("product", "organisation", "upgraded_from")
    if user.is_customer:
        if not user.is_verified:
            raise NotVerified(
                "许可文件面向经注册认证的实际使用者：请先完成手机或邮箱认证。",
                explanation_en="License files are for verified users: confirm your phone or e-mail.",
            )
        return qs.filter(organisation_id=user.organisation_id)
    if user.role not in REVIEWER_ROLES | {Role.TECHNICAL_MANAGER}:
        raise Forbidden(
            "您的角色不能查看客户许可。", explanation_en="Your role may not see customer licenses."
        )
    if user.role == Role.TECHNICAL_MANAGER:
        qs = qs.filter(organisation__technical_manager=user)
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    return qs


def license_for(user: User, number: str) -> License:
    found = visible_licenses_for(user).filter(number=number).first()
    if found is None:
        raise NotFound("没有这个许可。", explanation_en="No such license.")
    return found


def newest_version(product: Product) -> ProductVersion | None:
    return ProductVersion.objects.filter(product=product).order_by("-released_on", "-id").first()


def visible_upgrades_for(user: User) -> QuerySet[LicenseUpgrade]:
    qs = LicenseUpgrade.objects.select_related(
        "license", "license__product", "organisation", "submitted_by", "reviewed_by", "delivered_license"
    )
    if user.is_customer:
        return qs.filter(organisation_id=user.organisation_id)
    if user.role not in REVIEWER_ROLES:
        raise Forbidden("只有客户经营人员和服务管理员可以查看许可升级申请。")
    return qs
