"""API clients that send only a token can write: CSRF applies to session cookies, not tokens."""

import pytest
from django.test import Client

from successhub.accounts.services import issue_api_token

pytestmark = pytest.mark.django_db


def test_token_only_post_is_not_refused_by_csrf(make_org, make_user):
    user = make_user(make_org())
    token = issue_api_token(user, "script")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/notifications/read-all",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def test_session_post_without_csrf_is_refused(make_org, make_user):
    user = make_user(make_org())
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/notifications/read-all", content_type="application/json")
    assert response.status_code in (401, 403)
