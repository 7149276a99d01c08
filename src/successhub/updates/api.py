"""Patches and licenses over HTTP (``/api/v1/packages``, ``/api/v1/licenses``, ``/api/v1/license-upgrades``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.urls import reverse
from ninja import Router, Schema, Status

from successhub.api.base import ApiError, ErrorOut
from successhub.updates import delivery, selectors, services
from successhub.updates.errors import UpdatesError
from successhub.updates.views import license_response

router = Router(tags=["updates"])
T = TypeVar("T")


def _run(fn: Callable[..., T], *args, **kwargs) -> T:
    try:
        return fn(*args, **kwargs)
    except UpdatesError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


class PackageOut(Schema):
    id: int
    product: str
    kind: str
    title: str
    severity: str
    versions: list[str]
    published_at: str | None
    size: int
    sha256: str
    release_notes: str
    prerequisites: list[int]
    supersedes: list[int]
    superseded_by: list[int]
    url: str


class LinkOut(Schema):
    url: str
    expires_in: int


class LicenseOut(Schema):
    number: str
    organisation: str
    product: str
    version: str
    modules: dict[str, int]
    kind: str
    valid_from: str
    valid_until: str | None
    status: str
    upgraded_from: str | None
    key_id: str
    download_url: str


class UpgradeIn(Schema):
    license: str
    modules: dict[str, int] | None = None
    note: str = ""


class ReviewIn(Schema):
    reason: str = ""


class UpgradeOut(Schema):
    id: int
    order_number: str
    license: str
    organisation: str
    target_version: str
    status: str
    submitted_by: str
    reviewed_by: str | None
    review_reason: str
    delivered_license: str | None


def _package_out(request, package) -> dict:
    return {
        "id": package.pk,
        "product": package.product.code,
        "kind": package.kind,
        "title": package.title,
        "severity": package.severity,
        "versions": [v.version for v in package.applies_to.all()],
        "published_at": package.published_at.isoformat() if package.published_at else None,
        "size": package.size,
        "sha256": package.sha256,
        "release_notes": package.release_notes,
        "prerequisites": [p.pk for p in package.prerequisites.all()],
        "supersedes": [p.pk for p in package.supersedes.all()],
        "superseded_by": [p.pk for p in package.superseded_by.all()],
        "url": request.build_absolute_uri(reverse("updates:package", args=[package.pk])),
    }


@router.get("/packages", response={200: list[PackageOut], 403: ErrorOut})
def list_packages(request, product: str | None = None):
    """Published packages for the products and versions the caller's organisation runs."""
    return [_package_out(request, p) for p in _run(selectors.visible_packages_for, request.user, product)]


@router.post(
    "/packages/{package_id}/link", response={200: LinkOut, 403: ErrorOut, 404: ErrorOut, 410: ErrorOut}
)
def package_link(request, package_id: int):
    """A short-lived signed link for the file (works without a session; supports Range)."""
    package = _run(selectors.package_for, request.user, package_id)
    return {
        "url": request.build_absolute_uri(delivery.signed_link(package, request.user)),
        "expires_in": delivery.link_seconds(),
    }


def _license_out(request, found) -> dict:
    return {
        "number": found.number,
        "organisation": found.organisation.code,
        "product": found.product.code,
        "version": found.version,
        "modules": found.modules,
        "kind": found.kind,
        "valid_from": found.valid_from.isoformat(),
        "valid_until": found.valid_until.isoformat() if found.valid_until else None,
        "status": found.status,
        "upgraded_from": found.upgraded_from.number if found.upgraded_from_id else None,
        "key_id": found.key_id,
        "download_url": request.build_absolute_uri(reverse("api-1.0.0:license_file", args=[found.number])),
    }


@router.get("/licenses", response={200: list[LicenseOut], 403: ErrorOut})
def list_licenses(request, organisation: int | None = None):
    """The organisation's licenses (customers: their own; staff may name an organisation)."""
    found = _run(selectors.visible_licenses_for, request.user, organisation)
    return [_license_out(request, row) for row in found]


@router.get("/licenses/{number}/file", response={403: ErrorOut, 404: ErrorOut}, url_name="license_file")
def license_file(request, number: str):
    """The signed license file (JSON: license, key_id, signature)."""
    return license_response(_run(selectors.license_for, request.user, number))


def _upgrade_out(upgrade) -> dict:
    return {
        "id": upgrade.pk,
        "order_number": upgrade.order_number,
        "license": upgrade.license.number,
        "organisation": upgrade.organisation.code,
        "target_version": upgrade.target_version,
        "status": upgrade.status,
        "submitted_by": upgrade.submitted_by.username,
        "reviewed_by": upgrade.reviewed_by.username if upgrade.reviewed_by_id else None,
        "review_reason": upgrade.review_reason,
        "delivered_license": upgrade.delivered_license.number if upgrade.delivered_license_id else None,
    }


@router.post(
    "/license-upgrades",
    response={201: UpgradeOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def apply_for_upgrade(request, payload: UpgradeIn):
    """The account manager applies to upgrade a license (same modules and user counts, newest version)."""
    found = _run(selectors.license_for, request.user, payload.license)
    upgrade = _run(services.apply_for_upgrade, request.user, found, payload.modules, payload.note)
    return Status(201, _upgrade_out(upgrade))


@router.post(
    "/license-upgrades/{upgrade_id}/approve",
    response={200: UpgradeOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def approve(request, upgrade_id: int, payload: ReviewIn):
    _run(services.approve_upgrade, request.user, upgrade_id, payload.reason)
    return _upgrade_out(selectors.visible_upgrades_for(request.user).get(pk=upgrade_id))


@router.post(
    "/license-upgrades/{upgrade_id}/reject",
    response={200: UpgradeOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def reject(request, upgrade_id: int, payload: ReviewIn):
    return _upgrade_out(_run(services.reject_upgrade, request.user, upgrade_id, payload.reason))
