"""When the bot cannot help: which person, or which channel, to hand the customer to.

``decide_handoff`` is a pure function of the customer's situation (signed in,
verified, the entitlement decisions for IM human service, online tickets and
the hotline, whether IM is open now, and whether the fault is fatal), so the
rules read, and are tested, as a table:

1. a visitor signs in first (and may post in the community);
2. a signed-in customer who is not verified verifies first;
3. a fatal fault goes to the hotline when the hotline decision allows it
   (for a Standard customer that means fatal only, with quota left: the
   number and the calls left this service year are shown);
4. otherwise, when the channel the customer would expect (the hotline for a fatal fault, else IM
   human service) is refused, the service the reason table (``core/reasons.py``) routes that reason
   to, if available, saying why first when the row asks to (``tell``);
5. otherwise IM human service when entitled and open now;
6. otherwise an online ticket when entitled (pre-filled from the conversation);
7. otherwise the community.

Fatal-fault detection (keyword rules from ``data/handoff.yaml``) is here too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

import yaml

from successhub.core.reasons import handoff_for, reason_of
from successhub.search.analysis import normalize

IM_SERVICE = "im_service"
TICKET = "ticket"
HOTLINE = "hotline"
COMMUNITY = "community"
LOGIN = "login"
VERIFY = "verify"
HUMAN_CHANNELS = frozenset({IM_SERVICE, TICKET, HOTLINE})


@dataclass(frozen=True)
class Right:
    """One entitlement decision, reduced to what hand-off needs."""

    allowed: bool = False
    open_now: bool | None = None
    remaining: Decimal | None = None
    reason: str = ""
    explanation: str = ""
    next_open: dt.datetime | None = None
    fatal_only: bool = False
    # The service's schedule code (its hours are catalog data) and first-response target, if any.
    schedule: str | None = None
    first_response_minutes: int | None = None

    @classmethod
    def from_decision(cls, decision) -> Right:
        if decision is None:
            return cls()
        quota = decision.quota
        return cls(
            allowed=decision.allowed,
            open_now=decision.open_now,
            remaining=quota.remaining if quota else None,
            reason=decision.reason,
            explanation=decision.explanation,
            next_open=decision.next_open,
            fatal_only=bool(decision.item and decision.item.fatal_only),
            schedule=decision.schedule,
            first_response_minutes=(
                decision.item.first_response.working_minutes
                if decision.item and decision.item.first_response
                else None
            ),
        )


NO_RIGHT = Right()


@dataclass(frozen=True)
class Situation:
    signed_in: bool
    fatal: bool = False
    is_customer: bool = True
    verified: bool = True
    plan: str | None = None
    im_service: Right = NO_RIGHT
    online_ticket: Right = NO_RIGHT
    hotline: Right = NO_RIGHT


@dataclass(frozen=True)
class HandoffDecision:
    kind: str
    alternatives: tuple[str, ...] = ()
    note: str = ""
    # The channel whose refusal the bot explains first (``hotline`` or ``im_service``), if any.
    refused: str = ""

    @property
    def options(self) -> tuple[str, ...]:
        return (self.kind, *self.alternatives)


def decide_handoff(situation: Situation) -> HandoffDecision:
    if not situation.signed_in:
        return HandoffDecision(LOGIN, (COMMUNITY,))
    if not situation.is_customer:
        return HandoffDecision(COMMUNITY)
    if not situation.verified:
        return HandoffDecision(VERIFY, (COMMUNITY,))
    im_open = situation.im_service.allowed and situation.im_service.open_now is not False
    ticket = situation.online_ticket.allowed
    available = {IM_SERVICE: im_open, TICKET: ticket, HOTLINE: situation.hotline.allowed, COMMUNITY: True}
    if situation.fatal and situation.hotline.allowed:
        return HandoffDecision(HOTLINE, _present((IM_SERVICE, im_open), (TICKET, ticket)))
    note = ""
    # The channel the customer would expect, if refused: the reason table names where to go instead,
    # and whether to say why first (e.g. the hotline's calls are used up).
    refused_channel, refused = (
        (HOTLINE, situation.hotline) if situation.fatal else (IM_SERVICE, situation.im_service)
    )
    instead = told = None
    if not refused.allowed and refused.reason:
        reason = reason_of(refused.reason)
        if reason is not None and reason.row.tell:
            note, told = f"{refused_channel}_{reason.value}", refused_channel
        route = handoff_for(refused.reason, lambda service: available.get(_KIND_OF.get(service, ""), False))
        instead = _KIND_OF.get(route or "")
    told = told or ""
    if instead == HOTLINE:
        return HandoffDecision(HOTLINE, _present((IM_SERVICE, im_open), (TICKET, ticket)), note, told)
    if instead == IM_SERVICE or (instead is None and im_open):
        return HandoffDecision(IM_SERVICE, _present((TICKET, ticket)), note, told)
    if instead == TICKET or (instead is None and ticket):
        if situation.im_service.allowed:
            note = note or "im_closed"
        return HandoffDecision(TICKET, (COMMUNITY,), note, told)
    return HandoffDecision(COMMUNITY, (), note, told)


# The catalog's service codes in the reason table's routes, as hand-off kinds.
_KIND_OF = {"im_service": IM_SERVICE, "online_ticket": TICKET, "hotline": HOTLINE, "community": COMMUNITY}


def _present(*candidates: tuple[str, bool]) -> tuple[str, ...]:
    return tuple(kind for kind, available in candidates if available)


# --- fatal faults ------------------------------------------------------------------


@lru_cache(maxsize=1)
def handoff_settings() -> dict:
    text = (
        resources.files("successhub.assistant").joinpath("data", "handoff.yaml").read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def _fatal_patterns() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(rule) for rule in handoff_settings()["fatal_rules"])


def looks_fatal(text: str) -> bool:
    """Whether ``text`` reads like a fatal fault (系统大面积不可用或异常阻塞)."""
    normalised = normalize(text)
    return any(pattern.search(normalised) for pattern in _fatal_patterns())
