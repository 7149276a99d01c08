"""IM human service rules: who may chat when, the queue, messages stored once and in order, agents."""

from __future__ import annotations

import datetime as dt

import pytest

from successhub.chat import services
from successhub.chat.errors import ChatError, NotAllowed
from successhub.chat.models import ChatMessage, SessionStatus

from .conftest import CLOSED, NIGHT, OPEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard(make_org, add_contract, add_deployment):
    org = make_org(name="南方标准零售")
    add_deployment(org, "galaxy", "public_cloud")
    add_contract(org, "standard", start=dt.date(2026, 1, 1), end=dt.date(2028, 12, 31), amount="0")
    return org


@pytest.mark.parametrize(
    ("who", "product", "entry", "at", "allowed", "open_now", "code"),
    [
        ("advanced", "galaxy", "in_product", OPEN, True, True, "ok"),
        ("advanced", "galaxy", "community", OPEN, True, True, "ok"),
        ("advanced", "galaxy", "in_product", CLOSED, True, False, "ok"),
        ("advanced", "galaxy", "in_product", NIGHT, True, False, "ok"),
        ("advanced", "cosmic", "in_product", OPEN, False, False, "product_not_eligible"),
        ("standard", "galaxy", "in_product", OPEN, False, False, "not_in_plan"),
        ("unverified", "galaxy", "in_product", OPEN, False, False, "not_verified"),
    ],
    ids=[
        "advanced galaxy in product, open",
        "advanced from the community",
        "lunch break is closed",
        "evening is closed",
        "cosmic is not an IM product",
        "standard has no IM",
        "unverified user",
    ],
)
def test_who_may_chat_and_when(
    who, product, entry, at, allowed, open_now, code, clock, advanced, standard, make_user
):
    clock.set(at)
    org = standard if who == "standard" else advanced
    user = make_user(org, verified=who != "unverified")
    found = services.eligibility(user, product, entry)
    assert (found.allowed, found.open_now, found.code) == (allowed, open_now, code)
    if allowed and not open_now:
        assert found.next_open is not None and found.next_open > at


def test_closed_refusal_names_the_next_opening(clock, customer):
    clock.set(CLOSED)
    with pytest.raises(ChatError) as refused:
        services.start_chat(customer, "galaxy")
    assert refused.value.code == "closed"
    assert refused.value.detail["next_open"].startswith("2026-03-07T13:00")


def test_queue_position_and_expected_wait(agent, advanced, make_user):
    sessions = [services.start_chat(make_user(advanced), "galaxy") for _ in range(3)]
    infos = [services.queue_info(s) for s in sessions]
    assert [i.position for i in infos] == [1, 2, 3]
    assert infos[2].expected_wait_minutes == 18  # 3 × the default 6 minutes, one agent online
    services.accept(agent, sessions[0])
    assert services.queue_info(sessions[2]).position == 2


def test_messages_are_numbered_stored_once_and_resumed_after_a_seq(agent, customer):
    session = services.start_chat(customer, "galaxy")
    services.accept(agent, session)
    first, created = services.post_message(session, customer, "你好", "c-1")
    again, created_again = services.post_message(session, customer, "你好", "c-1")
    assert created and not created_again and first.pk == again.pk
    services.post_message(session, agent, "您好，请讲", "a-1")
    seqs = [m.seq for m in ChatMessage.objects.filter(session=session).order_by("seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    assert [m.body for m in services.messages_after(session, first.seq)][-1] == "您好，请讲"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "empty_message"),
        ("   ", "empty_message"),
        ("长" * 4001, "message_too_long"),
        ("a\x00b", "invalid_message"),
    ],
    ids=["empty", "blank", "oversized", "NUL byte"],
)
def test_bad_messages_are_refused_and_not_stored(body, code, customer):
    session = services.start_chat(customer, "galaxy")
    before = ChatMessage.objects.count()
    with pytest.raises(ChatError) as refused:
        services.post_message(session, customer, body)
    assert refused.value.code == code
    assert ChatMessage.objects.count() == before


def test_outsiders_cannot_post(customer, advanced, make_user, agent2):
    session = services.start_chat(customer, "galaxy")
    with pytest.raises(NotAllowed):
        services.post_message(session, make_user(advanced), "hi")
    with pytest.raises(NotAllowed):  # an engineer who has not accepted it
        services.post_message(session, agent2, "hi")


def test_concurrency_limit_and_availability(agent2, advanced, make_user):
    first, second = (services.start_chat(make_user(advanced), "galaxy") for _ in range(2))
    services.accept(agent2, first)
    with pytest.raises(ChatError) as full:
        services.accept(agent2, second)
    assert full.value.code == "agent_at_capacity"
    services.set_presence(agent2, "away")
    services.end(agent2, first)
    with pytest.raises(ChatError) as away:
        services.accept(agent2, second)
    assert away.value.code == "agent_not_online"


def test_transfer_end_and_rate(agent, agent2, customer):
    session = services.start_chat(customer, "galaxy")
    services.accept(agent, session)
    services.transfer(agent, session, agent2)
    session.refresh_from_db()
    assert session.agent == agent2
    with pytest.raises(NotAllowed):
        services.post_message(session, agent, "还在吗")
    services.end(customer, session)
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED
    with pytest.raises(ChatError):
        services.post_message(session, customer, "再问一句")
    services.rate(customer, session, 5, "很快")
    with pytest.raises(ChatError) as twice:
        services.rate(customer, session, 4)
    assert twice.value.code == "already_rated"


def test_convert_to_ticket_carries_the_transcript(agent, customer):
    session = services.start_chat(customer, "galaxy", topic="凭证保存报错")
    services.accept(agent, session)
    services.post_message(session, customer, "凭证保存时报错：科目不存在", "c-1")
    ticket = services.convert_to_ticket(agent, session, category="application_problem", title="凭证保存报错")
    assert ticket.requester == customer and ticket.channel == "in_product"
    assert "凭证保存时报错：科目不存在" in ticket.description and "IM 人工服务会话" in ticket.description


def test_left_message_becomes_a_prefilled_ticket(clock, customer, client):
    clock.set(NIGHT)
    client.force_login(customer)
    response = client.post(
        "/chat/leave-message/",
        {"product": "galaxy", "body": "月结报表取数不对\n详细情况……", "entry": "community"},
    )
    assert response.status_code == 302 and "/tickets/new/" in response["Location"]
    form = client.get(response["Location"]).content.decode()
    assert "月结报表取数不对" in form and "非服务时间留言" in form
