"""Pictures, files and lesson media in the community: checks on the way in, who may see them.

Images are judged by what Pillow can decode, never by their name: an HTML or SVG file renamed
``.png`` is refused. Every accepted image is re-encoded (which drops EXIF, GPS and any trailing
payload), turned upright, shrunk to ``COMMUNITY_IMAGE_MAX_SIDE`` and given a thumbnail.
Article files go through the same content checks as ticket attachments; lesson videos must be
MP4 or WebM by their first bytes; slides are images or one PDF.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from successhub.accounts.models import User
from successhub.community.errors import CommunityError, NotSignedIn
from successhub.community.models import (
    Article,
    ArticleFile,
    ArticleFileDownload,
    CommunityImage,
    Lesson,
    LessonMedia,
)
from successhub.community.selectors import article_for, question_for
from successhub.community.services import ensure_can_post, ensure_moderator
from successhub.tickets.attachments import SNIFF_BYTES, check_attachment
from successhub.tickets.errors import AttachmentRejected

# Pillow format -> (saved as, content type). GIFs keep their first frame as PNG.
_SAVE_AS = {"PNG": ("PNG", "image/png"), "JPEG": ("JPEG", "image/jpeg"), "GIF": ("PNG", "image/png"),
            "WEBP": ("WEBP", "image/webp")}  # fmt: skip
_VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}


class MediaRejected(CommunityError):
    code = "media_rejected"
    status = 415


class MediaTooLarge(CommunityError):
    code = "media_too_large"
    status = 413


def image_max_bytes() -> int:
    return int(getattr(settings, "COMMUNITY_IMAGE_MAX_BYTES", 10 * 1024 * 1024))


def image_max_side() -> int:
    return int(getattr(settings, "COMMUNITY_IMAGE_MAX_SIDE", 1600))


def thumbnail_side() -> int:
    return int(getattr(settings, "COMMUNITY_THUMBNAIL_SIDE", 320))


def video_max_bytes() -> int:
    return int(getattr(settings, "COMMUNITY_VIDEO_MAX_BYTES", 500 * 1024 * 1024))


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


# --- images ----------------------------------------------------------------------------------


def _decode_image(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()  # structure check; the image must be reopened after verify()
        image = Image.open(io.BytesIO(data))
        if image.format not in _SAVE_AS:
            raise MediaRejected(_("只支持 PNG、JPEG、GIF、WebP 图片。"))
        # Guard against decompression bombs before decoding the pixels.
        if image.width * image.height > 40_000_000:
            raise MediaTooLarge(_("图片像素过多（上限 4000 万像素）。"))
        image.load()
        return image
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise MediaRejected(
            _("无法识别该图片：只支持 PNG、JPEG、GIF、WebP 图片（按文件内容识别）。")
        ) from None


def _encode(image: Image.Image, fmt: str, side: int) -> bytes:
    picture = image.copy()
    picture.thumbnail((side, side))
    if fmt == "JPEG" and picture.mode not in {"RGB", "L"}:
        picture = picture.convert("RGB")
    if fmt == "PNG" and picture.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
        picture = picture.convert("RGBA")
    out = io.BytesIO()
    options = {"quality": 85, "optimize": True} if fmt in {"JPEG", "WEBP"} else {"optimize": True}
    picture.save(out, fmt, **options)  # no exif= argument: metadata is not carried over
    return out.getvalue()


def store_image(user: User | None, upload, alt: str = "") -> CommunityImage:
    """Check, clean and keep one picture for the uploader's next post."""
    if user is None or not user.is_authenticated:
        raise NotSignedIn(_("请先登录后再上传图片。"))
    ensure_can_post(user)
    if upload.size > image_max_bytes():
        raise MediaTooLarge(_("图片超过大小上限 %(mb)s MB。") % {"mb": _megabytes(image_max_bytes())})
    upload.seek(0)
    data = upload.read()
    source = _decode_image(data)
    fmt, content_type = _SAVE_AS[source.format]
    upright = ImageOps.exif_transpose(source)
    full = _encode(upright, fmt, image_max_side())
    thumb = _encode(upright, fmt, thumbnail_side())
    width, height = Image.open(io.BytesIO(full)).size
    suffix = fmt.lower().replace("jpeg", "jpg")
    image = CommunityImage(
        key=secrets.token_urlsafe(18),
        uploader=user,
        content_type=content_type,
        width=width,
        height=height,
        size=len(full),
        sha256=hashlib.sha256(full).hexdigest(),
        alt=(alt or "").strip()[:200],
    )
    image.image.save(f"image.{suffix}", ContentFile(full), save=False)
    image.thumbnail.save(f"thumb.{suffix}", ContentFile(thumb), save=False)
    image.save()
    return image


def image_for(user: User | None, key: str) -> CommunityImage:
    """A picture the user may see: that of a post they may read, or their own unposted upload."""
    try:
        image = CommunityImage.objects.select_related("question", "article").get(key=key)
    except CommunityImage.DoesNotExist:
        raise Http404("No such image") from None
    if image.question_id:
        question_for(user, image.question_id)  # Http404 when the question is not theirs to see
        return image
    if image.article_id:
        article_for(user, image.article.slug)
        return image
    if image.lesson_id:
        return image  # published courses are open to everyone
    signed_in = user is not None and user.is_authenticated
    if signed_in and (user.pk == image.uploader_id or user.is_service_staff):
        return image
    raise Http404("No such image")


# --- article files ---------------------------------------------------------------------------


def _checked(upload) -> tuple[str, str]:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    try:
        checked = check_attachment(upload.name, upload.size, head)
    except AttachmentRejected as exc:
        error = MediaTooLarge(str(exc)) if exc.status == 413 else MediaRejected(str(exc))
        raise error from None
    return checked.name, checked.content_type


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def add_article_file(user: User, article: Article, upload, description: str = "") -> ArticleFile:
    ensure_moderator(user)
    name, content_type = _checked(upload)
    attached = ArticleFile(
        article=article,
        name=name,
        content_type=content_type,
        size=upload.size,
        sha256=_sha256(upload),
        description=(description or "").strip()[:200],
        uploaded_by=user,
    )
    attached.file.save(name, upload, save=False)
    attached.save()
    return attached


def article_file_for(user: User | None, slug: str, pk: int) -> ArticleFile:
    article = article_for(user, slug)
    try:
        return article.files.get(pk=pk)
    except ArticleFile.DoesNotExist:
        raise Http404("No such file") from None


def record_download(
    user: User | None, attached: ArticleFile, bytes_sent: int, range_header: str = ""
) -> None:
    ArticleFileDownload.objects.create(
        file=attached,
        user=user if user is not None and user.is_authenticated else None,
        bytes_sent=bytes_sent,
        range_header=(range_header or "")[:100],
    )


# --- lesson media ----------------------------------------------------------------------------


def _video_kind(upload) -> str:
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    raise MediaRejected(_("只支持 MP4 或 WebM 视频（按文件内容识别）。"))


@transaction.atomic
def set_lesson_video(user: User, lesson: Lesson, upload) -> Lesson:
    ensure_moderator(user)
    if upload.size > video_max_bytes():
        raise MediaTooLarge(_("视频超过大小上限 %(mb)s MB。") % {"mb": _megabytes(video_max_bytes())})
    kind = _video_kind(upload)
    lesson.video.save(f"lesson.{kind}", upload, save=False)
    lesson.video_type = _VIDEO_TYPES[kind]
    lesson.media = LessonMedia.VIDEO
    lesson.save()
    return lesson


@transaction.atomic
def set_lesson_slides(user: User, lesson: Lesson, uploads: Iterable) -> Lesson:
    """Slides are a sequence of pictures (kept in order) or one PDF."""
    ensure_moderator(user)
    uploads = list(uploads)
    if not uploads:
        raise MediaRejected(_("请选择课件图片或 PDF。"))
    first = uploads[0]
    first.seek(0)
    is_pdf = first.read(5) == b"%PDF-"
    first.seek(0)
    if is_pdf:
        if len(uploads) > 1:
            raise MediaRejected(_("PDF 课件一次只能上传一个文件。"))
        _checked(first)
        lesson.slides_pdf.save("slides.pdf", first, save=False)
    else:
        lesson.slides.all().delete()
        for position, upload in enumerate(uploads):
            image = store_image(user, upload, alt=_("第 %(n)s 页") % {"n": position + 1})
            image.lesson, image.position = lesson, position
            image.save(update_fields=["lesson", "position"])
    lesson.media = LessonMedia.SLIDES
    lesson.save()
    return lesson
