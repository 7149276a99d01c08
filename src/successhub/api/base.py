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
from ninja.openapi.schema import OpenAPISchema
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


class PublicRead:
    """The last auth callback of a public read: anyone, signed in or not (OpenAPI: security optional)."""

    openapi_public = True
    __name__ = "public_read"

    def __call__(self, request: HttpRequest) -> bool:
        return True


public_read = PublicRead()

# What any operation may answer besides what it declares (see CompleteOpenAPISchema).
ERROR_DESCRIPTIONS = {
    400: "Bad request: text that cannot be stored (NUL), a number out of range, a malformed body",
    401: "Not signed in and no valid API token",
    403: "Signed in but not allowed",
    404: "No such object, or not one the caller may see",
    413: "Request body too large (SUCCESSHUB_MAX_REQUEST_BYTES) or a file over its limit",
    422: "Input that does not match the schema or the rules",
    429: "Too many wrong passwords or API tokens from this address: locked for a while",
}


class CompleteOpenAPISchema(OpenAPISchema):
    """ninja's schema, plus every refusal each operation can give and optional auth on public reads.

    Each operation also lists the 4xx answers that come from the shared edge rather than its own
    code: 400 (the invalid-input middleware), 422 (validation), 413 (bodies), 404 (path ids),
    401/403/429 where credentials are checked, all as ``{"code", "message"}``.
    """

    def operation_security(self, operation):
        security = super().operation_security(operation)
        if security is not None and _is_public(operation):
            security.append({})  # an empty requirement: no authentication needed
        return security

    def operation_details(self, operation):
        details = super().operation_details(operation)
        responses = details.setdefault("responses", {})
        codes = [400, 422]
        if operation.auth_callbacks:
            codes.append(429)
            if not _is_public(operation):
                codes += [401, 403]
        if set(operation.methods) & {"POST", "PUT", "PATCH"}:
            codes.append(413)
        error_schema = self._create_schema_from_model(ErrorOut, by_alias=True, mode="serialization")[0]
        for code in sorted(set(codes)):
            if code in responses or str(code) in responses:
                continue
            responses[code] = {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {self.api.renderer.media_type: {"schema": error_schema}},
            }
        return details

    def get_paths(self):
        paths = super().get_paths()
        for path, methods in paths.items():
            if "{" not in path:
                continue
            for operation in methods.values():
                responses = operation.get("responses", {})
                if 404 not in responses and "404" not in responses:
                    error_schema = self._create_schema_from_model(
                        ErrorOut, by_alias=True, mode="serialization"
                    )[0]
                    responses[404] = {
                        "description": ERROR_DESCRIPTIONS[404],
                        "content": {self.api.renderer.media_type: {"schema": error_schema}},
                    }
        return paths


def _is_public(operation) -> bool:
    return any(getattr(callback, "openapi_public", False) for callback in operation.auth_callbacks)


class SuccessHubAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return CompleteOpenAPISchema(api=self, path_prefix=path_prefix)


api = SuccessHubAPI(
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
