"""Pictures, article files and lesson media over HTTP.

Uploads answer JSON (the editor's script calls them); files are served through the visibility
checks in ``community.media`` and with HTTP Range, so a video seeks and a download resumes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from successhub.community import media, selectors
from successhub.community.errors import CommunityError
from successhub.community.markup import render_markdown
from successhub.web.ranged import ranged_file_response

PREVIEW_MAX_CHARS = 100_000


def _error(exc: CommunityError) -> JsonResponse:
    return JsonResponse({"code": exc.code, "message": str(exc)}, status=exc.status)


@require_POST
def upload_image(request):
    """The editor's paste, drop or pick: one picture in, its address and Markdown out."""
    if not request.user.is_authenticated:
        return JsonResponse({"code": "not_authenticated", "message": _("请先登录后再上传图片。")}, status=401)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"code": "invalid_input", "message": _("请选择要上传的图片。")}, status=400)
    try:
        image = media.store_image(request.user, upload, alt=request.POST.get("alt", ""))
    except CommunityError as exc:
        return _error(exc)
    alt = image.alt or _("截图")
    return JsonResponse(
        {
            "key": image.key,
            "url": image.get_absolute_url(),
            "thumbnail_url": image.thumbnail_url,
            "width": image.width,
            "height": image.height,
            "markdown": f"![{alt}]({image.get_absolute_url()})",
        },
        status=201,
    )


def _serve(
    request,
    fieldfile,
    *,
    content_type: str,
    etag: str,
    filename: str | None = None,
    as_attachment: bool = False,
):
    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing from storage") from None
    response, sent = ranged_file_response(
        request, handle, size=fieldfile.size, content_type=content_type, etag=etag,
        filename=filename, as_attachment=as_attachment,
    )  # fmt: skip
    return response, sent


@require_GET
def image(request, key: str, thumb: bool = False):
    found = media.image_for(request.user, key)
    field = found.thumbnail if thumb else found.image
    response, _sent = _serve(request, field, content_type=found.content_type,
                             etag=f"{found.sha256[:32]}{'-t' if thumb else ''}")  # fmt: skip
    # Private pictures must not sit in shared caches.
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_POST
def preview(request):
    """The editor's preview: the same renderer and sanitiser as the published post."""
    text = request.POST.get("body", "")[:PREVIEW_MAX_CHARS]
    return JsonResponse({"html": str(render_markdown(text))})


@require_GET
def article_file(request, slug: str, pk: int):
    found = media.article_file_for(request.user, slug, pk)
    response, sent = _serve(request, found.file, content_type=found.content_type, etag=found.sha256[:32],
                            filename=found.name, as_attachment=True)  # fmt: skip
    if response.status_code in {200, 206}:
        media.record_download(request.user, found, sent, request.headers.get("Range", ""))
    return response


@login_required
@require_POST
def article_file_upload(request, slug: str):
    article = selectors.article_for(request.user, slug)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件。"))
        return redirect(article)
    try:
        media.add_article_file(request.user, article, upload, request.POST.get("description", ""))
    except CommunityError as exc:
        messages.error(request, str(exc))
    return redirect(article)


def _lesson(slug: str, pk: int):
    return selectors.lesson_for(selectors.course_for(slug), pk)


@require_GET
def lesson_video(request, slug: str, pk: int):
    lesson = _lesson(slug, pk)
    if not lesson.video:
        raise Http404("This lesson has no video")
    return _serve(request, lesson.video, content_type=lesson.video_type or "video/mp4",
                  etag=f"v{lesson.pk}-{lesson.video.name.rsplit('/', 1)[-1][:32]}")[0]  # fmt: skip


@require_GET
def lesson_slides_pdf(request, slug: str, pk: int):
    lesson = _lesson(slug, pk)
    if not lesson.slides_pdf:
        raise Http404("This lesson has no PDF slides")
    return _serve(request, lesson.slides_pdf, content_type="application/pdf",
                  etag=f"p{lesson.pk}-{lesson.slides_pdf.name.rsplit('/', 1)[-1][:32]}",
                  filename=f"{lesson.title}.pdf")[0]  # fmt: skip


@login_required
def lesson_media(request, slug: str, pk: int):
    """Staff put a video or slides on a lesson."""
    course = selectors.course_for(slug)
    lesson = selectors.lesson_for(course, pk)
    if not request.user.is_service_staff:
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind")
        try:
            if kind == "video" and request.FILES.get("video"):
                media.set_lesson_video(request.user, lesson, request.FILES["video"])
            elif kind == "slides" and request.FILES.getlist("slides"):
                media.set_lesson_slides(request.user, lesson, request.FILES.getlist("slides"))
            else:
                raise media.MediaRejected(_("请选择要上传的文件。"))
        except CommunityError as exc:
            messages.error(request, str(exc))
            status = exc.status
        else:
            messages.success(request, _("已更新课时的视频或课件。"))
            return redirect(lesson)
    return render(request, "community/lesson_media.html", {"course": course, "lesson": lesson}, status=status)
