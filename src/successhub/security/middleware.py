"""Refuse input the database cannot store, and bad numbers, with a 400 instead of a 500.

PostgreSQL refuses NUL (0x00) in text (``DataError``) and neither database can encode a lone UTF-16
surrogate (which a JSON body may carry as ``"\\ud800"``). Rather than every view and API handler
checking every string, this middleware looks once at the path, the query string, form fields, file
names and JSON bodies, and answers 400: JSON ``{"code", "message"}`` under /api/, a Chinese page
elsewhere. It also answers 413 for a body larger than ``SUCCESSHUB_MAX_REQUEST_BYTES`` before reading
it, and turns :class:`~successhub.security.params.BadParameter` raised by a view into a 400.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.utils.translation import gettext as _

from successhub.security.params import MAX_ID, BadParameter

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class InvalidInput(Exception):
    def __init__(self, status: int, code: str, message: str):
        self.status = status
        self.code = code
        self.message = message
        super().__init__(message)


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.headers.get("Accept", "").startswith(
        "application/json"
    )


def refusal(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"code": code, "message": message}, status=status)
    return render(request, "security/bad_request.html", {"message": message, "status": status}, status=status)


def _has_unstorable(value) -> bool:
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_unstorable(k) or _has_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unstorable(item) for item in value)
    return False


def _characters_refused() -> InvalidInput:
    return InvalidInput(
        400, "invalid_characters", _("请求中含有无法保存的字符（例如空字符 NUL），请删除后重试。")
    )


def check_request(request: HttpRequest) -> None:
    """Raise :class:`InvalidInput` when the request carries what no view can handle."""
    # A view that takes big bodies on purpose (package uploads) raises its own limit through a middleware before this one.
    limit = int(getattr(request, "max_request_bytes", 0) or getattr(settings, "SUCCESSHUB_MAX_REQUEST_BYTES", 0) or 0)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise InvalidInput(400, "invalid_body", _("请求体长度无效。")) from None
    if limit and length > limit:
        raise InvalidInput(
            413,
            "request_too_large",
            _("请求过大：一次最多上传 %(mb)s MB。") % {"mb": limit // (1024 * 1024)},
        )
    if any(
        len(part) > 18 and part.isascii() and part.isdigit() and int(part) > MAX_ID
        for part in request.path.split("/")
    ):
        # No object's id exceeds a bigint: a longer number in the path names nothing (not a 500).
        raise InvalidInput(404, "not_found", _("没有找到该内容。"))
    if UNSTORABLE.search(request.path) or any(
        _has_unstorable(key) or _has_unstorable(values) for key, values in request.GET.lists()
    ):
        raise _characters_refused()
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        _check_form(request)
    elif content_type.endswith("json"):
        _check_json(request)


def _check_form(request: HttpRequest) -> None:
    try:
        post, files = request.POST, request.FILES
    except RequestDataTooBig:
        raise InvalidInput(413, "request_too_large", _("请求过大。")) from None
    except TooManyFilesSent:
        raise InvalidInput(
            400,
            "too_many_files",
            _("一次最多上传 %(count)s 个文件。") % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
        ) from None
    except TooManyFieldsSent:
        raise InvalidInput(400, "too_many_fields", _("表单字段过多。")) from None
    except MultiPartParserError:
        raise InvalidInput(400, "invalid_body", _("上传的表单格式无效。")) from None
    if any(_has_unstorable(key) or _has_unstorable(values) for key, values in post.lists()):
        raise _characters_refused()
    if any(_has_unstorable(key) or _has_unstorable(upload.name) for key, upload in files.items()):
        raise _characters_refused()


def _check_json(request: HttpRequest) -> None:
    try:
        body = request.body
    except RequestDataTooBig:
        raise InvalidInput(413, "request_too_large", _("请求过大。")) from None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON at all: the handler's own parser answers that
    if _has_unstorable(data):
        raise _characters_refused()


class InvalidInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except InvalidInput as refused:
            return refusal(request, refused.status, refused.code, refused.message)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BadParameter):
            return refusal(request, 400, "invalid_number", bad_parameter_message(exception))
        if isinstance(exception, RawPostDataException):
            # A multipart body was read as a form above; an endpoint that reads the raw body (a JSON or
            # XML callback, the Alertmanager webhook) takes no form: a 415, not a 500 (schemathesis, staff).
            message = _("此接口不接受表单（multipart）请求体，请按文档发送。")
            return refusal(request, 415, "unsupported_media_type", message)
        return None


def bad_parameter_message(exc: BadParameter) -> str:
    return _("参数“%(name)s”应为有效范围内的整数。") % {"name": exc.name}
