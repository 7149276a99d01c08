"""State changes for accounts: verification codes, API tokens."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from successhub import sql
from successhub.accounts.models import ApiToken, Organisation, User, VerificationCode

logger = logging.getLogger("successhub.verification")

MAX_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(seconds=60)
TOKEN_LAST_USED_PRECISION = timedelta(seconds=60)


class VerificationError(Exception):
    """A refusal while verifying; ``code`` is machine-readable, the message is Chinese."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SentCode:
    channel: str
    target: str
    expires_at: object


def send_verification_code(user: User, channel: str, target: str | None = None) -> SentCode:
    """Send a 6-digit code by SMS or e-mail. The embedded default prints it on the console."""
    if channel not in VerificationCode.Channel.values:
        raise VerificationError("invalid_channel", _("验证方式只能是手机或邮箱。"))
    target = (target or (user.phone if channel == "phone" else user.email) or "").strip()
    if not target:
        raise VerificationError(
            "missing_target", _("请先填写手机号。") if channel == "phone" else _("请先填写邮箱地址。")
        )
    now = timezone.now()
    last = user.verification_codes.filter(channel=channel).first()
    if last and last.used_at is None and now - last.created_at < RESEND_INTERVAL:
        raise VerificationError("too_soon", _("验证码发送过于频繁，请一分钟后再试。"))
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires_at = now + timedelta(seconds=settings.VERIFICATION_CODE_TTL_SECONDS)
    VerificationCode.objects.create(
        user=user, channel=channel, target=target, code_hash=_hash(code), expires_at=expires_at
    )
    message = _("【SuccessHub】您的验证码是 %(code)s，%(minutes)s 分钟内有效。") % {
        "code": code,
        "minutes": settings.VERIFICATION_CODE_TTL_SECONDS // 60,
    }
    if channel == "email":
        send_mail(_("SuccessHub 验证码"), message, None, [target])
    else:
        # No SMS gateway in the embedded default: the code goes to the console log.
        print(f"[SMS to {target}] {message}", flush=True)  # noqa: T201
        logger.warning("SMS to %s: %s", target, message)
    return SentCode(channel, target, expires_at)


@transaction.atomic
def confirm_verification_code(user: User, channel: str, code: str) -> User:
    pending = (
        VerificationCode.objects.select_for_update()
        .filter(user=user, channel=channel, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if pending is None:
        raise VerificationError("no_pending_code", _("请先获取验证码。"))
    _refuse_when_guessing(user)
    if pending.expires_at < timezone.now():
        raise VerificationError("code_expired", _("验证码已过期，请重新获取。"))
    if pending.attempts >= MAX_ATTEMPTS:
        raise VerificationError("too_many_attempts", _("验证码错误次数过多，请重新获取。"))
    if not hmac.compare_digest(pending.code_hash, _hash(code.strip())):
        pending.attempts += 1
        pending.save(update_fields=["attempts"])
        raise VerificationError("wrong_code", _("验证码不正确。"))
    now = timezone.now()
    pending.used_at = now
    pending.save(update_fields=["used_at"])
    if channel == "phone":
        user.phone = pending.target
        user.phone_verified_at = now
        user.save(update_fields=["phone", "phone_verified_at"])
    else:
        user.email = pending.target
        user.email_verified_at = now
        user.save(update_fields=["email", "email_verified_at"])
    return user


def _refuse_when_guessing(user: User) -> None:
    """Each code allows MAX_ATTEMPTS tries, and a new code comes every minute: cap the wrong tries per
    user over all codes sent in a rolling hour too, or a patient guesser gets thousands a day."""
    since = timezone.now() - timedelta(hours=1)
    wrong = (
        VerificationCode.objects.filter(user=user, created_at__gte=since).aggregate(total=Sum("attempts"))[
            "total"
        ]
        or 0
    )
    if wrong >= settings.VERIFICATION_WRONG_CODES_PER_HOUR:
        raise VerificationError("too_many_attempts", _("验证码错误次数过多，请一小时后再试。"))


class TokenError(Exception):
    """A refusal while managing API tokens; ``code`` is machine-readable, the message is Chinese."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


TOKEN_NAME_MAX = 100


def issue_api_token(user: User, name: str) -> str:
    """Create a token and return its secret once; only a hash is kept."""
    name = (name or "").strip()
    if not name:
        raise TokenError("missing_name", _("请填写令牌名称，例如用途或所在设备。"))
    if len(name) > TOKEN_NAME_MAX:
        raise TokenError(
            "name_too_long", _("令牌名称不能超过 %(count)s 个字符。") % {"count": TOKEN_NAME_MAX}
        )
    if not user.is_active:
        raise TokenError("inactive_user", _("该账号已停用，不能创建令牌。"))
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=prefix, token_hash=_hash(secret))
    return f"shk_{prefix}_{secret}"


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (revoking twice changes nothing the second time)."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise TokenError("not_found", _("没有找到这个令牌。"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


_TOKEN_SQL: dict[str, str] = {}


def _token_sql() -> str:
    """Token, user and organisation in one statement (every token-authenticated request runs it)."""
    found = _TOKEN_SQL.get(connection.vendor)
    if found is None:
        quote = connection.ops.quote_name
        found = _TOKEN_SQL[connection.vendor] = (
            f"SELECT {sql.columns(ApiToken, 't')}, {sql.columns(User, 'u')}, {sql.columns(Organisation, 'o')} "
            f"FROM {quote(ApiToken._meta.db_table)} t "
            f"JOIN {quote(User._meta.db_table)} u ON u.id = t.user_id "
            f"LEFT JOIN {quote(Organisation._meta.db_table)} o ON o.id = u.organisation_id "
            f"WHERE t.prefix = %s AND t.revoked_at IS NULL"
        )
    return found


def user_for_api_token(raw: str) -> User | None:
    try:
        scheme, prefix, secret = raw.split("_", 2)
    except ValueError:
        return None
    if scheme != "shk":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    token = sql.instance(ApiToken, row)
    if not hmac.compare_digest(token.token_hash, _hash(secret)):
        return None
    user = sql.instance(User, row, sql.width(ApiToken))
    if not user.is_active:
        return None
    # The organisation comes along: a customer's request nearly always needs it (entitlements, tickets).
    if user.organisation_id is not None:
        user.organisation = sql.instance(Organisation, row, sql.width(ApiToken) + sql.width(User))
    now = timezone.now()
    # "Last used" is kept to the minute: a busy integration does not write the token row on every call.
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user
