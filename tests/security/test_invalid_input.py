"""Input no database can store (NUL, lone surrogates) or that is too big answers 4xx, never 500."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/community/?product=a%00",
        "/search/?q=%00",
        "/community/questions/?q=x%00y",
        "/community/%00/",
    ],
)
def test_anonymous_get_with_nul_gets_a_chinese_400_page(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "无法保存的字符" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_api_get_with_nul_answers_json_400(client):
    response = client.get("/api/v1/community/questions?q=%00")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


@pytest.mark.parametrize(
    "body",
    [
        {"title": "a\x00b", "description": "x"},
        {"title": "ok", "nested": [{"deep": "\x00"}]},
        {"title": "\ud800"},  # a lone surrogate: no encoding can store it
        {"a\x00": 1},
    ],
)
def test_api_json_body_with_unstorable_text_answers_400(client, make_org, make_user, body):
    client.force_login(make_user(make_org()))
    raw = json.dumps(body)  # json escapes NUL and surrogates as \\u0000 / \\ud800
    response = client.post("/api/v1/tickets", data=raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json() == {"code": "invalid_characters", "message": response.json()["message"]}


def test_form_post_with_nul_answers_400(client, make_org, make_user):
    client.force_login(make_user(make_org()))
    response = client.post("/assistant/ask", {"question": "怎么\x00办"})
    assert response.status_code == 400


def test_body_over_the_request_limit_answers_413_before_it_is_read(client, settings):
    settings.SUCCESSHUB_MAX_REQUEST_BYTES = 1024
    response = client.post("/api/v1/tickets", data="x" * 2048, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_too_many_files_answers_400_with_the_limit(client, settings, make_org, make_user):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    client.force_login(make_user(make_org()))
    files = [SimpleUploadedFile(f"f{i}.txt", b"x", content_type="text/plain") for i in range(3)]
    response = client.post("/api/v1/tickets/T-1/attachments", {"files": files})
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_files"


def test_english_speakers_get_the_refusal_in_english(client):
    response = client.get("/community/?product=%00", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "cannot be stored" in response.content.decode()


def test_clean_input_passes_through(client):
    assert client.get("/community/?product=galaxy").status_code == 200


def test_a_form_posted_to_an_endpoint_that_reads_the_raw_body_answers_415(client, make_user):
    """Found by the staff's schemathesis run: the multipart body was read as a form by the middleware,
    and the Alertmanager webhook's read of the raw body failed with a 500."""
    from successhub.accounts.models import Role
    from successhub.accounts.services import issue_api_token

    token = issue_api_token(make_user(role=Role.OPS_ENGINEER), "alertmanager")
    response = client.post("/api/v1/ops/alertmanager", {"a": "1"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
