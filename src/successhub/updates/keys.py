"""The license-signing key: from the environment, a key file, or (embedded default) one made in ``var/``.

- ``SUCCESSHUB_LICENSE_SIGNING_KEY``: the Ed25519 private key as PEM (PKCS#8) text;
- ``SUCCESSHUB_LICENSE_KEY_FILE``: a path to such a PEM file;
- otherwise ``var/license-signing-key.pem`` is created on first use (mode 0600), except in production.

Rotation: put the former public keys (PEM, one or more per file) in the file named by
``SUCCESSHUB_LICENSE_TRUSTED_KEYS``; licenses signed by them still verify, new ones are signed
with the current key. Key ids are derived from the public keys themselves.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from successhub.core.licensing import key_id

_lock = threading.Lock()
_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)


class KeyUnavailable(Exception):
    """The signing key is configured but cannot be read."""


def default_key_path() -> Path:
    return Path(settings.VAR_DIR) / "license-signing-key.pem"


def _load_private(pem: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyUnavailable(f"{where} is not a PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyUnavailable(f"{where} is not an Ed25519 key")
    return key


def signing_key() -> Ed25519PrivateKey:
    text = os.environ.get("SUCCESSHUB_LICENSE_SIGNING_KEY", "").strip()
    if text:
        return _load_private(text.encode(), "SUCCESSHUB_LICENSE_SIGNING_KEY")
    configured = os.environ.get("SUCCESSHUB_LICENSE_KEY_FILE", "").strip()
    if configured:
        try:
            return _load_private(Path(configured).read_bytes(), configured)
        except OSError as exc:
            raise KeyUnavailable(f"cannot read {configured}: {exc.strerror}") from exc
    path = default_key_path()
    with _lock:
        if not path.exists():
            if settings.PRODUCTION:
                raise ImproperlyConfigured(
                    "Set SUCCESSHUB_LICENSE_SIGNING_KEY or SUCCESSHUB_LICENSE_KEY_FILE in production."
                )
            _create(path)
    return _load_private(path.read_bytes(), str(path))


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def trusted_public_keys() -> dict[str, Ed25519PublicKey]:
    """The current key and any former keys, by key id."""
    keys: dict[str, Ed25519PublicKey] = {}
    current = signing_key().public_key()
    keys[key_id(current)] = current
    extra = os.environ.get("SUCCESSHUB_LICENSE_TRUSTED_KEYS", "").strip()
    if extra:
        try:
            text = Path(extra).read_text(encoding="ascii")
        except OSError as exc:
            raise KeyUnavailable(f"cannot read {extra}: {exc.strerror}") from exc
        for block in _PEM_BLOCK.findall(text):
            key = serialization.load_pem_public_key(block.encode())
            if isinstance(key, Ed25519PublicKey):
                keys[key_id(key)] = key
    return keys
