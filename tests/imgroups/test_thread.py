"""The group's thread: the response clock on 7×8, automatic replies outside hours, answers, tickets, scope."""

from __future__ import annotations

import pytest

from successhub.accounts.models import Role
from successhub.imgroups import selectors, services
from successhub.imgroups.models import GroupMessage
from successhub.integrations.base import InboundRequest
from successhub.notifications.robots import deliver_due_robot_messages

from .conftest import CREDENTIALS, beijing
from .test_callbacks import forge

pytestmark = pytest.mark.django_db


def say(group, at, text="凭证打印报错", msg_id="m-1", tool=None):
    tool = tool or group.tool
    query, headers, body = forge(tool, CREDENTIALS[tool], text=text, msg_id=msg_id, at=int(at.timestamp()))
    request = InboundRequest("POST", query, {k.lower(): v for k, v in headers.items()}, body)
    return services.receive(tool, group.callback_key, request, now=at).message


@pytest.mark.parametrize(
    ("at", "due", "opening"),
    [
        pytest.param(
            beijing(2026, 11, 24, 10, 0), beijing(2026, 11, 24, 10, 30), None, id="in-hours-30-minutes"
        ),
        pytest.param(
            beijing(2026, 11, 24, 11, 50),
            beijing(2026, 11, 24, 13, 20),
            None,
            id="the-lunch-break-is-skipped",
        ),
        pytest.param(
            beijing(2026, 11, 24, 12, 10),
            beijing(2026, 11, 24, 13, 30),
            "2026-11-24 13:00",
            id="at-lunch-auto-reply-with-13-00",
        ),
        pytest.param(
            beijing(2026, 11, 28, 20, 0),
            beijing(2026, 11, 29, 9, 0),
            "2026-11-29 08:30",
            id="saturday-night-opens-sunday-7x8-is-every-day",
        ),
        pytest.param(
            beijing(2026, 11, 24, 7, 0), beijing(2026, 11, 24, 9, 0), "2026-11-24 08:30", id="early-morning"
        ),
    ],
)
def test_the_response_clock_and_the_automatic_reply(bound_group, at, due, opening):
    group, server = bound_group("yunzhijia")
    message = say(group, at)
    deliver_due_robot_messages()

    assert message.response_due_at == due
    replies = GroupMessage.objects.filter(group=group, kind="auto_reply")
    if opening is None:
        assert not replies.exists() and server.texts() == []
    else:
        [reply] = replies
        assert opening in reply.body and "7×8" in reply.body
        assert server.texts() == [reply.body]


def test_the_response_target_is_a_setting_a_contract_can_change(bound_group, advanced):
    """The seed says 即时响应 without a figure: the catalog's 30 working minutes is a setting, and a
    contract's overrides change it for that customer."""
    contract = advanced.contracts.get()
    contract.overrides = {
        "dedicated_im_group": {"sla": {"first_response": {"working_minutes": 15, "schedule": "7x8"}}}
    }
    contract.save()
    group, _ = bound_group("wecom")

    message = say(group, beijing(2026, 11, 24, 10, 0))

    assert message.response_due_at == beijing(2026, 11, 24, 10, 15)


def test_one_automatic_reply_per_closed_period(bound_group):
    group, server = bound_group("wecom")
    say(group, beijing(2026, 11, 24, 18, 0), msg_id="a")
    say(group, beijing(2026, 11, 24, 22, 0), msg_id="b")
    say(group, beijing(2026, 11, 25, 18, 0), msg_id="c")  # the next evening: a new closed period
    assert GroupMessage.objects.filter(group=group, kind="auto_reply").count() == 2


def test_the_queue_shows_at_risk_and_breached_like_tickets(bound_group, engineer):
    group, _ = bound_group("dingtalk")
    message = say(group, beijing(2026, 11, 24, 10, 0))
    states = [
        selectors.engineer_queue(engineer, now=beijing(2026, 11, 24, minute_hour[0], minute_hour[1]))[0][
            1
        ].state
        for minute_hour in ((10, 5), (10, 25), (10, 31))
    ]
    assert states == ["on_track", "at_risk", "breached"]
    assert message.at_risk_at == beijing(2026, 11, 24, 10, 22, 30)


def test_an_engineer_answers_from_successhub_through_the_robot(bound_group, engineer):
    group, server = bound_group("dingtalk")
    say(group, beijing(2026, 11, 24, 10, 0))

    services.answer(engineer, group, "请在凭证打印设置中选择新模板", now=beijing(2026, 11, 24, 10, 10))
    deliver_due_robot_messages()

    assert server.texts() == ["【王工】请在凭证打印设置中选择新模板"]
    assert selectors.engineer_queue(engineer, now=beijing(2026, 11, 24, 11, 0)) == []
    customer = GroupMessage.objects.get(kind="customer")
    assert selectors.clock(customer).state == "met"


def test_an_answer_written_in_the_tool_itself_stops_the_clock(bound_group, engineer):
    group, _ = bound_group("yunzhijia")
    services.add_vendor_member(engineer, group, engineer, im_id="wang-openid")
    say(group, beijing(2026, 11, 24, 10, 0))
    from successhub.integrations.yunzhijia import standin

    headers, body = standin.callback(
        CREDENTIALS["yunzhijia"],
        sender="wang-openid",
        sender_name="王工",
        text="已处理",
        msg_id="m-2",
        time_ms=int(beijing(2026, 11, 24, 10, 5).timestamp()) * 1000,
    )
    services.receive(
        "yunzhijia",
        group.callback_key,
        InboundRequest("POST", {}, headers, body),
        now=beijing(2026, 11, 24, 10, 5),
    )

    customer = GroupMessage.objects.get(kind="customer")
    assert customer.responded_by == engineer
    assert GroupMessage.objects.get(external_id="m-2").kind == "engineer"


def test_a_message_becomes_a_ticket_in_one_step(bound_group, engineer, people):
    member = people(1)[0]
    group, server = bound_group("wecom", members=[member])
    services.set_im_id(engineer, group.memberships.get(user=member), "zhangsan")
    message = say(group, beijing(2026, 11, 24, 10, 0), text="凭证打印报错\n打印时提示模板不存在")

    ticket = services.to_ticket(
        engineer,
        message,
        product_code="galaxy",
        category="application_problem",
        now=beijing(2026, 11, 24, 10, 3),
    )
    deliver_due_robot_messages()

    assert ticket.requester == member and ticket.title == "凭证打印报错"
    assert ticket.description == "凭证打印报错\n打印时提示模板不存在"
    message.refresh_from_db()
    assert message.ticket == ticket and message.responded_at is not None
    assert ticket.number in server.texts()[-1]


@pytest.mark.parametrize(
    ("code", "first_year", "says"),
    [
        pytest.param(
            "third_party_product", True, "请联系该产品的供应商", id="third-party-goes-to-its-vendor"
        ),
        pytest.param("secondary_development", True, "定制开发", id="secondary-development-in-the-first-year"),
        pytest.param(
            "secondary_development", False, "定制开发维护", id="after-the-first-year-the-suggestion"
        ),
    ],
)
def test_out_of_scope_problems_get_the_seeds_wording_and_the_route(
    bound_group, engineer, code, first_year, says, advanced
):
    if not first_year:
        advanced.contracts.update(start="2020-01-01")
    group, server = bound_group("yunzhijia")
    message = say(group, beijing(2026, 11, 24, 10, 0))

    reply = services.mark_out_of_scope(engineer, message, code, now=beijing(2026, 11, 24, 10, 5))

    assert "不包含二次开发及第三方产品导致的问题" in reply.body
    assert says in reply.body
    message.refresh_from_db()
    assert message.out_of_scope == code and message.responded_at is not None


def test_customers_cannot_answer_or_bind(bound_group, admin):
    group, _ = bound_group("wecom")
    with pytest.raises(services.NotAllowed):
        services.answer(admin, group, "hi")
    with pytest.raises(services.NotAllowed):
        services.bind(admin, group, webhook_url="http://127.0.0.1:1/x")
    assert admin.role == Role.CUSTOMER_ADMIN
