"""The one retry policy of every outbox here (webhooks, e-mail, IM robots).

``SUCCESSHUB_WEBHOOK_MAX_ATTEMPTS`` (8): attempts before a message is dead and listed for admins.
``SUCCESSHUB_WEBHOOK_BACKOFF_SECONDS`` (60) and ``SUCCESSHUB_WEBHOOK_MAX_BACKOFF_SECONDS`` (3600):
the wait after the n-th failure is base × 2^(n-1), capped. ``SUCCESSHUB_OUTBOX_LEASE_SECONDS``: how
long a sender holds a claimed row (default: twice the send timeout plus 30 s), after which a dead
sender's rows are taken by the next sweep. (The setting names predate e-mail and robots sharing them.)
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def _setting(name: str, default):
    return getattr(settings, name, default)


def max_attempts() -> int:
    return int(_setting("SUCCESSHUB_WEBHOOK_MAX_ATTEMPTS", 8))


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: base, 2×base, 4×base … capped."""
    base = int(_setting("SUCCESSHUB_WEBHOOK_BACKOFF_SECONDS", 60))
    cap = int(_setting("SUCCESSHUB_WEBHOOK_MAX_BACKOFF_SECONDS", 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def timeout() -> float:
    return float(_setting("SUCCESSHUB_WEBHOOK_TIMEOUT_SECONDS", 5))


def lease() -> timedelta:
    # Longer than one send can take, so a live sender never loses its claim; a dead one's lapses.
    configured = _setting("SUCCESSHUB_OUTBOX_LEASE_SECONDS", None)
    if configured:
        return timedelta(seconds=float(configured))
    return timedelta(seconds=2 * timeout() + 30)
