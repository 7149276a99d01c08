"""Signed license files: Ed25519 over the canonical JSON of the license, in base64.

A file is ``{"license": {...}, "key_id": "...", "signature": "..."}``. The canonical
form is ``json.dumps(license, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
encoded as UTF-8. A key id names the public key (the first 16 hex digits of the SHA-256
of its raw 32 bytes), so a verifier holding several keys (after a rotation) picks the right one.
Pure Python: no Django.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

REQUIRED_FIELDS = (
    "number",
    "organisation",
    "product",
    "version",
    "modules",
    "kind",
    "valid_from",
    "issued_at",
)


def canonical_json(license_: Mapping) -> bytes:
    return json.dumps(license_, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def sign(license_: Mapping, private_key: Ed25519PrivateKey) -> dict:
    signature = private_key.sign(canonical_json(license_))
    return {
        "license": dict(license_),
        "key_id": key_id(private_key.public_key()),
        "signature": base64.b64encode(signature).decode("ascii"),
    }


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str  # "ok", "malformed", "unknown_key", "bad_signature", "incomplete"
    message: str
    license: Mapping | None = None


def verify(document: object, public_keys: Mapping[str, Ed25519PublicKey]) -> Verdict:
    """Check a parsed license file against the trusted public keys (by key id)."""
    if not isinstance(document, Mapping):
        return Verdict(False, "malformed", "the file is not a JSON object")
    license_, kid, signature = document.get("license"), document.get("key_id"), document.get("signature")
    if not isinstance(license_, Mapping) or not isinstance(kid, str) or not isinstance(signature, str):
        return Verdict(False, "malformed", 'expected {"license": {...}, "key_id": "...", "signature": "..."}')
    if set(document) - {"license", "key_id", "signature"}:
        return Verdict(False, "malformed", "unexpected fields beside license, key_id and signature")
    public_key = public_keys.get(kid)
    if public_key is None:
        return Verdict(False, "unknown_key", f"signed with unknown key {kid}")
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return Verdict(False, "bad_signature", "the signature is not base64")
    try:
        public_key.verify(raw, canonical_json(license_))
    except InvalidSignature:
        return Verdict(False, "bad_signature", "the signature does not match the license content")
    missing = [name for name in REQUIRED_FIELDS if name not in license_]
    if missing:
        return Verdict(False, "incomplete", "the license lacks " + ", ".join(missing))
    return Verdict(True, "ok", "valid", license_)
