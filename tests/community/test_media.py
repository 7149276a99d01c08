"""Pictures in posts, files on articles, video and slides in lessons: checks, privacy, ranges."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from successhub.community import services
from successhub.community.models import (
    Article,
    ArticleFileDownload,
    CommunityImage,
    Course,
    KbCatalogue,
    Lesson,
    LessonMedia,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _png(width=40, height=30, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def _jpeg_with_gps(width=2400, height=1800) -> bytes:
    image = Image.new("RGB", (width, height), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (22.0, 32.0, 1.0), 3: "E", 4: (113.0, 56.0, 1.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _upload(client, user, data: bytes, name="shot.png", content_type="image/png"):
    client.force_login(user)
    return client.post(
        "/community/images/", {"image": SimpleUploadedFile(name, data, content_type=content_type), "alt": "报错截图"}
    )


# --- uploads ---------------------------------------------------------------------------------

REFUSED = [
    ("html_renamed_png", b"<!doctype html><script>alert(1)</script>", "evil.png", 415),
    ("svg_renamed_png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "evil.png", 415),
    ("svg_as_svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "evil.svg", 415),
    ("pdf_as_picture", b"%PDF-1.4\n%%EOF", "doc.png", 415),
    ("truncated_png", _png()[:40], "half.png", 415),
    ("empty_file", b"", "empty.png", 415),
]


@pytest.mark.parametrize(("rule", "data", "name", "status"), REFUSED, ids=[c[0] for c in REFUSED])
def test_a_picture_is_judged_by_its_content(client, people, rule, data, name, status):
    response = _upload(client, people.customer, data, name)
    assert response.status_code == status, rule
    assert response.json()["code"] == "media_rejected"
    assert CommunityImage.objects.count() == 0


def test_an_oversized_picture_is_refused(client, people, settings):
    settings.COMMUNITY_IMAGE_MAX_BYTES = 1000
    response = _upload(client, people.customer, _png(400, 400, (1, 2, 3)) + b"\0" * 2000)
    assert response.status_code == 413 and response.json()["code"] == "media_too_large"


def test_an_anonymous_or_unverified_user_cannot_upload(client, people):
    anonymous = client.post("/community/images/", {"image": SimpleUploadedFile("a.png", _png())})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
    unverified = _upload(client, people.unverified, _png())
    assert unverified.status_code == 403 and unverified.json()["code"] == "not_verified"


def test_an_upload_is_re_encoded_resized_stripped_and_thumbnailed(client, people):
    response = _upload(client, people.customer, _jpeg_with_gps(), "photo.jpg", "image/jpeg")
    assert response.status_code == 201
    body = response.json()
    assert body["markdown"] == f"![报错截图]({body['url']})"
    image = CommunityImage.objects.get(key=body["key"])
    assert (image.width, image.height) == (1600, 1200)
    with Image.open(image.image.open("rb")) as stored:
        assert stored.format == "JPEG"
        exif = stored.getexif()
        assert 0x8825 not in exif and 0x010F not in exif  # no GPS, no camera
    with Image.open(image.thumbnail.open("rb")) as thumb:
        assert max(thumb.size) == 320


# --- who sees a picture ----------------------------------------------------------------------


def _posted_image(client, people, *, private: bool):
    key = _upload(client, people.customer, _png()).json()["key"]
    question = services.ask_question(
        people.customer, "凭证过账报错", f"截图如下：\n\n![报错截图](/community/images/{key}/)", private=private
    )
    return key, question


VIEWERS = [
    # (rule, private question?, viewer, may see)
    ("public_question_anyone", False, None, True),
    ("public_question_other_customer", False, "standard_customer", True),
    ("private_question_colleague", True, "colleague", True),
    ("private_question_staff", True, "engineer", True),
    ("private_question_foreign_customer", True, "standard_customer", False),
    ("private_question_anonymous", True, None, False),
]


@pytest.mark.parametrize(("rule", "private", "viewer", "sees"), VIEWERS, ids=[c[0] for c in VIEWERS])
def test_a_posted_picture_is_shown_to_those_who_may_read_the_post(client, people, rule, private, viewer, sees):
    key, question = _posted_image(client, people, private=private)
    assert CommunityImage.objects.get(key=key).question == question
    client.logout()
    if viewer:
        client.force_login(getattr(people, viewer))
    for suffix in ("", "thumb/"):
        response = client.get(f"/community/images/{key}/{suffix}")
        assert response.status_code == (200 if sees else 404), rule
        if sees:
            assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"


def test_an_unposted_picture_is_only_its_uploaders(client, people):
    key = _upload(client, people.customer, _png()).json()["key"]
    assert client.get(f"/community/images/{key}/").status_code == 200
    client.force_login(people.colleague)
    assert client.get(f"/community/images/{key}/").status_code == 404


def test_someone_elses_unposted_picture_is_not_taken_by_a_post(client, people):
    key = _upload(client, people.customer, _png()).json()["key"]
    services.ask_question(people.standard_customer, "借用图片", f"![x](/community/images/{key}/)")
    assert CommunityImage.objects.get(key=key).question is None


def test_alt_text_of_a_picture_is_searchable(client, people):
    key = _upload(client, people.customer, _png()).json()["key"]
    question = services.ask_question(people.customer, "报表问题", f"![打印模板错位的截图](/community/images/{key}/)")
    assert "打印模板错位的截图" in question.as_search_doc()["body"]


def test_the_preview_uses_the_published_renderer(client, people):
    client.force_login(people.customer)
    html = client.post("/community/preview/", {"body": "**粗体** [x](//evil.example)"}).json()["html"]
    assert "<strong>粗体</strong>" in html and 'href="//' not in html


# --- article files ---------------------------------------------------------------------------


@pytest.fixture
def article(people):
    catalogue = KbCatalogue.objects.create(key="gl", title="总账")
    return Article.objects.create(slug="month-end", title="月结指南", body="正文", catalogue=catalogue)


def test_staff_attach_a_pdf_guide_and_downloads_are_audited_with_ranges(client, people, article):
    pdf = b"%PDF-1.4\n" + b"x" * 5000 + b"\n%%EOF"
    client.force_login(people.engineer)
    client.post(f"/kb/{article.slug}/files/", {"file": SimpleUploadedFile("月结指南.pdf", pdf), "description": "操作手册"})
    attached = article.files.get()
    assert attached.size == len(pdf) and attached.content_type == "application/pdf"
    client.force_login(people.customer)
    whole = client.get(attached.get_absolute_url())
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == pdf
    part = client.get(attached.get_absolute_url(), HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(pdf)}"
    assert b"".join(part.streaming_content) == pdf[100:200]
    audit = list(ArticleFileDownload.objects.order_by("id").values_list("user", "bytes_sent", "range_header"))
    assert audit == [(people.customer.pk, len(pdf), ""), (people.customer.pk, 100, "bytes=100-199")]


def test_a_renamed_executable_is_not_an_article_file(client, people, article):
    client.force_login(people.engineer)
    client.post(f"/kb/{article.slug}/files/", {"file": SimpleUploadedFile("guide.pdf", b"MZ\x90\x00binary")})
    assert article.files.count() == 0


def test_customers_cannot_attach_files(client, people, article):
    client.force_login(people.customer)
    client.post(f"/kb/{article.slug}/files/", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF")})
    assert article.files.count() == 0


def test_a_private_articles_file_is_not_served_to_others(client, people, article):
    article.organisation = people.advanced_org
    article.save()
    client.force_login(people.engineer)
    client.post(f"/kb/{article.slug}/files/", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF")})
    url = article.files.get().get_absolute_url()
    client.force_login(people.standard_customer)
    assert client.get(url).status_code == 404
    client.force_login(people.colleague)
    assert client.get(url).status_code == 200


# --- lesson video and slides -----------------------------------------------------------------

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40


@pytest.fixture
def lesson(db):
    course = Course.objects.create(slug="gl-basics", title="总账入门", kind="quick_start", summary="入门")
    return Lesson.objects.create(course=course, position=1, title="凭证录入")


def _put_video(client, people, lesson, data=MP4, name="lesson.mp4"):
    client.force_login(people.engineer)
    return client.post(
        f"/courses/{lesson.course.slug}/lessons/{lesson.pk}/media/",
        {"kind": "video", "video": SimpleUploadedFile(name, data, content_type="video/mp4")},
    )


RANGES = [
    ("whole_file", "", 200, None, MP4),
    ("first_bytes", "bytes=0-99", 206, f"bytes 0-99/{len(MP4)}", MP4[:100]),
    ("open_ended", f"bytes={len(MP4) - 10}-", 206, f"bytes {len(MP4) - 10}-{len(MP4) - 1}/{len(MP4)}", MP4[-10:]),
    ("suffix", "bytes=-20", 206, f"bytes {len(MP4) - 20}-{len(MP4) - 1}/{len(MP4)}", MP4[-20:]),
    ("end_past_the_file_is_cut", f"bytes=10-{len(MP4) + 500}", 206, f"bytes 10-{len(MP4) - 1}/{len(MP4)}", MP4[10:]),
    ("start_past_the_end", f"bytes={len(MP4)}-", 416, f"bytes */{len(MP4)}", b""),
    ("malformed_is_ignored", "bytes=abc", 200, None, MP4),
    ("several_ranges_whole_file", "bytes=0-1,5-6", 200, None, MP4),
]


@pytest.mark.parametrize(("rule", "header", "status", "content_range", "body"), RANGES, ids=[c[0] for c in RANGES])
def test_a_lesson_video_seeks(client, people, lesson, rule, header, status, content_range, body):
    _put_video(client, people, lesson)
    client.logout()
    extra = {"HTTP_RANGE": header} if header else {}
    response = client.get(f"/courses/{lesson.course.slug}/lessons/{lesson.pk}/video/", **extra)
    assert response.status_code == status, rule
    assert response.get("Content-Range") == content_range
    content = b"".join(response.streaming_content) if hasattr(response, "streaming_content") else response.content
    assert content == body


def test_an_unchanged_video_is_not_sent_again(client, people, lesson):
    _put_video(client, people, lesson)
    url = f"/courses/{lesson.course.slug}/lessons/{lesson.pk}/video/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"other-version"')
    assert stale.status_code == 200  # If-Range names another version: the whole file


def test_a_video_page_plays_it(client, people, lesson):
    _put_video(client, people, lesson)
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert f'src="/courses/{lesson.course.slug}/lessons/{lesson.pk}/video/"' in html and "<video" in html


def test_only_mp4_or_webm_becomes_a_video(client, people, lesson):
    response = _put_video(client, people, lesson, b"<html>not a video</html>", "fake.mp4")
    assert response.status_code == 415
    lesson.refresh_from_db()
    assert not lesson.video and lesson.media == LessonMedia.TEXT


def test_customers_cannot_change_a_lesson(client, people, lesson):
    client.force_login(people.customer)
    response = client.post(f"/courses/{lesson.course.slug}/lessons/{lesson.pk}/media/", {"kind": "video"})
    assert response.status_code == 403


def test_slides_are_pictures_in_order_or_one_pdf(client, people, lesson):
    client.force_login(people.engineer)
    url = f"/courses/{lesson.course.slug}/lessons/{lesson.pk}/media/"
    pages = [SimpleUploadedFile(f"p{n}.png", _png(color=(n * 40, 0, 0))) for n in range(3)]
    client.post(url, {"kind": "slides", "slides": pages})
    lesson.refresh_from_db()
    assert lesson.media == LessonMedia.SLIDES
    slides = list(lesson.slides.all())
    assert [s.position for s in slides] == [0, 1, 2] and slides[0].alt == "第 1 页"
    client.logout()
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert html.count('<figure><a href="/community/images/') == 3
    assert client.get(slides[2].get_absolute_url()).status_code == 200  # published courses are public
    client.force_login(people.engineer)
    client.post(url, {"kind": "slides", "slides": [SimpleUploadedFile("deck.pdf", b"%PDF-1.4\n%%EOF")]})
    lesson.refresh_from_db()
    pdf = client.get(f"/courses/{lesson.course.slug}/lessons/{lesson.pk}/slides.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

