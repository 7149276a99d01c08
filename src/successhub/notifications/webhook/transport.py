"""How a webhook is sent: sign the body, POST it as JSON, report the outcome.

A receiver verifies ``X-SuccessHub-Signature`` as described in ``WEBHOOKS.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from dataclasses import dataclass

USER_AGENT = "SuccessHub-Webhooks/1.0"
SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status: int | None
    error: str


def sign(secret: str, timestamp: str, body: str) -> str:
    """``sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`` with the endpoint's secret."""
    message = f"{timestamp}.{body}".encode()
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: str, signature: str) -> bool:
    """What a receiver does (also used by our tests): constant-time compare."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def headers_for(*, event: str, delivery_id: int, timestamp: str, secret: str, body: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-SuccessHub-Event": event,
        "X-SuccessHub-Delivery": str(delivery_id),
        "X-SuccessHub-Timestamp": timestamp,
        "X-SuccessHub-Signature": sign(secret, timestamp, body),
    }


def post(url: str, body: str, headers: dict[str, str], timeout: float) -> Outcome:
    """POST once; 2xx is delivered, anything else (or no answer) is not."""
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (admin-configured URL)
            status = response.status
    except urllib.error.HTTPError as exc:
        return Outcome(False, exc.code, f"HTTP {exc.code} {exc.reason}"[:1000])
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(False, None, f"{type(exc).__name__}: {reason}"[:1000])
    if 200 <= status < 300:
        return Outcome(True, status, "")
    return Outcome(False, status, f"HTTP {status}")
