"""State changes: packages (publish, withdraw, files), downloads' audit, subscriptions, update plans,
licenses and license upgrades (apply, approve exactly once, reject)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.files import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename

from successhub.accounts.models import Organisation, Role, User
from successhub.contracts.models import Deployment, DeploymentType, Product
from successhub.contracts.selectors import entitlement_for
from successhub.core import entitlements as core
from successhub.core import licensing
from successhub.core.scenario import decision_to_json
from successhub.updates import keys
from successhub.updates.errors import (
    AdditionalPurchase,
    Conflict,
    Forbidden,
    InvalidInput,
    NotEntitled,
    NotFound,
)
from successhub.updates.models import (
    Download,
    License,
    LicenseKind,
    LicenseStatus,
    LicenseUpgrade,
    Package,
    PackageKind,
    PackageStatus,
    PlanStatus,
    ProductVersion,
    Severity,
    Subscription,
    UpdatePlanEntry,
    UpgradeStatus,
)
from successhub.updates.selectors import REVIEWER_ROLES, newest_version

logger = logging.getLogger("successhub.updates")

CHUNK = 1024 * 1024
PUBLISHER_ROLES = frozenset({Role.SERVICE_ADMIN, Role.SUPPORT_ENGINEER})


def package_storage():
    return storages["packages"]


def _notify(users: Iterable[User], **message) -> None:
    from successhub.notifications.services import notify

    notify(list(users), **message)


def _publish_event(event: str, payload: dict, organisation_id: int | None) -> None:
    from successhub.notifications.services import publish_event

    publish_event(event, payload, organisation_id)


# --- packages ----------------------------------------------------------------------------------


def _ensure_publisher(user: User) -> None:
    if user.role not in PUBLISHER_ROLES:
        raise Forbidden(
            "只有服务管理员和技术支持工程师可以维护补丁包。",
            explanation_en="Only service admins and support engineers maintain packages.",
        )


def _choice(value: str, choices, what: str) -> str:
    if value not in choices.values:
        raise InvalidInput(f"未知的{what}：{value}")
    return value


@transaction.atomic
def create_package(
    actor: User,
    *,
    product: str,
    kind: str,
    title: str,
    release_notes: str = "",
    versions: Iterable[str] = (),
    severity: str = Severity.NORMAL,
    prerequisites: Iterable[int] = (),
    supersedes: Iterable[int] = (),
) -> Package:
    """A draft package; it is published once its file is stored."""
    _ensure_publisher(actor)
    found = Product.objects.filter(code=product).first()
    if found is None:
        raise InvalidInput(f"未知的产品：{product}")
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput("请填写标题（不超过 200 字）。")
    versions = [v.strip() for v in versions if v and v.strip()]
    if not versions:
        raise InvalidInput("请至少填写一个适用版本。")
    rows = {v.version: v for v in ProductVersion.objects.filter(product=found, version__in=versions)}
    unknown = [v for v in versions if v not in rows]
    if unknown:
        raise InvalidInput(f"{found.name} 没有这些版本：{'、'.join(unknown)}")
    package = Package.objects.create(
        product=found,
        kind=_choice(kind, PackageKind, "补丁包类型"),
        title=title,
        release_notes=(release_notes or "").strip(),
        severity=_choice(severity, Severity, "严重程度"),
        uploaded_by=actor,
    )
    package.applies_to.set(rows.values())
    for field, ids in (("prerequisites", prerequisites), ("supersedes", supersedes)):
        ids = [int(i) for i in ids]
        others = list(Package.objects.filter(pk__in=ids, product=found).exclude(pk=package.pk))
        if len(others) != len(set(ids)):
            raise InvalidInput("前置补丁和替代的补丁必须是同一产品的已有补丁包。")
        getattr(package, field).set(others)
    return package


def _sha256_of(content: File) -> str:
    digest = hashlib.sha256()
    content.seek(0)
    for chunk in content.chunks(CHUNK):
        digest.update(chunk)
    content.seek(0)
    return digest.hexdigest()


def attach_file(
    actor: User, package: Package, content: File, file_name: str, sha256: str | None = None
) -> Package:
    """Store the package's file through the storage API, in chunks (never the whole file in memory).

    ``sha256`` is given when the upload handler hashed the bytes as they arrived; otherwise it is
    computed here in one more streaming pass.
    """
    _ensure_publisher(actor)
    if package.status != PackageStatus.DRAFT:
        raise Conflict("只有草稿状态的补丁包可以更换文件。", code="not_draft")
    safe_name = get_valid_filename(file_name.rsplit("/", 1)[-1]) or "package.bin"
    digest = sha256 or _sha256_of(content)
    storage = package_storage()
    stored = storage.save(f"{package.product.code}/{package.pk}/{safe_name}", content)
    size = storage.size(stored)
    old = package.file
    package.file, package.file_name, package.size, package.sha256 = stored, safe_name, size, digest
    package.save(update_fields=["file", "file_name", "size", "sha256"])
    if old and old != stored:
        storage.delete(old)
    return package


def attach_path(actor: User, package: Package, path: str) -> Package:
    with open(path, "rb") as handle:
        return attach_file(actor, package, File(handle), path)


@transaction.atomic
def publish_package(actor: User, package: Package, at: dt.datetime | None = None) -> Package:
    """Publish a draft with its file, and tell the product's subscribers (in-app, e-mail, webhooks)."""
    _ensure_publisher(actor)
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.status == PackageStatus.PUBLISHED:
        return package
    if package.status == PackageStatus.WITHDRAWN:
        raise Conflict("已撤回的补丁包不能再次发布，请新建一个。", code="withdrawn")
    if not package.file or not package.sha256:
        raise InvalidInput("请先上传补丁包文件再发布。", code="file_missing")
    package.status = PackageStatus.PUBLISHED
    package.published_at = at or timezone.now()
    package.save(update_fields=["status", "published_at"])
    _tell_subscribers(package)
    return package


def _tell_subscribers(package: Package) -> None:
    versions = set(package.applies_to.values_list("version", flat=True))
    subscribers = [
        s.user
        for s in Subscription.objects.filter(product=package.product, user__is_active=True).select_related(
            "user"
        )
        if s.user.is_customer
        and s.user.is_verified
        and Deployment.objects.filter(organisation_id=s.user.organisation_id, version__in=versions).exists()
    ]
    if subscribers:
        _notify(
            subscribers,
            kind="package.published",
            title=f"{package.product.name} 新{package.get_kind_display()}：{package.title}",
            body=f"严重程度：{package.get_severity_display()}。适用版本：{'、'.join(sorted(versions))}。",
            url=reverse("updates:package", args=[package.pk]),
        )
    payload = {
        "package": package.pk,
        "product": package.product.code,
        "kind": package.kind,
        "title": package.title,
        "versions": sorted(versions),
        "sha256": package.sha256,
    }
    for organisation_id in {s.organisation_id for s in subscribers}:
        _publish_event("package.published", payload, organisation_id)


@transaction.atomic
def withdraw_package(actor: User, package: Package, reason: str) -> Package:
    _ensure_publisher(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("撤回补丁包时请填写原因。", code="reason_required")
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.status == PackageStatus.WITHDRAWN:
        return package
    package.status = PackageStatus.WITHDRAWN
    package.withdrawn_at = timezone.now()
    package.withdrawn_reason = reason[:300]
    package.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
    return package


# --- downloads: the audit trail -----------------------------------------------------------------


def start_download(
    user: User,
    package: Package,
    *,
    first: int,
    last: int,
    status_code: int,
    delivery: str,
    client_ip: str | None,
    handed_over: bool = False,
) -> Download:
    """One audit row per response that sends bytes; ``handed_over``: the web server or store sends them."""
    now = timezone.now()
    return Download.objects.create(
        package=package,
        user=user,
        organisation_id=user.organisation_id,
        started_at=now,
        finished_at=now if handed_over else None,
        range_start=first,
        range_end=last,
        bytes_sent=(last - first + 1) if handed_over else 0,
        status_code=status_code,
        delivery=delivery,
        client_ip=client_ip,
    )


def finish_download(download_id: int, bytes_sent: int) -> None:
    Download.objects.filter(pk=download_id).update(bytes_sent=bytes_sent, finished_at=timezone.now())


# --- subscriptions and the update plan ----------------------------------------------------------


def set_subscription(user: User, product: Product, subscribed: bool) -> None:
    if not user.is_customer:
        raise Forbidden("只有客户用户可以订阅补丁通知。")
    if subscribed:
        if not Deployment.objects.filter(organisation_id=user.organisation_id, product=product).exists():
            raise InvalidInput("只能订阅贵组织已部署的产品。", code="product_not_deployed")
        Subscription.objects.get_or_create(user=user, product=product)
    else:
        Subscription.objects.filter(user=user, product=product).delete()


def _ensure_plan_editor(user: User) -> None:
    if user.role != Role.CUSTOMER_ADMIN:
        raise Forbidden(
            "更新计划由客户系统管理员制定。", explanation_en="The customer administrator keeps the plan."
        )


def plan_package(user: User, package: Package, planned_for: dt.date, note: str = "") -> UpdatePlanEntry:
    """The customer admin puts a package they may download into the organisation's plan (or moves its date)."""
    _ensure_plan_editor(user)
    entry, _created = UpdatePlanEntry.objects.update_or_create(
        organisation_id=user.organisation_id,
        package=package,
        defaults={
            "planned_for": planned_for,
            "note": (note or "").strip()[:300],
            "updated_by": user,
            "updated_at": timezone.now(),
        },
    )
    return entry


def set_plan_status(user: User, entry_id: int, status: str, note: str | None = None) -> UpdatePlanEntry:
    _ensure_plan_editor(user)
    entry = UpdatePlanEntry.objects.filter(pk=entry_id, organisation_id=user.organisation_id).first()
    if entry is None:
        raise NotFound("没有这条更新计划。")
    entry.status = _choice(status, PlanStatus, "计划状态")
    if note is not None:
        entry.note = note.strip()[:300]
    entry.updated_by, entry.updated_at = user, timezone.now()
    entry.save()
    return entry


# --- licenses ----------------------------------------------------------------------------------

SUBSCRIPTION_DEPLOYMENTS = frozenset({DeploymentType.PUBLIC_CLOUD, DeploymentType.PRIVATE_CLOUD_SUBSCRIPTION})


def _number(prefix: str, now: dt.datetime) -> str:
    return f"{prefix}-{timezone.localtime(now):%Y%m%d}-{secrets.token_hex(3).upper()}"


def _clean_modules(modules: object) -> dict[str, int]:
    if not isinstance(modules, Mapping) or not modules:
        raise InvalidInput("模块与用户数必须是非空的 {模块: 用户数} 对象。", code="invalid_modules")
    cleaned: dict[str, int] = {}
    for name, count in modules.items():
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("模块名称不能为空。", code="invalid_modules")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidInput(f"模块“{name}”的用户数必须是正整数。", code="invalid_modules")
        cleaned[name.strip()] = count
    return cleaned


def license_content(license_: License) -> dict:
    organisation, product = license_.organisation, license_.product
    return {
        "number": license_.number,
        "organisation": {"code": organisation.code, "name": organisation.name},
        "product": {"code": product.code, "name": product.name},
        "version": license_.version,
        "modules": license_.modules,
        "kind": license_.kind,
        "valid_from": license_.valid_from.isoformat(),
        "valid_until": license_.valid_until.isoformat() if license_.valid_until else None,
        "issued_at": license_.issued_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "upgraded_from": license_.upgraded_from.number if license_.upgraded_from_id else None,
        "upgrade_service_included": False,
    }


def _sign(license_: License) -> None:
    document = licensing.sign(license_content(license_), keys.signing_key())
    license_.document, license_.key_id = document, document["key_id"]
    license_.save(update_fields=["document", "key_id"])


@transaction.atomic
def record_license(
    actor: User | None,
    organisation: Organisation,
    product: str,
    version: str,
    modules: Mapping[str, int],
    *,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    kind: str | None = None,
) -> License:
    """Record the organisation's current license for a product it runs (back office, demo data)."""
    if actor is not None and actor.role not in REVIEWER_ROLES:
        raise Forbidden("只有客户经营人员和服务管理员可以登记许可。")
    deployment = Deployment.objects.filter(organisation=organisation, product__code=product).first()
    if deployment is None:
        raise InvalidInput(
            f"{organisation.name} 没有部署该产品（{product}），不能为其登记许可。",
            code="product_not_deployed",
        )
    kind = kind or (
        LicenseKind.SUBSCRIPTION if deployment.type in SUBSCRIPTION_DEPLOYMENTS else LicenseKind.PERPETUAL
    )
    _choice(kind, LicenseKind, "许可类型")
    if License.objects.filter(
        organisation=organisation, product=deployment.product, status=LicenseStatus.ACTIVE
    ).exists():
        raise Conflict("该组织已有此产品的有效许可。", code="license_exists")
    license_ = License.objects.create(
        number=_number("LIC", timezone.now()),
        organisation=organisation,
        product=deployment.product,
        version=(version or "").strip() or deployment.version,
        modules=_clean_modules(modules),
        kind=kind,
        valid_from=valid_from,
        valid_until=valid_until if kind == LicenseKind.SUBSCRIPTION else None,
    )
    _sign(license_)
    return license_


@dataclass(frozen=True)
class UpgradeCheck:
    decision: core.Decision
    target: ProductVersion


def _compare_scope(current: Mapping[str, int], asked: Mapping[str, int]) -> None:
    more = [name for name, count in asked.items() if count > current.get(name, 0)]
    if more:
        raise AdditionalPurchase(
            f"许可升级只提供与原许可等量的最新版本许可；{'、'.join(more)} 超出原许可的模块或用户数，属于增购，"
            f"请按增购流程办理。",
            explanation_en="A license upgrade keeps the same modules and user counts; more is an additional "
            "purchase (增购).",
        )
    if dict(asked) != dict(current):
        raise InvalidInput(
            "许可升级提供与原许可功能模块、用户数等量的新版本许可，请保持模块与用户数不变。",
            code="scope_changed",
        )


def check_upgrade(
    license_: License, modules: Mapping[str, int] | None = None, at: dt.datetime | None = None
) -> UpgradeCheck:
    """May this license be upgraded now: the engine's ``license_upgrade`` decision, the newest version, the scope."""
    if license_.status != LicenseStatus.ACTIVE:
        raise Conflict("该许可已被升级替代，请对当前有效的许可申请。", code="license_superseded")
    _compare_scope(license_.modules, _clean_modules(modules) if modules is not None else license_.modules)
    decision = entitlement_for(
        license_.organisation, core.Request(service="license_upgrade", product=license_.product.code), at
    )
    if not decision.allowed:
        raise NotEntitled(decision.explanation, code=decision.reason, explanation_en=decision.explanation_en)
    target = newest_version(license_.product)
    if target is None or target.version == license_.version:
        raise Conflict(
            f"{license_.product.name} 的许可已是最新版本（{license_.version}），无需升级。",
            code="already_newest",
        )
    return UpgradeCheck(decision, target)


def _ensure_applicant(actor: User, organisation: Organisation) -> None:
    if actor.role != Role.ACCOUNT_MANAGER:
        raise Forbidden(
            "许可升级申请由客户经营人员提交。",
            explanation_en="License upgrades are submitted by the account manager.",
        )
    if organisation.account_manager_id and organisation.account_manager_id != actor.pk:
        raise Forbidden(
            "您不是该客户的客户经营人员。", explanation_en="You are not this customer's account manager."
        )


def apply_for_upgrade(
    actor: User,
    license_: License,
    modules: Mapping[str, int] | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> LicenseUpgrade:
    """The account manager applies; refused before anything is saved if the engine or the scope says no."""
    _ensure_applicant(actor, license_.organisation)
    check = check_upgrade(license_, modules, at)
    now = at or timezone.now()
    try:
        with transaction.atomic():
            upgrade = LicenseUpgrade.objects.create(
                order_number=_number("LU", now),
                license=license_,
                organisation=license_.organisation,
                target_version=check.target.version,
                modules=license_.modules,
                decision=decision_to_json(check.decision),
                submitted_by=actor,
                submitted_at=now,
                note=(note or "").strip()[:300],
            )
    except IntegrityError:
        raise Conflict("该许可已有一份待审核的升级申请。", code="already_applied") from None
    reviewers = User.objects.filter(role__in=REVIEWER_ROLES, is_active=True).exclude(pk=actor.pk)
    _notify(
        reviewers,
        kind="license_upgrade.submitted",
        title=f"许可升级待审核：{license_.organisation.name} · {license_.product.name}",
        body=f"{license_.version} → {check.target.version}，申请人 {actor}。",
        url=reverse("updates:upgrades"),
    )
    return upgrade


def _ensure_reviewer(actor: User, upgrade: LicenseUpgrade) -> None:
    if actor.role not in REVIEWER_ROLES:
        raise Forbidden("只有客户经营人员和服务管理员可以审核许可升级。")
    if actor.pk == upgrade.submitted_by_id:
        raise Forbidden(
            "申请人不能审核自己提交的申请，请由另一位审核人处理。",
            code="same_person",
            explanation_en="The submitter may not review their own application.",
        )


def _locked_open(upgrade_id: int) -> LicenseUpgrade:
    upgrade = (
        LicenseUpgrade.objects.select_for_update()
        .select_related("license", "license__product", "license__organisation")
        .filter(pk=upgrade_id)
        .first()
    )
    if upgrade is None:
        raise NotFound("没有这份许可升级申请。")
    return upgrade


def approve_upgrade(actor: User, upgrade_id: int, reason: str = "", at: dt.datetime | None = None) -> License:
    """Approve and deliver at once, exactly once: the new license, signed; the old one superseded; the order
    recorded; the customer told. The application row is locked, so a second or concurrent approval finds it
    already delivered and is refused (one license, whatever the timing)."""
    now = at or timezone.now()
    with transaction.atomic():
        upgrade = _locked_open(upgrade_id)
        _ensure_reviewer(actor, upgrade)
        if upgrade.status != UpgradeStatus.SUBMITTED:
            raise Conflict(f"该申请已审核（{upgrade.get_status_display()}）。", code="already_reviewed")
        old = License.objects.select_for_update().get(pk=upgrade.license_id)
        check = check_upgrade(old, upgrade.modules, now)
        old.status = LicenseStatus.SUPERSEDED
        old.save(update_fields=["status"])
        new = License.objects.create(
            number=_number("LIC", now),
            organisation=old.organisation,
            product=old.product,
            version=check.target.version,
            modules=old.modules,
            kind=old.kind,
            valid_from=timezone.localtime(now).date(),
            valid_until=old.valid_until,
            issued_at=now,
            upgraded_from=old,
        )
        _sign(new)
        upgrade.status = UpgradeStatus.DELIVERED
        upgrade.reviewed_by, upgrade.reviewed_at = actor, now
        upgrade.review_reason = (reason or "").strip()[:300]
        upgrade.delivered_license = new
        upgrade.save()
        customers = User.objects.filter(
            organisation=old.organisation, is_active=True, role__in=[Role.CUSTOMER_ADMIN, Role.CUSTOMER_USER]
        )
        _notify(
            customers,
            kind="license.delivered",
            title=f"新版本许可已交付：{old.product.name} {new.version}",
            body=f"许可编号 {new.number}，模块与用户数与原许可相同。本次许可升级不包含升级服务。",
            url=reverse("updates:licenses"),
        )
        _publish_event(
            "license.delivered",
            {
                "license": new.number,
                "product": old.product.code,
                "version": new.version,
                "order": upgrade.order_number,
            },
            old.organisation_id,
        )
    return new


@transaction.atomic
def reject_upgrade(
    actor: User, upgrade_id: int, reason: str, at: dt.datetime | None = None
) -> LicenseUpgrade:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("驳回申请时请填写原因。", code="reason_required")
    upgrade = _locked_open(upgrade_id)
    _ensure_reviewer(actor, upgrade)
    if upgrade.status != UpgradeStatus.SUBMITTED:
        raise Conflict(f"该申请已审核（{upgrade.get_status_display()}）。", code="already_reviewed")
    upgrade.status = UpgradeStatus.REJECTED
    upgrade.reviewed_by, upgrade.reviewed_at = actor, at or timezone.now()
    upgrade.review_reason = reason[:300]
    upgrade.save()
    _notify(
        [upgrade.submitted_by],
        kind="license_upgrade.rejected",
        title=f"许可升级申请已驳回：{upgrade.order_number}",
        body=f"原因：{reason}",
        url=reverse("updates:upgrades"),
    )
    return upgrade


def verify_document(document: object) -> licensing.Verdict:
    return licensing.verify(document, keys.trusted_public_keys())


def ensure_product(code: str) -> Product:
    found = Product.objects.filter(code=code).first()
    if found is None:
        raise NotFound(f"未知的产品：{code}")
    return found
