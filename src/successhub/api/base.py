"""The HTTP API at /api/v1/ (OpenAPI 3 generated from code, docs at /api/v1/docs).

Errors are JSON ``{"code": "...", "message": "..."}`` with a 4xx status; the code
is machine-readable, the message plain words.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PageNumberPagination
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth
from pydantic import Field

from successhub.accounts.services import user_for_api_token
from successhub.security.middleware import bad_parameter_message
from successhub.security.params import MAX_ID, MAX_PAGE, BadParameter
from successhub.security.throttle import lockout_message, token_address_locked, token_refused


def _authenticate_token(request: HttpRequest, raw: str):
    """The token's user, or None; 429 while the caller's address is locked for guessing tokens."""
    if token_address_locked(request):
        raise ApiError(429, "too_many_attempts", lockout_message(request))
    user = user_for_api_token(raw)
    if user is not None:
        request.user = user
        return user
    if token_refused(request, raw):
        raise ApiError(429, "too_many_attempts", lockout_message(request))
    return None


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        return _authenticate_token(request, token)


class TokenHeaderAuth(APIKeyHeader):
    param_name = "X-Api-Token"

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key:
            return None
        return _authenticate_token(request, key)


api = NinjaAPI(
    title="SuccessHub API",
    version="1.0.0",
    description="客户成功服务平台 API: entitlements, tickets, community and more. "
    "Authenticate with a session cookie or `Authorization: Bearer <token>`.",
    # Tokens first: SessionAuth's CSRF check would refuse a token-only POST before the token is seen.
    auth=[BearerAuth(), TokenHeaderAuth(), SessionAuth()],
    urls_namespace="api-1.0.0",
)


class ApiError(Exception):
    """Raised by handlers for a refusal: status, machine code and plain message."""

    def __init__(self, status: int, code: str, message: str, detail: dict | None = None):
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail or {}
        super().__init__(message)


class ErrorOut(Schema):
    code: str
    message: str


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return api.create_response(
        request, {"code": exc.code, "message": exc.message, **exc.detail}, status=exc.status
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(
        request, {"code": "not_authenticated", "message": "Sign in or send a valid API token."}, status=401
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(
        request, {"code": "forbidden", "message": str(exc) or "You may not do this."}, status=403
    )


@api.exception_handler(ObjectDoesNotExist)
def _not_found(request, exc):
    return api.create_response(request, {"code": "not_found", "message": "No such object."}, status=404)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    return api.create_response(
        request,
        {"code": "invalid_input", "message": "The request is not valid.", "errors": exc.errors},
        status=422,
    )


@api.exception_handler(ValidationError)
def _django_invalid(request, exc: ValidationError):
    return api.create_response(
        request, {"code": "invalid_input", "message": "; ".join(exc.messages)}, status=422
    )


@api.exception_handler(BadParameter)
def _bad_parameter(request, exc: BadParameter):
    return api.create_response(
        request, {"code": "invalid_number", "message": bad_parameter_message(exc)}, status=400
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api.create_response(request, {"code": "http_error", "message": str(exc)}, status=exc.status_code)


AT_YEARS = (1992, 2199)


def parse_at(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid_input", f"'at' is not an ISO 8601 date-time: {value!r}") from None
    if not AT_YEARS[0] <= at.year <= AT_YEARS[1]:
        # Outside these years the time-zone arithmetic overflows (year 1, year 9999) and no contract runs.
        raise ApiError(
            422, "at_out_of_range", f"'at' must fall in the years {AT_YEARS[0]}–{AT_YEARS[1]}: {value!r}"
        )
    if at.tzinfo is None:
        from successhub.core.entitlements import BEIJING

        at = at.replace(tzinfo=BEIJING)
    return at


# Numbers a client sends: bounded, so no id or page overflows SQLite or PostgreSQL's bigint (422 instead).
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Field(ge=0, le=MAX_PAGE * 100)]


class BoundedPageNumberPagination(PageNumberPagination):
    """ninja's page-number pagination with a bounded page (``?page=10**18`` would overflow OFFSET)."""

    class Input(Schema):
        page: PageNumber = 1
        page_size: Annotated[int, Field(ge=1, le=1000)] | None = None
