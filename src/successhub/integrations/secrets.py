"""Secrets at rest: robot webhooks, signing secrets and callback keys are stored sealed (Fernet).

The key comes from the environment (``SUCCESSHUB_SECRETS_KEY``: one or more comma-separated Fernet
keys, the first used to seal, all tried to open, so keys can be rotated). Without it the key is
derived from ``SECRET_KEY`` (itself from the environment; production refuses the default).
Sealed values are never shown again and never logged: :func:`hint` gives what a page may show.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretUnavailable(Exception):
    """A sealed value cannot be opened with the configured keys (wrong or rotated-away key)."""


def _keys() -> list[bytes]:
    configured = [k.strip() for k in os.environ.get("SUCCESSHUB_SECRETS_KEY", "").split(",") if k.strip()]
    if configured:
        return [k.encode() for k in configured]
    from django.conf import settings

    digest = hashlib.sha256(f"successhub-secrets:{settings.SECRET_KEY}".encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def seal(value: str) -> str:
    """The sealed form of ``value`` ("" stays "": nothing to hide)."""
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnavailable("the sealed value cannot be opened with the configured keys") from None
