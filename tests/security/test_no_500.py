"""The remaining 500s the fuzzing found, one root cause each (issue 11)."""

from __future__ import annotations

import pytest
from django.test import Client

from successhub.accounts.models import Role
from successhub.accounts.services import issue_api_token

pytestmark = pytest.mark.django_db

HUGE = 10**20


def token_client(user):
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user, 't')}")


@pytest.mark.parametrize(
    ("at", "status", "code"),
    [
        ("0001-01-01T00:00:00", 422, "at_out_of_range"),  # astimezone() overflowed
        ("9999-12-31T23:59:59+14:00", 422, "at_out_of_range"),
        ("1991-12-31T23:59:59", 422, "at_out_of_range"),
        ("2200-01-01T00:00:00", 422, "at_out_of_range"),
        ("1992-01-01T00:00:00", 200, None),
        ("2199-12-31T12:00:00", 200, None),
        ("not-a-date", 422, "invalid_input"),
    ],
)
def test_entitlements_at_is_bounded_to_the_supported_years(
    make_org, make_user, add_contract, at, status, code
):
    organisation = make_org()
    add_contract(organisation)
    response = token_client(make_user(organisation)).get("/api/v1/me/entitlements", {"at": at})
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code


@pytest.mark.parametrize("query", [f"page={10**18}", "page=0", f"page_size={HUGE}"])
def test_notifications_page_is_bounded(make_org, make_user, query):
    response = token_client(make_user(make_org())).get(f"/api/v1/notifications?{query}")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/community/questions?offset={2**64}",
        f"/api/v1/community/questions?limit={HUGE}",
        f"/api/v1/search?q=a&page={10**18}",
        f"/api/v1/search?q=a&per_page={HUGE}",
    ],
)
def test_public_api_lists_refuse_unbounded_numbers_with_422(client, url):
    response = client.get(url)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/community/questions/{HUGE}",
        f"/api/v1/community/ideas/{HUGE}",
        f"/community/questions/{HUGE}/",
    ],
)
def test_ids_beyond_a_bigint_name_nothing(client, url):
    assert client.get(url).status_code == 404


def test_turning_an_unknown_insight_into_a_faq_is_not_found(make_user):
    client = Client()
    client.force_login(make_user(role=Role.SERVICE_ADMIN))
    response = client.post("/assistant/insights/987654/faq", {"question": "问", "answer": "答"})
    assert response.status_code == 404


@pytest.mark.parametrize("payload", [{"rating": 1, "message_id": HUGE}, {"rating": "²", "message_id": 1}])
def test_rating_a_bot_answer_with_bad_numbers_is_refused(client, payload):
    client.post("/assistant/ask", {"question": "如何结账"})
    response = client.post("/assistant/rate", payload, content_type="application/json")
    assert response.status_code in (400, 404)


def staff_client(make_user, role=Role.SERVICE_ADMIN):
    client = Client()
    client.force_login(make_user(role=role))
    return client


@pytest.mark.parametrize("value", ["²", str(HUGE), "-1", "abc"])
@pytest.mark.parametrize("name", ["call", "caller"])
def test_the_hotline_screen_ignores_bad_call_and_caller_ids(make_user, name, value):
    """``str.isdigit()`` then ``int()`` took "²" (ValueError) and a 21-digit id (overflow)."""
    response = staff_client(make_user).get("/hotline/screen/", {name: value})
    assert response.status_code < 500


@pytest.mark.parametrize("value", ["²", str(HUGE), "abc", ""])
def test_reviewing_a_license_upgrade_with_a_bad_id_is_refused_not_a_500(make_user, value):
    response = staff_client(make_user).post("/updates/upgrades/", {"upgrade": value, "action": "approve"})
    assert response.status_code < 500


@pytest.mark.parametrize("value", ["²", str(HUGE)])
def test_starting_a_chat_with_a_bad_conversation_id_is_not_a_500(make_org, make_user, value):
    client = Client()
    client.force_login(make_user(make_org()))
    response = client.post("/chat/start/", {"product": "galaxy", "conversation": value})
    assert response.status_code < 500
