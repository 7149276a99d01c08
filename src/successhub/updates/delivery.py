"""Short-lived signed download links and the responses that send a package's bytes.

A link names the package and the user it was made for, signed with the secret key and valid for
``SUCCESSHUB_DOWNLOAD_LINK_SECONDS``. It works without a session (a download manager can resume
with it) and each response is audited to that user.

Delivery (``SUCCESSHUB_DOWNLOAD_DELIVERY``):
- ``stream`` (embedded default): the application streams the file in chunks through the storage API,
  with HTTP Range (one range) and conditional requests (ETag = SHA-256, Last-Modified = publication);
  under ASGI the chunks are read in a worker thread and sent by an async iterator, so memory stays flat;
- ``accel``: the application checks and audits, then hands the file to nginx with ``X-Accel-Redirect``
  (``SUCCESSHUB_DOWNLOAD_ACCEL_PREFIX`` + the stored name, an ``internal`` location aliasing the storage);
- ``redirect``: a presigned URL of the store (S3-compatible storage through django-storages).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import http_date, parse_http_date_safe

from successhub.updates import services
from successhub.updates.errors import Forbidden, Gone
from successhub.updates.models import Package

SALT = "successhub.updates.download"
CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def link_seconds() -> int:
    return int(getattr(settings, "SUCCESSHUB_DOWNLOAD_LINK_SECONDS", 600))


def delivery_mode() -> str:
    return getattr(settings, "SUCCESSHUB_DOWNLOAD_DELIVERY", "stream")


def signed_link(package: Package, user) -> str:
    token = signing.dumps({"p": package.pk, "u": user.pk}, salt=SALT, compress=True)
    return reverse("updates:file", args=[token, package.file_name or "package.bin"])


@dataclass(frozen=True)
class LinkGrant:
    package_id: int
    user_id: int


def read_link(token: str) -> LinkGrant:
    try:
        data = signing.loads(token, salt=SALT, max_age=link_seconds())
    except signing.SignatureExpired:
        raise Gone(
            "下载链接已过期，请回到补丁包页面重新获取。",
            code="link_expired",
            explanation_en="The download link has expired; get a new one from the package page.",
        ) from None
    except signing.BadSignature:
        raise Forbidden(
            "下载链接无效。", code="link_invalid", explanation_en="The download link is not valid."
        ) from None
    try:
        return LinkGrant(int(data["p"]), int(data["u"]))
    except (KeyError, TypeError, ValueError):
        raise Forbidden("下载链接无效。", code="link_invalid") from None


# --- ranges and conditions -------------------------------------------------------------------


class Unsatisfiable(Exception):
    """A range that starts past the end of the file (416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, inclusive; ``None`` for the whole file (absent, malformed or several
    ranges: RFC 9110 lets a server ignore those and send 200). Raises ``Unsatisfiable`` past the end."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        suffix = int(last)
        if suffix == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size - 1)


def etag(package: Package) -> str:
    return f'"{package.sha256}"'


def _last_modified(package: Package) -> dt.datetime | None:
    return package.published_at


def not_modified(request: HttpRequest, package: Package) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag(package) in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    modified = _last_modified(package)
    return since is not None and modified is not None and int(modified.timestamp()) <= since


def range_applies(request: HttpRequest, package: Package) -> bool:
    """If-Range: the range holds only when the validator still matches (a strong ETag or the date)."""
    if_range = request.headers.get("If-Range")
    if not if_range:
        return True
    if if_range.startswith('"') or if_range.startswith("W/"):
        return if_range == etag(package)
    since = parse_http_date_safe(if_range)
    modified = _last_modified(package)
    return since is not None and modified is not None and int(modified.timestamp()) == since


# --- the response ------------------------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _content_disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "ignore").decode() or "package.bin"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _validators(response: HttpResponse, package: Package) -> None:
    response["ETag"] = etag(package)
    if package.published_at:
        response["Last-Modified"] = http_date(package.published_at.timestamp())
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-transform"


def respond(request: HttpRequest, user, package: Package) -> HttpResponse:
    """The response for a checked request: 304, 416, or the bytes (200/206) by the configured delivery."""
    size = package.size
    if not_modified(request, package):
        response = HttpResponse(status=304)
        _validators(response, package)
        return response
    try:
        wanted = parse_range(request.headers.get("Range"), size) if range_applies(request, package) else None
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        _validators(response, package)
        return response
    first, last = wanted if wanted else (0, size - 1)
    status = 206 if wanted else 200
    mode = delivery_mode()
    if mode == "redirect":
        return _redirect(request, user, package, first, last)
    if mode == "accel":
        return _accel(request, user, package, first, last, status)
    return _stream(request, user, package, first, last, status)


def _accel(request, user, package: Package, first: int, last: int, status: int) -> HttpResponse:
    services.start_download(
        user,
        package,
        first=first,
        last=last,
        status_code=status,
        delivery="accel",
        client_ip=_client_ip(request),
        handed_over=True,
    )
    response = HttpResponse()
    prefix = getattr(settings, "SUCCESSHUB_DOWNLOAD_ACCEL_PREFIX", "/internal/packages/")
    response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(package.file)
    response["X-Accel-Buffering"] = "no"
    response["Content-Type"] = "application/octet-stream"
    response["Content-Disposition"] = _content_disposition(package.file_name)
    _validators(response, package)
    return response


def _redirect(request, user, package: Package, first: int, last: int) -> HttpResponse:
    services.start_download(
        user,
        package,
        first=first,
        last=last,
        status_code=302,
        delivery="redirect",
        client_ip=_client_ip(request),
        handed_over=True,
    )
    storage = services.package_storage()
    parameters = {"ResponseContentDisposition": _content_disposition(package.file_name)}
    url = storage.url(package.file, parameters=parameters, expire=link_seconds())
    return HttpResponseRedirect(url)


def _stream(request, user, package: Package, first: int, last: int, status: int) -> StreamingHttpResponse:
    download = services.start_download(
        user,
        package,
        first=first,
        last=last,
        status_code=status,
        delivery="stream",
        client_ip=_client_ip(request),
    )
    length = last - first + 1 if package.size else 0
    if isinstance(request, ASGIRequest):
        body = _async_chunks(package.file, first, length, download.pk)
    else:
        body = _chunks(package.file, first, length, download.pk)
    response = StreamingHttpResponse(body, status=status, content_type="application/octet-stream")
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = f"bytes {first}-{last}/{package.size}"
    response["Content-Disposition"] = _content_disposition(package.file_name)
    _validators(response, package)
    return response


def _chunks(name: str, first: int, length: int, download_id: int) -> Iterator[bytes]:
    sent = 0
    try:
        with services.package_storage().open(name, "rb") as handle:
            handle.seek(first)
            while sent < length:
                chunk = handle.read(min(CHUNK, length - sent))
                if not chunk:
                    break
                sent += len(chunk)
                yield chunk
    finally:
        services.finish_download(download_id, sent)


async def _async_chunks(name: str, first: int, length: int, download_id: int) -> AsyncIterator[bytes]:
    """Chunks read in a worker thread: the event loop never blocks on the disk, and only one chunk
    per download is in memory at a time."""
    sent = 0
    handle = await asyncio.to_thread(services.package_storage().open, name, "rb")
    try:
        await asyncio.to_thread(handle.seek, first)
        while sent < length:
            chunk = await asyncio.to_thread(handle.read, min(CHUNK, length - sent))
            if not chunk:
                break
            sent += len(chunk)
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(_finish_closing, download_id, sent)


def _finish_closing(download_id: int, sent: int) -> None:
    from django.db import close_old_connections

    try:
        services.finish_download(download_id, sent)
    finally:
        close_old_connections()
