"""Attachments: a size limit and an allow-list judged by content, not only by name."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from successhub.tickets.attachments import check_attachment
from successhub.tickets.errors import AttachmentRejected

from .conftest import PNG


@pytest.mark.parametrize(
    ("name", "head", "content_type"),
    [
        pytest.param("screen.png", PNG, "image/png", id="png"),
        pytest.param("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 10, "image/jpeg", id="jpeg_any_case"),
        pytest.param("anim.gif", b"GIF89a....", "image/gif", id="gif"),
        pytest.param("manual.pdf", b"%PDF-1.7\n", "application/pdf", id="pdf"),
        pytest.param("logs.zip", b"PK\x03\x04rest", "application/zip", id="zip"),
        pytest.param(
            "report.xlsx",
            b"PK\x03\x04rest",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            id="xlsx",
        ),
        pytest.param(
            "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "application/msword", id="legacy_office"
        ),
        pytest.param(
            "server.log",
            "2026-11-23 ERROR 凭证保存失败\n".encode(),
            "text/plain; charset=utf-8",
            id="utf8_log",
        ),
        pytest.param("gbk.txt", "错误日志".encode("gbk"), "text/plain", id="gbk_text"),
    ],
)
def test_allowed_files(name, head, content_type):
    assert check_attachment(name, len(head), head).content_type == content_type


@pytest.mark.parametrize(
    ("name", "head"),
    [
        pytest.param("evil.exe", b"MZ\x90\x00", id="executables_are_not_on_the_list"),
        pytest.param("screen.png", b"MZ\x90\x00\x03", id="renamed_executable_is_caught_by_content"),
        pytest.param("notes.txt", b"\x7fELF\x02\x01\x00\x00", id="binary_named_as_text"),
        pytest.param("report.pdf", b"PK\x03\x04", id="zip_named_as_pdf"),
        pytest.param("noextension", b"hello", id="no_extension"),
        pytest.param("page.html", b"<html><script>", id="html_is_not_allowed"),
    ],
)
def test_refused_types(name, head):
    with pytest.raises(AttachmentRejected) as refused:
        check_attachment(name, len(head), head)
    assert refused.value.code == "attachment_type_not_allowed"
    assert "不支持" in refused.value.message_zh


def test_too_large(settings):
    settings.TICKETS_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(AttachmentRejected) as refused:
        check_attachment("big.png", 2048, PNG)
    assert refused.value.code == "attachment_too_large"
    assert refused.value.status == 413


def test_path_in_name_is_dropped():
    assert check_attachment("../../etc/x.png", len(PNG), PNG).name == "x.png"


@pytest.mark.django_db
def test_refused_attachment_saves_nothing_and_leaves_no_file(file_ticket, settings):
    from successhub.tickets.models import Ticket

    bad = SimpleUploadedFile("a.png", b"MZ\x90\x00", content_type="image/png")
    with pytest.raises(AttachmentRejected):
        file_ticket(attachments=[bad])
    assert not Ticket.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
