"""Attachment checks: a size limit and an allow-list of types judged by the content.

The name's extension must be on the list *and* the first bytes must be what that kind of
file starts with (a renamed executable is refused). Plain text must decode as UTF-8 or
GB18030 and hold no NUL bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from successhub.tickets import conf
from successhub.tickets.errors import AttachmentRejected

SNIFF_BYTES = 8192
MAX_NAME_LENGTH = 200

# kind: (magic prefixes, content type)
_SIGNATURES: dict[str, tuple[tuple[bytes, ...], str]] = {
    "png": ((b"\x89PNG\r\n\x1a\n",), "image/png"),
    "jpeg": ((b"\xff\xd8\xff",), "image/jpeg"),
    "gif": ((b"GIF87a", b"GIF89a"), "image/gif"),
    "pdf": ((b"%PDF-",), "application/pdf"),
    "zip": ((b"PK\x03\x04", b"PK\x05\x06"), "application/zip"),
    "ole": ((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), "application/x-ole-storage"),
}

EXTENSIONS: dict[str, str] = {
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "pdf": "pdf",
    "zip": "zip",
    "docx": "zip",
    "xlsx": "zip",
    "pptx": "zip",
    "doc": "ole",
    "xls": "ole",
    "ppt": "ole",
    "txt": "text",
    "log": "text",
    "csv": "text",
}

_OFFICE_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}

ALLOWED_TEXT = "、".join(sorted(EXTENSIONS))


@dataclass(frozen=True)
class CheckedFile:
    name: str
    size: int
    content_type: str


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            # A multi-byte character may be cut at the end of the sniffed block.
            head.decode(encoding) if len(head) < SNIFF_BYTES else head[:-4].decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def check_attachment(name: str, size: int, head: bytes) -> CheckedFile:
    """Accept or refuse one file from its name, size and first bytes."""
    clean_name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "attachment"
    if len(clean_name) > MAX_NAME_LENGTH:
        raise AttachmentRejected(
            f"附件文件名过长（最多 {MAX_NAME_LENGTH} 个字符）。",
            f"The attachment's file name is too long (at most {MAX_NAME_LENGTH} characters).",
            code="attachment_name_too_long",
            status=400,
        )
    limit = conf.attachment_max_bytes()
    if size > limit:
        raise AttachmentRejected(
            f"附件“{clean_name}”超过大小上限 {limit // (1024 * 1024)} MB。",
            f"The attachment {clean_name!r} is larger than the {limit // (1024 * 1024)} MB limit.",
            code="attachment_too_large",
            status=413,
        )
    extension = clean_name.rsplit(".", 1)[-1].lower() if "." in clean_name else ""
    kind = EXTENSIONS.get(extension)
    refused = AttachmentRejected(
        f"不支持附件“{clean_name}”的文件类型，仅支持：{ALLOWED_TEXT}（按文件内容识别）。",
        f"The type of {clean_name!r} is not allowed; allowed: {', '.join(sorted(EXTENSIONS))} (judged by content).",
    )
    if kind is None:
        raise refused
    if kind == "text":
        if not _is_text(head):
            raise refused
        return CheckedFile(clean_name, size, "text/plain; charset=utf-8" if _utf8(head) else "text/plain")
    prefixes, content_type = _SIGNATURES[kind]
    if not head.startswith(prefixes):
        raise refused
    return CheckedFile(clean_name, size, _OFFICE_TYPES.get(extension, content_type))


def _utf8(head: bytes) -> bool:
    try:
        head[:-4].decode("utf-8") if len(head) >= SNIFF_BYTES else head.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def check_total(already_stored: int, checked: list[CheckedFile]) -> None:
    """A ticket holds at most ``TICKETS_TOTAL_ATTACHMENT_BYTES`` of files, whatever each file's size."""
    limit = conf.total_attachment_bytes()
    if already_stored + sum(info.size for info in checked) > limit:
        mb = limit // (1024 * 1024)
        raise AttachmentRejected(
            f"该工单的附件总大小将超过上限 {mb} MB。",
            f"The ticket's attachments would exceed the {mb} MB total limit.",
            code="ticket_attachments_full",
            status=413,
        )


def check_upload(upload) -> CheckedFile:
    """Check a Django ``UploadedFile`` (rewinds it for saving)."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return check_attachment(upload.name, upload.size, head)
