"""Serving stored files with HTTP Range (RFC 9110 §14) and conditional requests.

Django's ``FileResponse`` always sends the whole file; a video that seeks or a large download
that resumes needs ``206 Partial Content``. ``ranged_file_response`` answers one byte range
(several ranges are answered with the whole file, which the RFC allows), ``416`` with
``Content-Range: bytes */size`` when the range is past the end, ``304`` for a matching
``If-None-Match``, and ignores the range when ``If-Range`` names another version.
The bytes are streamed in chunks: memory does not grow with the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> ByteRange | None:
    """The one range asked for, ``None`` for the whole file; raises when it lies past the end."""
    header = (header or "").strip().replace(" ", "")
    if not header or "," in header:
        return None
    match = _RANGE.match(header)
    if not match or (not match[1] and not match[2]):
        return None  # a malformed Range header is ignored, as the RFC says
    if not match[1]:  # the last N bytes
        suffix = int(match[2])
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(match[1])
    end = int(match[2]) if match[2] else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable
    return ByteRange(start, min(end, size - 1))


def _stream(fileobj, start: int, length: int) -> Iterator[bytes]:
    try:
        fileobj.seek(start)
        remaining = length
        while remaining > 0:
            chunk = fileobj.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        fileobj.close()


def ranged_file_response(
    request: HttpRequest,
    fileobj,
    *,
    size: int,
    content_type: str,
    etag: str,
    filename: str | None = None,
    as_attachment: bool = False,
) -> tuple[HttpResponse, int]:
    """The response for ``fileobj`` and the number of body bytes it will send."""
    quoted_etag = f'"{etag}"'
    if quoted_etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        fileobj.close()
        response = HttpResponse(status=304)
        response["ETag"] = quoted_etag
        return response, 0
    byte_range = None
    if_range = request.headers.get("If-Range", "").strip()
    if not if_range or if_range == quoted_etag:
        try:
            byte_range = parse_range(request.headers.get("Range", ""), size)
        except RangeNotSatisfiable:
            fileobj.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response, 0
    start, length = (byte_range.start, byte_range.length) if byte_range else (0, size)
    response = StreamingHttpResponse(_stream(fileobj, start, length), content_type=content_type)
    if byte_range:
        response.status_code = 206
        response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = quoted_etag
    response["X-Content-Type-Options"] = "nosniff"
    if filename is not None:
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return response, length
