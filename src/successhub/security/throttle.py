"""Throttled guessing: passwords and API tokens through django-axes, verification codes by count.

- Login: django-axes (``AXES_*`` in settings) locks an account, and separately an address, after
  ``AXES_FAILURE_LIMIT`` wrong passwords; :func:`lockout_response` answers 429 with a Chinese page
  (JSON under /api/).
- API tokens: every wrong token is recorded with axes as a failed attempt for ``api-token:<prefix>``
  from the caller's address (:func:`token_refused`); once the address is locked, every token from it,
  right or wrong, gets 429 until the cool-off ends or an admin unlocks. The lock is mirrored in the cache
  so that a right token costs no extra query; deleting the axes row (the admin's unlock) clears it.
- Unlock: 后台管理 → Axes → Access attempts, delete the row; or ``successhub axes_reset_username NAME``,
  ``successhub axes_reset_ip ADDRESS``, ``successhub axes_reset``.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from successhub.security.middleware import wants_json

TOKEN_USERNAME_PREFIX = "api-token:"


def lockout_message(request: HttpRequest | None = None) -> str:
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0
    if minutes:
        return _("尝试次数过多，已暂时锁定，请 %(minutes)s 分钟后再试。") % {"minutes": minutes}
    return _("尝试次数过多，已锁定，请联系管理员解锁。")


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    message = lockout_message(request)
    if wants_json(request):
        return JsonResponse({"code": "too_many_attempts", "message": message}, status=429)
    return render(request, "security/locked_out.html", {"message": message}, status=429)


def _lock_key(address: str) -> str:
    return f"security:token-locked:{address}"


def token_address_locked(request: HttpRequest) -> bool:
    """True while the caller's address is locked for token guessing (a cache read, no query)."""
    address = get_client_ip_address(request)
    return bool(address) and cache.get(_lock_key(address)) is not None


def token_refused(request: HttpRequest, raw_token: str) -> bool:
    """Record a wrong token; return True when the address is now locked."""
    prefix = raw_token.split("_")[1] if raw_token.count("_") >= 2 else raw_token
    credentials = {"username": TOKEN_USERNAME_PREFIX + prefix[:32]}
    AxesProxyHandler.user_login_failed(sender=token_refused, credentials=credentials, request=request)
    address = get_client_ip_address(request)
    # Locked by address only: the token prefix is the guesser's choice, the address is not.
    locked = AxesProxyHandler.get_failures(request, {}) >= _failure_limit()
    if locked and address:
        cool_off = get_cool_off(request)
        cache.set(_lock_key(address), 1, int(cool_off.total_seconds()) if cool_off else None)
    return locked


def _failure_limit() -> int:
    from django.conf import settings

    return int(settings.AXES_FAILURE_LIMIT)


@receiver(post_delete, sender=AccessAttempt)
def _unlock_address(sender, instance: AccessAttempt, **kwargs) -> None:
    """An admin deleting the attempt row unlocks the address for tokens too."""
    if instance.ip_address:
        cache.delete(_lock_key(instance.ip_address))
