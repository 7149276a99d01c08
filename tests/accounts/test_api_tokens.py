"""API tokens: issued once by the CLI or the profile page, usable at once, revocable by their owner only."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from successhub.accounts.models import ApiToken, Role
from successhub.cli import main

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"shk_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")


def _api_status(token: str) -> int:
    return Client().get("/api/v1/notifications", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_cli_prints_a_working_token_once(capsys, make_org, make_user):
    user = make_user(make_org(), username="alice")
    assert main(["api-token", "create", "alice", "--name", "热线坐席"]) == 0
    out = capsys.readouterr().out.strip()
    assert TOKEN.fullmatch(out)
    stored = ApiToken.objects.get(user=user)
    assert stored.name == "热线坐席"
    assert out.split("_", 2)[2] not in stored.token_hash  # only a hash is kept
    assert _api_status(out) == 200


def test_cli_unknown_user_is_a_usage_error(capsys, db):
    assert main(["api-token", "create", "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err


def test_cli_revoke_by_prefix(capsys, make_org, make_user):
    make_user(make_org(), username="bob")
    main(["api-token", "create", "bob"])
    token = capsys.readouterr().out.strip()
    assert main(["api-token", "revoke", token]) == 0
    assert _api_status(token) == 401
    main(["api-token", "list", "bob"])
    assert "revoked" in capsys.readouterr().out


@pytest.mark.parametrize("role", [Role.CUSTOMER_USER, Role.SUPPORT_ENGINEER, Role.OPS_ENGINEER])
def test_every_user_creates_and_revokes_their_own_token_on_the_profile_page(role, make_org, make_user):
    org = make_org() if role == Role.CUSTOMER_USER else None
    user = make_user(org, role=role)
    client = Client()
    client.force_login(user)
    page = client.post("/me/tokens/", {"name": "脚本"})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    token = TOKEN.search(page.content.decode()).group(0)
    assert _api_status(token) == 200
    # The list shows the prefix, never the secret.
    listing = client.get("/me/tokens/").content.decode()
    assert token not in listing and token.split("_")[1] in listing
    stored = ApiToken.objects.get(user=user)
    assert client.post(f"/me/tokens/{stored.pk}/revoke/").status_code == 302
    assert _api_status(token) == 401


def test_a_user_cannot_revoke_someone_elses_token(make_org, make_user):
    org = make_org()
    owner, other = make_user(org), make_user(org)
    from successhub.accounts.services import issue_api_token

    token = issue_api_token(owner, "mine")
    client = Client()
    client.force_login(other)
    client.post(f"/me/tokens/{ApiToken.objects.get(user=owner).pk}/revoke/")
    assert _api_status(token) == 200


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_sensible_name(name, make_org, make_user):
    client = Client()
    client.force_login(make_user(make_org()))
    page = client.post("/me/tokens/", {"name": name})
    assert page.status_code == 200
    assert not ApiToken.objects.exists()
    assert not TOKEN.search(page.content.decode())
