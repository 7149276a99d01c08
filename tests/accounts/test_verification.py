"""注册认证: a one-time code by phone or e-mail makes a customer user a verified member."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from successhub.accounts.models import VerificationCode
from successhub.accounts.services import VerificationError, confirm_verification_code, send_verification_code

pytestmark = pytest.mark.django_db


def sent_code_from_mail() -> str:
    return re.search(r"验证码是 (\d{6})", mail.outbox[-1].body).group(1)


def test_email_code_verifies(make_org, make_user):
    user = make_user(make_org(), verified=False, email="a@example.com")
    assert not user.is_verified
    send_verification_code(user, "email")
    confirm_verification_code(user, "email", sent_code_from_mail())
    user.refresh_from_db()
    assert user.is_verified and user.email_verified_at


def test_phone_code_is_printed_in_the_embedded_default(make_org, make_user, capsys):
    user = make_user(make_org(), verified=False)
    send_verification_code(user, "phone", "13800000000")
    code = re.search(r"验证码是 (\d{6})", capsys.readouterr().out).group(1)
    confirm_verification_code(user, "phone", code)
    user.refresh_from_db()
    assert user.phone == "13800000000" and user.phone_verified_at


@pytest.mark.parametrize(
    "prepare, expected",
    [
        (lambda user: None, "no_pending_code"),
        (lambda user: send_verification_code(user, "email"), "wrong_code"),
        (
            lambda user: (
                send_verification_code(user, "email"),
                VerificationCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1)),
            ),
            "code_expired",
        ),
        (
            lambda user: (send_verification_code(user, "email"), VerificationCode.objects.update(attempts=5)),
            "too_many_attempts",
        ),
    ],
    ids=["no code asked", "wrong code", "expired code", "too many attempts"],
)
def test_refusals(make_org, make_user, prepare, expected):
    user = make_user(make_org(), verified=False, email="b@example.com")
    prepare(user)
    with pytest.raises(VerificationError) as refused:
        confirm_verification_code(user, "email", "000000" if expected != "wrong_code" else "999999x")
    assert refused.value.code == expected
    user.refresh_from_db()
    assert not user.is_verified


def test_codes_are_stored_hashed(make_org, make_user):
    user = make_user(make_org(), verified=False, email="c@example.com")
    send_verification_code(user, "email")
    assert sent_code_from_mail() not in VerificationCode.objects.get().code_hash


def test_resending_too_soon_is_refused(make_org, make_user):
    user = make_user(make_org(), verified=False, email="d@example.com")
    send_verification_code(user, "email")
    with pytest.raises(VerificationError) as refused:
        send_verification_code(user, "email")
    assert refused.value.code == "too_soon"


def test_verify_page_flow(client, make_org, make_user):
    user = make_user(make_org(), verified=False, email="e@example.com")
    client.force_login(user)
    assert "请先完成注册认证" in client.get("/").content.decode()
    client.post("/me/verify/", {"action": "send", "channel": "email", "target": "e@example.com"})
    response = client.post(
        "/me/verify/", {"action": "confirm", "channel": "email", "code": "abc"}, follow=True
    )
    assert "验证码不正确" in response.content.decode()
    response = client.post(
        "/me/verify/", {"action": "confirm", "channel": "email", "code": sent_code_from_mail()}, follow=True
    )
    assert "认证成功" in response.content.decode()


def test_login_and_logout(client, make_org, make_user):
    user = make_user(make_org(), password="a-good-password")
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post("/accounts/login/", {"username": user.username, "password": "a-good-password"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_password_reset_sends_a_link(client, make_org, make_user):
    make_user(make_org(), email="reset@example.com")
    client.post("/accounts/password-reset/", {"email": "reset@example.com"})
    assert "/accounts/reset/" in mail.outbox[-1].body
