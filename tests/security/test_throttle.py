"""Guessing is throttled: passwords and API tokens (django-axes), verification codes (per user)."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from successhub.accounts.models import VerificationCode
from successhub.accounts.services import VerificationError, confirm_verification_code, issue_api_token

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    cache.clear()
    yield
    cache.clear()


def login(client, username, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_wrong_passwords_lock_the_account_and_even_the_right_one_is_refused(client, make_org, make_user):
    make_user(make_org(), username="alice", password="right-pass-1")
    for _ in range(LIMIT - 1):
        assert login(client, "alice", "wrong").status_code == 200  # the form again, with its error
    assert login(client, "alice", "wrong").status_code == 429  # the limit-th wrong try locks
    refused = login(client, "alice", "right-pass-1")
    assert refused.status_code == 429
    assert "尝试次数过多" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_account_is_locked_from_another_address_too(client, make_org, make_user):
    make_user(make_org(), username="alice", password="right-pass-1")
    for n in range(LIMIT):
        login(client, "alice", "wrong", address=f"10.0.1.{n}")
    assert login(client, "alice", "right-pass-1", address="10.0.9.9").status_code == 429


def test_one_address_guessing_many_accounts_is_locked(client, make_org, make_user):
    make_user(make_org(), username="bob", password="right-pass-2")
    for n in range(LIMIT):
        login(client, f"nobody{n}", "wrong", address="10.0.0.7")
    assert login(client, "bob", "right-pass-2", address="10.0.0.7").status_code == 429
    assert login(client, "bob", "right-pass-2", address="10.0.0.8").status_code == 302


def test_an_admin_unlocks_by_deleting_the_attempts(client, make_org, make_user):
    make_user(make_org(), username="alice", password="right-pass-1")
    for _ in range(LIMIT):
        login(client, "alice", "wrong")
    assert login(client, "alice", "right-pass-1").status_code == 429
    admin = make_user(None, role="service_admin", username="root", is_superuser=True)
    staff = Client()
    staff.force_login(admin)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "alice" in listing.content.decode()
    for attempt in AccessAttempt.objects.all():
        staff.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert login(client, "alice", "right-pass-1").status_code == 302


def api_get(token, address="10.0.0.1"):
    return Client().get("/api/v1/notifications", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address)


def test_guessing_api_tokens_locks_the_address_with_429(make_org, make_user):
    user = make_user(make_org())
    token = issue_api_token(user, "script")
    prefix = token.split("_")[1]
    for n in range(LIMIT - 1):
        assert api_get(f"shk_{prefix}_wrong{n}").status_code == 401
    locked = api_get("shk_guess_last")
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    assert api_get(token).status_code == 429  # the right token from the locked address waits too
    assert api_get(token, address="10.0.0.2").status_code == 200


def test_deleting_the_attempt_unlocks_token_use(make_org, make_user):
    token = issue_api_token(make_user(make_org()), "script")
    for n in range(LIMIT):
        api_get(f"shk_x_wrong{n}")
    assert api_get(token).status_code == 429
    for attempt in AccessAttempt.objects.all():
        attempt.delete()
    assert api_get(token).status_code == 200


def test_a_right_token_costs_no_extra_query(make_org, make_user, django_assert_max_num_queries):
    token = issue_api_token(make_user(make_org()), "script")
    api_get(token)  # warm: last_used_at written once
    with django_assert_max_num_queries(3):
        assert api_get(token).status_code == 200


def _code(user, attempts, minutes_ago):
    return VerificationCode.objects.create(
        user=user,
        channel="email",
        target="a@example.com",
        code_hash="x",
        attempts=attempts,
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        expires_at=timezone.now() + dt.timedelta(minutes=10),
    )


@pytest.mark.parametrize(
    ("earlier", "refused"),
    [
        ([(5, 50)], False),  # 5 wrong in the hour: still trying
        ([(5, 50), (5, 20)], True),  # 10 wrong in the hour: wait
        ([(5, 90), (5, 70)], False),  # old tries no longer count
    ],
)
def test_wrong_verification_codes_are_capped_per_user_per_hour(
    settings, make_org, make_user, earlier, refused
):
    settings.VERIFICATION_WRONG_CODES_PER_HOUR = 10
    user = make_user(make_org(), verified=False)
    for attempts, minutes_ago in earlier:
        _code(user, attempts, minutes_ago)
    _code(user, 0, 0)
    with pytest.raises(VerificationError) as raised:
        confirm_verification_code(user, "email", "000000")
    assert raised.value.code == ("too_many_attempts" if refused else "wrong_code")
