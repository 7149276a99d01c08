"""Value services over HTTP: the inspection agent's bundle posted with a token.

``POST /api/v1/success/health-checks/{id}/inspection`` with ``Authorization: Bearer <token>`` and the
bundle as the request body (JSON). Refusals are ``{"code", "message"}``: 404 for a check the token's
user may not see, 409 before the time is confirmed, 422 for a malformed, too large or foreign bundle.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import SessionAuth

from successhub.api.base import BearerAuth, ErrorOut, TokenHeaderAuth, api
from successhub.success import selectors, services
from successhub.success.errors import SuccessError
from successhub.success.models import HealthCheck

router = Router(tags=["success"], auth=[BearerAuth(), TokenHeaderAuth(), SessionAuth()])


@api.exception_handler(SuccessError)
def _success_error(request, exc: SuccessError):
    return api.create_response(request, {"code": exc.code, "message": exc.message_en}, status=exc.status)


class InspectionOut(Schema):
    id: int
    status: str
    findings: int


@router.post(
    "/health-checks/{check_id}/inspection",
    response={200: InspectionOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def post_inspection(request: HttpRequest, check_id: int):
    try:
        check = selectors.checks_for(request.user).get(pk=check_id)
    except HealthCheck.DoesNotExist:
        return 404, {"code": "not_found", "message": "No such health check."}
    limit = services.inspection_rules.max_bytes()
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    raw = request.read(limit + 1) if length <= limit else b"x" * (limit + 1)
    check = services.upload_inspection(request.user, check, raw)
    return 200, {"id": check.pk, "status": check.status, "findings": len(check.inspection_findings)}
