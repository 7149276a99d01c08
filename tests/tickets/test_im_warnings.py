"""SLA warnings and ticket news over IM robots: the engineer's robot, the team group, the customer's group."""

from __future__ import annotations

import pytest

from successhub.accounts.models import Role
from successhub.notifications import robots
from successhub.notifications.models import GroupPreference, RobotMessage
from successhub.tickets import tasks
from successhub.tickets.services import working

from .conftest import beijing

pytestmark = pytest.mark.django_db


def test_an_at_risk_warning_reaches_the_engineers_robot_and_the_customers_group_once(
    file_ticket, engineer, advanced, make_user, make_robot, standin
):
    wecom, yzj = standin("wecom"), standin("yunzhijia")
    manager = make_user(role=Role.TECHNICAL_MANAGER, phone="13700000003")
    advanced.technical_manager = manager
    advanced.save()
    make_robot("wecom", wecom.add_robot("eng"), owner=engineer)
    make_robot("wecom", wecom.add_robot("team"), staff_group=True)
    make_robot("yunzhijia", yzj.add_robot("cust"), organisation=advanced)
    GroupPreference.objects.create(organisation=advanced, kind="ticket.sla_at_risk", wanted=True)
    ticket = file_ticket(now=beijing(2026, 11, 23, 9, 0))

    assert tasks.warn_at_risk_tickets(now=beijing(2026, 11, 23, 16, 0)) == 1
    assert tasks.warn_at_risk_tickets(now=beijing(2026, 11, 23, 16, 5)) == 0
    robots.deliver_due_robot_messages()

    by_robot = {a.robot: a for a in wecom.accepted}
    assert set(by_robot) == {"eng", "team"}
    assert ticket.number in by_robot["eng"].text and "即将超过首次响应时限" in by_robot["eng"].text
    assert by_robot["team"].mentions == ("13700000003",)  # the manager has no robot of their own
    [customer_post] = yzj.texts()
    assert ticket.number in customer_post and "加紧处理" in customer_post
    assert RobotMessage.objects.count() == 3


def test_ticket_news_reaches_the_group_only_when_the_customer_wants_it(
    file_ticket, engineer, advanced, make_robot, standin
):
    server = standin("dingtalk")
    make_robot("dingtalk", server.add_robot("g", "SECg"), "SECg", organisation=advanced)
    ticket = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    working.reply(ticket, engineer, "请提供截图", now=beijing(2026, 11, 23, 9, 5))
    robots.deliver_due_robot_messages()
    assert server.texts() == []

    GroupPreference.objects.create(organisation=advanced, kind="ticket.replied", wanted=True)
    working.reply(ticket, engineer, "已定位问题", now=beijing(2026, 11, 23, 9, 10))
    robots.deliver_due_robot_messages()
    [post] = server.texts()
    assert f"工单 {ticket.number} 有新回复：已定位问题" in post
