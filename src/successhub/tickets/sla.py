"""The first-response clock: its target, its deadline, what is left and the state it is in.

The target comes from the catalog item the ticket was accepted under
(``ServiceItem.first_response``: 480 working minutes on 5×8 for Advanced online tickets).
``private_cloud_ops`` and ``custom_dev_maintenance`` state no response time of their own in
the catalog, but the seeds serve both *through online tickets* (通过在线工单提供), so their
tickets run on the ``online_ticket`` item's target of the same plan edition (with the same
contract's special terms); a plan without an online-ticket target has no clock to run and
is refused at filing (``no_response_target``).

The clock pauses while the ticket waits on the customer: the due time is recomputed from
the filing time with every closed pause left out. While a pause is open the clock stands:
time left is frozen at the moment the pause began.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from successhub.calendars.selectors import business_calendar, makeup_day_settings
from successhub.catalog.loader import get_catalog
from successhub.core.catalog import ResponseTarget, ServiceItem, apply_overrides
from successhub.tickets import conf
from successhub.tickets.models import Status

ON_TRACK = "on_track"
AT_RISK = "at_risk"
BREACHED = "breached"
MET = "met"
STOPPED = "stopped"

# Translated when shown (SlaStatus.label).
STATE_LABELS = {
    ON_TRACK: gettext_noop("正常"),
    AT_RISK: gettext_noop("即将超时"),
    BREACHED: gettext_noop("已超时"),
    MET: gettext_noop("已按时响应"),
    STOPPED: gettext_noop("已停止计时"),
}
# A ticket resolved or closed (withdrawn included) before anyone answered: its clock stands then.
_STOPPED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})

# The item whose response target tickets of the other ticket-served items run on.
TICKET_TARGET_ITEM = "online_ticket"


def response_target(
    plan: str, edition: str | None, contract_start: dt.date | None, overrides: dict, item: ServiceItem | None
) -> ResponseTarget | None:
    """The first-response target for a ticket accepted under ``item`` of that plan edition."""
    if item is not None and item.first_response is not None:
        return item.first_response
    catalog = get_catalog()
    the_edition = catalog.edition(plan, edition or None, on=contract_start)
    fallback = the_edition.items.get(TICKET_TARGET_ITEM)
    if fallback is None:
        return None
    special = (overrides or {}).get(TICKET_TARGET_ITEM)
    if special:
        fallback = apply_overrides(fallback, special, catalog.labels, "contract overrides")
    return fallback.first_response


@dataclass(frozen=True)
class Deadlines:
    due_at: dt.datetime
    at_risk_at: dt.datetime
    provisional: bool


def deadlines(
    schedule: str, target_minutes: int, start: dt.datetime, pauses: list[tuple[dt.datetime, dt.datetime]] = ()
) -> Deadlines:
    calendar = business_calendar()
    makeup = makeup_day_settings().get(schedule)  # None: the schedule's own (catalog) setting
    due = calendar.add(schedule, start, target_minutes, include_makeup_days=makeup, pauses=pauses)
    warn_after = target_minutes * (1 - conf.at_risk_fraction())
    at_risk = calendar.add(schedule, start, warn_after, include_makeup_days=makeup, pauses=pauses)
    return Deadlines(due.at, at_risk.at, due.provisional)


@dataclass(frozen=True)
class SlaStatus:
    state: str
    due_at: dt.datetime
    # Working minutes left until the due time (negative once breached); None once responded.
    remaining_minutes: float | None
    paused: bool
    provisional: bool

    @property
    def label(self) -> str:
        return _(STATE_LABELS[self.state]) + (_("（暂停计时）") if self.paused else "")

    @property
    def remaining_text(self) -> str:
        """Working time left in hours and minutes, in the active language (for the countdown)."""
        if self.remaining_minutes is None:
            return ""
        minutes = int(abs(self.remaining_minutes))
        overdue = self.remaining_minutes < 0 or self.state == BREACHED
        if overdue and minutes == 0:
            # Past the due time outside working hours: no working minute has run over yet, and the
            # badge beside this text already says 已超时.
            return ""
        hours, rest = divmod(minutes, 60)
        if hours:
            span = _("%(hours)s 工作小时 %(minutes)s 分钟") % {"hours": hours, "minutes": rest}
        else:
            span = _("%(minutes)s 分钟") % {"minutes": rest}
        if not overdue:
            return _("剩余 %(span)s") % {"span": span}
        return _("超出 %(span)s") % {"span": span}


def status_of(ticket, now: dt.datetime | None = None) -> SlaStatus:
    """The SLA state from the ticket's stored fields (no query)."""
    return statuses([ticket], now)[0]


def statuses(tickets, now: dt.datetime | None = None) -> list[SlaStatus]:
    """The SLA state of many tickets (a queue page): the calendar is fetched once."""
    now = now or timezone.now()
    calendar = business_calendar()
    makeup = makeup_day_settings()
    fraction = conf.at_risk_fraction()
    return [_status(ticket, now, calendar, makeup, fraction) for ticket in tickets]


def _status(ticket, now, calendar, makeup, fraction) -> SlaStatus:
    due = ticket.first_response_due_at
    if ticket.first_responded_at is not None:
        state = MET if ticket.first_responded_at <= due else BREACHED
        return SlaStatus(state, due, None, False, ticket.sla_provisional)
    # A paused clock stands at the moment it paused; closed pauses all lie before that moment.
    clock_now = ticket.paused_since or now
    stopped_at = _stopped_at(ticket)
    if stopped_at is not None:
        clock_now = min(clock_now, stopped_at)
    schedule = ticket.sla_schedule
    left = calendar.between(schedule, clock_now, due, include_makeup_days=makeup.get(schedule)).minutes
    if clock_now >= due:
        state = BREACHED
        left = -abs(left)
    elif stopped_at is not None:
        return SlaStatus(STOPPED, due, None, False, ticket.sla_provisional)
    elif left < ticket.sla_target_minutes * fraction:
        state = AT_RISK
    else:
        state = ON_TRACK
    return SlaStatus(state, due, left, ticket.paused_since is not None, ticket.sla_provisional)


def _stopped_at(ticket) -> dt.datetime | None:
    if ticket.status not in _STOPPED_STATUSES:
        return None
    ends = [at for at in (ticket.resolved_at, ticket.closed_at) if at is not None]
    return min(ends) if ends else None
