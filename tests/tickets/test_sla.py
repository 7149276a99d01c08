"""The first-response clock: 480 working minutes on 5×8 for Advanced tickets, paused while waiting."""

from __future__ import annotations

import pytest

from successhub.tickets import sla
from successhub.tickets.models import Status, Ticket
from successhub.tickets.services import working

from .conftest import beijing

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("filed", "due"),
    [
        pytest.param(
            beijing(2025, 3, 3, 9, 0), beijing(2025, 3, 4, 9, 0), id="weekday_morning_next_day_same_time"
        ),
        pytest.param(
            beijing(2025, 3, 3, 12, 30), beijing(2025, 3, 4, 12, 0), id="filed_in_lunch_break_starts_13_00"
        ),
        pytest.param(
            beijing(2025, 3, 3, 11, 0), beijing(2025, 3, 4, 11, 0), id="clock_skips_the_lunch_break"
        ),
        pytest.param(
            beijing(2025, 3, 7, 15, 0), beijing(2025, 3, 10, 15, 0), id="friday_afternoon_runs_over_weekend"
        ),
        pytest.param(
            beijing(2025, 3, 8, 10, 0), beijing(2025, 3, 10, 17, 30), id="filed_on_saturday_starts_monday"
        ),
        pytest.param(beijing(2025, 3, 3, 20, 0), beijing(2025, 3, 4, 17, 30), id="filed_in_the_evening"),
        # 2025 Spring Festival: 28 Jan – 4 Feb off; 26 Jan and 8 Feb are make-up Saturdays/Sundays,
        # which are not 5×8 service days by default (the seeds' 工作日).
        pytest.param(beijing(2025, 1, 27, 16, 0), beijing(2025, 2, 5, 16, 0), id="spring_festival_2025"),
        # 2025 National Day: 1–8 Oct off; 28 Sep (Sunday) and 11 Oct (Saturday) are make-up days.
        pytest.param(beijing(2025, 9, 30, 10, 0), beijing(2025, 10, 9, 10, 0), id="national_day_2025"),
    ],
)
def test_first_response_due_in_one_working_day(file_ticket, engineer, filed, due):
    ticket = file_ticket(now=filed)
    assert ticket.sla_schedule == "5x8"
    assert ticket.sla_target_minutes == 480
    assert ticket.first_response_due_at == due


def test_makeup_day_counts_when_the_schedule_setting_says_so(file_ticket, engineer):
    from successhub.calendars.models import ScheduleSetting
    from successhub.calendars.selectors import bump_version

    ScheduleSetting.objects.create(schedule="5x8", include_makeup_days=True)
    bump_version()
    ticket = file_ticket(now=beijing(2025, 9, 26, 10, 0))  # Friday; Sunday 28 Sep is a make-up day
    assert ticket.first_response_due_at == beijing(2025, 9, 28, 10, 0)


def test_private_cloud_ops_runs_on_the_online_ticket_target(file_ticket, engineer):
    ticket = file_ticket(category="outage", now=beijing(2025, 3, 3, 9, 0))
    assert ticket.service == "private_cloud_ops"
    assert ticket.urgent
    assert (ticket.sla_schedule, ticket.sla_target_minutes) == ("5x8", 480)


def test_pause_while_waiting_on_customer_moves_the_deadline(file_ticket, engineer):
    ticket = file_ticket(now=beijing(2025, 3, 3, 9, 0))
    working.change_status(ticket, engineer, Status.WAITING_ON_CUSTOMER, now=beijing(2025, 3, 3, 10, 0))
    paused = Ticket.objects.get(pk=ticket.pk)
    status = sla.status_of(paused, beijing(2025, 3, 5, 10, 0))
    assert status.paused
    assert status.remaining_minutes == 420  # frozen at the pause: 7 of 8 hours left
    assert status.state == sla.ON_TRACK
    # The customer answers at 14:00: the clock resumes.
    working.reply(paused, ticket.requester, "补充了截图", now=beijing(2025, 3, 3, 14, 0))
    resumed = Ticket.objects.get(pk=ticket.pk)
    assert resumed.status == Status.IN_PROGRESS
    assert resumed.paused_since is None
    # 10:00–14:00 is 3 working hours (lunch excluded): the due time moves from 09:00 to 12:00.
    assert resumed.first_response_due_at == beijing(2025, 3, 4, 12, 0)
    assert resumed.queue_due_at == resumed.first_response_due_at


def test_states_on_track_at_risk_breached_and_met(file_ticket, engineer):
    ticket = file_ticket(now=beijing(2025, 3, 3, 9, 0))
    assert sla.status_of(ticket, beijing(2025, 3, 3, 16, 0)).state == sla.ON_TRACK
    assert sla.status_of(ticket, beijing(2025, 3, 4, 8, 0)).state == sla.AT_RISK  # 1 h of 8 left
    breached = sla.status_of(ticket, beijing(2025, 3, 4, 10, 0))
    assert breached.state == sla.BREACHED
    assert breached.remaining_minutes == -60
    working.reply(ticket, engineer, "您好，我们正在排查。", now=beijing(2025, 3, 3, 10, 0))
    assert sla.status_of(Ticket.objects.get(pk=ticket.pk), beijing(2025, 3, 5, 10, 0)).state == sla.MET


@pytest.mark.parametrize(
    ("filed", "at", "text"),
    [
        pytest.param(
            beijing(2025, 3, 3, 9, 0),
            beijing(2025, 3, 3, 16, 0),
            "剩余 2 工作小时 0 分钟",
            id="countdown_in_working_hours",
        ),
        pytest.param(
            beijing(2025, 3, 3, 9, 0),
            beijing(2025, 3, 4, 10, 0),
            "超出 1 工作小时 0 分钟",
            id="overdue_by_working_time",
        ),
        pytest.param(
            beijing(2025, 3, 3, 17, 30),
            beijing(2025, 3, 4, 20, 0),
            "",
            id="overdue_after_hours_adds_nothing_to_the_badge",
        ),
    ],
)
def test_countdown_text(file_ticket, filed, at, text):
    assert sla.status_of(file_ticket(now=filed), at).remaining_text == text


@pytest.mark.parametrize("at", [beijing(2025, 3, 4, 10, 0), beijing(2025, 3, 4, 20, 0)], ids=["in_hours", "after_hours"])
def test_a_late_ticket_says_overdue_once(file_ticket, at):
    status = sla.status_of(file_ticket(now=beijing(2025, 3, 3, 9, 0)), at)
    assert status.state == sla.BREACHED
    assert f"{status.label} {status.remaining_text}".count("已超时") == 1


def test_phone_contact_is_a_first_response_but_an_internal_note_is_not(file_ticket, engineer):
    ticket = file_ticket(now=beijing(2025, 3, 3, 9, 0))
    working.reply(ticket, engineer, "内部：疑似补丁问题", internal=True, now=beijing(2025, 3, 3, 9, 30))
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at is None
    working.log_contact(
        ticket, engineer, "phone_contact", "电话联系客户，确认现象", now=beijing(2025, 3, 3, 10, 0)
    )
    ticket.refresh_from_db()
    assert ticket.first_responded_at == beijing(2025, 3, 3, 10, 0)
    assert ticket.queue_due_at is None


def test_at_risk_threshold_is_a_setting(settings, file_ticket, engineer):
    settings.TICKETS_SLA_AT_RISK_FRACTION = 0.5
    ticket = file_ticket(now=beijing(2025, 3, 3, 9, 0))
    assert ticket.first_response_at_risk_at == beijing(2025, 3, 3, 14, 0)  # after 4 of 8 working hours
    assert sla.status_of(ticket, beijing(2025, 3, 3, 15, 0)).state == sla.AT_RISK


@pytest.mark.parametrize(
    ("closed", "state", "remaining"),
    [
        pytest.param(
            beijing(2025, 3, 3, 15, 0), sla.STOPPED, None, id="withdrawn_before_the_due_time_stops_the_clock"
        ),
        pytest.param(
            beijing(2025, 3, 4, 10, 0), sla.BREACHED, -60, id="withdrawn_after_it_is_breached_when_it_stopped"
        ),
    ],
)
def test_a_ticket_closed_unanswered_has_its_clock_stand_at_closing(
    file_ticket, customer, closed, state, remaining
):
    ticket = file_ticket(now=beijing(2025, 3, 3, 9, 0))  # due 4 Mar 09:00
    working.withdraw(ticket, customer, "已自行解决", now=closed)
    stopped = Ticket.objects.get(pk=ticket.pk)

    for later in (beijing(2025, 3, 5, 9, 0), beijing(2025, 3, 20, 9, 0)):
        status = sla.status_of(stopped, later)
        assert (status.state, status.remaining_minutes) == (state, remaining), "it no longer counts down"


def test_the_breached_filter_counts_a_ticket_closed_late_but_not_one_closed_in_time(
    file_ticket, customer, engineer
):
    from successhub.tickets import selectors

    in_time = file_ticket(now=beijing(2025, 3, 3, 9, 0))
    late = file_ticket(now=beijing(2025, 3, 3, 9, 0))
    working.withdraw(in_time, customer, now=beijing(2025, 3, 3, 15, 0))
    working.withdraw(late, customer, now=beijing(2025, 3, 4, 10, 0))

    page = selectors.queue_for(
        engineer, selectors.QueueFilters(status="all", breached=True), now=beijing(2025, 3, 20, 9, 0)
    )
    assert [t.number for t in page.object_list] == [late.number]
