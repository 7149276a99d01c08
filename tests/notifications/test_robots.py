"""IM robots as a notification transport: the outbox, its retries, the tools' rate limits, the dead-letter list."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from successhub.integrations import secrets
from successhub.notifications import robots
from successhub.notifications.models import GroupPreference, NotificationPreference, Robot, RobotMessage
from successhub.notifications.services import tell_customer

pytestmark = pytest.mark.django_db

TOOLS = ["yunzhijia", "wecom", "dingtalk"]


@pytest.mark.parametrize("tool", TOOLS)
def test_a_robot_message_reaches_the_tool_in_its_format(
    tool, standin, make_robot, eager, django_capture_on_commit_callbacks
):
    server = standin(tool)
    robot = make_robot(
        tool,
        server.add_robot("k1", "SECsign" if tool == "dingtalk" else ""),
        "SECsign" if tool == "dingtalk" else "",
    )

    with django_capture_on_commit_callbacks(execute=True):
        robots.send_to_robots([robot], "test.kind", "工单 T-1 有新回复", mentions=["13800000001"])

    [accepted] = server.accepted
    assert accepted.text.startswith("工单 T-1 有新回复")
    assert accepted.mentions == ("13800000001",)
    message = RobotMessage.objects.get()
    assert message.status == "delivered" and message.last_code == "0"


@pytest.mark.parametrize(
    ("tool", "fits"),
    [
        pytest.param("yunzhijia", lambda t: len(t) <= 3000, id="yunzhijia-3000-characters"),
        pytest.param("wecom", lambda t: len(t.encode()) <= 2048, id="wecom-2048-bytes"),
        pytest.param("dingtalk", lambda t: len(t.encode()) <= 20000, id="dingtalk-20000-bytes"),
    ],
)
def test_a_text_longer_than_the_tools_limit_is_cut_to_fit_and_taken(tool, fits, standin):
    server = standin(tool)
    secret = "SECsign" if tool == "dingtalk" else ""
    long_text = "凭证无法保存，" * 4000

    result = robots.send_test_message(tool, server.add_robot("k1", secret), secret, long_text)

    [accepted] = server.accepted
    assert result.ok and fits(accepted.text) and accepted.text.endswith("…")
    assert long_text.startswith(accepted.text[:-1])


def test_dingtalk_refuses_a_wrong_signature_and_the_message_goes_to_the_dead_letters_at_once(
    standin, make_robot
):
    server = standin("dingtalk")
    robot = make_robot("dingtalk", server.add_robot("tok", "SECright"), "SECwrong")

    robots.send_to_robots([robot], "test.kind", "hello")
    robots.deliver_due_robot_messages()

    message = RobotMessage.objects.get()
    assert server.accepted == []
    assert message.status == "failed" and message.last_code == "310000" and message.attempts == 1


def test_a_failing_tool_is_retried_with_exponential_backoff_then_dead(standin, make_robot, settings):
    settings.SUCCESSHUB_WEBHOOK_MAX_ATTEMPTS = 3
    settings.SUCCESSHUB_WEBHOOK_BACKOFF_SECONDS = 60
    server = standin("wecom")
    robot = make_robot("wecom", server.add_robot("k"))
    server.fail_next = [502, 502, 502]
    [message_id] = robots.send_to_robots([robot], "test.kind", "hello")
    start = timezone.now()

    assert robots.deliver_robot_message(message_id, now=start) is False
    message = RobotMessage.objects.get()
    assert message.next_attempt_at == start + timedelta(seconds=60)
    assert robots.deliver_robot_message(message_id, now=start + timedelta(seconds=30)) is False  # not due yet
    assert RobotMessage.objects.get().attempts == 1
    robots.deliver_robot_message(message_id, now=start + timedelta(seconds=61))
    assert RobotMessage.objects.get().next_attempt_at == start + timedelta(seconds=61 + 120)
    robots.deliver_robot_message(message_id, now=start + timedelta(seconds=61 + 121))
    message = RobotMessage.objects.get()
    assert message.status == "failed" and message.attempts == 3

    # The admin resends it from the dead-letter list: a fresh budget, sent at once.
    assert robots.resend_robot_messages([message_id]) == 1
    robots.deliver_due_robot_messages()
    assert RobotMessage.objects.get().status == "delivered"
    assert len(server.accepted) == 1


class SenderKilled(BaseException):
    """Stands for kill -9: nothing after it runs in the sender (not even ``except Exception``)."""


def test_a_sender_killed_mid_request_never_posts_twice_and_its_other_claims_go_out_once(
    standin, make_robot, monkeypatch
):
    server = standin("yunzhijia")
    robots_ = [make_robot("yunzhijia", server.add_robot(f"g{n}")) for n in range(3)]
    ids = [
        robots.send_to_robots([robot], "ticket.sla_at_risk", f"预警 {n}")[0]
        for n, robot in enumerate(robots_)
    ]
    start = timezone.now()
    real_send = robots.http.send

    def killed_after_the_tool_took_it(tool, prepared, timeout):
        real_send(tool, prepared, timeout)
        raise SenderKilled

    monkeypatch.setattr(robots.http, "send", killed_after_the_tool_took_it)
    with pytest.raises(SenderKilled):
        robots.deliver_due_robot_messages(now=start)  # claims all three, dies inside the first request
    monkeypatch.setattr(robots.http, "send", real_send)
    assert server.texts() == ["预警 0"]

    robots.deliver_due_robot_messages(now=start + timedelta(seconds=5))  # the claims still hold
    assert server.texts() == ["预警 0"]
    later = start + robots.retry.lease() + timedelta(seconds=1)
    robots.deliver_due_robot_messages(now=later)  # a new sender, after the dead one's claims lapsed

    assert sorted(server.texts()) == ["预警 0", "预警 1", "预警 2"]  # each once
    in_doubt = RobotMessage.objects.get(pk=ids[0])
    assert (in_doubt.status, in_doubt.last_code) == ("failed", "in_doubt")  # on the dead-letter list
    assert all(RobotMessage.objects.get(pk=pk).status == "delivered" for pk in ids[1:])
    robots.deliver_due_robot_messages(now=later + timedelta(hours=2))
    assert len(server.texts()) == 3  # never sent again by itself

    robots.resend_robot_messages([ids[0]])  # the admin decides the group did not get it
    robots.deliver_due_robot_messages(now=later + timedelta(hours=3))
    assert RobotMessage.objects.get(pk=ids[0]).status == "delivered" and len(server.texts()) == 4


def test_a_slow_sender_whose_claim_lapsed_and_was_taken_does_not_send_it_again(standin, make_robot):
    server = standin("wecom")
    [message_id] = robots.send_to_robots([make_robot("wecom", server.add_robot("k"))], "k", "只发一次")
    start = timezone.now()
    claimed, slow_token = robots._claim(start)  # a sender claims it, then is held up by earlier messages
    assert claimed == [message_id]

    robots.deliver_due_robot_messages(now=start + robots.retry.lease() + timedelta(seconds=1))  # another
    [row] = robots._claimed_rows([message_id])
    robots._send(row, start, slow_token)  # the slow sender reaches it at last

    assert server.texts() == ["只发一次"]
    assert RobotMessage.objects.get().status == "delivered"


def test_wecom_twenty_a_minute_is_kept_without_spending_attempts(standin, make_robot):
    server = standin("wecom")
    robot = make_robot("wecom", server.add_robot("busy"))
    ids = [robots.send_to_robots([robot], "test.kind", f"m{n}")[0] for n in range(22)]
    now = timezone.now()

    for message_id in ids:
        robots.deliver_robot_message(message_id, now=now)

    assert len(server.accepted) == 20
    waiting = RobotMessage.objects.filter(delivered_at__isnull=True)
    assert waiting.count() == 2
    assert all(m.attempts == 0 and m.next_attempt_at > now for m in waiting)
    assert server.refused == []  # we held back; the tool never had to refuse


def test_a_tool_saying_too_fast_postpones_without_spending_an_attempt(standin, make_robot):
    server = standin("dingtalk", per_minute=1)
    robot = make_robot("dingtalk", server.add_robot("t"))
    first, second = (robots.send_to_robots([robot], "k", text)[0] for text in ("a", "b"))
    now = timezone.now()
    robots.deliver_robot_message(first, now=now)
    robots.deliver_robot_message(second, now=now)

    message = RobotMessage.objects.get(pk=second)
    assert message.delivered_at is None and message.attempts == 0
    assert message.next_attempt_at == now + timedelta(seconds=60)


def test_enqueueing_with_a_dedupe_key_is_idempotent(make_robot):
    robot = make_robot("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=x")
    robots.send_to_robots([robot], "k", "once", dedupe_key="sla:1")
    robots.send_to_robots([robot], "k", "once", dedupe_key="sla:1")
    assert RobotMessage.objects.count() == 1


def test_secrets_are_sealed_at_rest_and_never_in_errors(standin, make_robot):
    robot = make_robot("dingtalk", "http://127.0.0.1:9/robot/send?access_token=TOPSECRET", "SECtopsecret")
    stored = Robot.objects.filter(pk=robot.pk).values("webhook_sealed", "secret_sealed").get()
    assert "TOPSECRET" not in json.dumps(stored) and "SECtopsecret" not in json.dumps(stored)
    assert secrets.unseal(stored["secret_sealed"]) == "SECtopsecret"
    [message_id] = robots.send_to_robots([robot], "k", "x")
    robots.deliver_robot_message(message_id)
    message = RobotMessage.objects.get()
    assert message.last_error and "TOPSECRET" not in message.last_error


def test_tell_customer_reaches_users_and_the_group_unless_the_organisation_turned_the_kind_off(
    make_member, make_robot, standin
):
    server = standin("yunzhijia")
    member = make_member(email="a@example.com")
    organisation = member.organisation
    make_robot("yunzhijia", server.add_robot("g"), organisation=organisation)

    tell_customer(
        organisation,
        "patch.released",
        "补丁 P-7 已发布",
        body="修复凭证打印",
        url="/patches/7/",
        dedupe_key="patch:7",
    )
    assert member.notifications.get().title == "补丁 P-7 已发布"
    robots.deliver_due_robot_messages()
    assert server.texts() == ["补丁 P-7 已发布\n修复凭证打印\n查看详情：/patches/7/"]

    GroupPreference.objects.create(organisation=organisation, kind="patch.released", wanted=False)
    tell_customer(organisation, "patch.released", "补丁 P-8 已发布", dedupe_key="patch:8")
    robots.deliver_due_robot_messages()
    assert len(server.texts()) == 1


@pytest.mark.parametrize(
    ("kind", "rows", "posted"),
    [
        pytest.param("ticket.sla_at_risk", [], False, id="sla-warnings-are-opt-in"),
        pytest.param("ticket.sla_at_risk", [("ticket.sla_at_risk", True)], True, id="opted-in"),
        pytest.param("ticket.sla_at_risk", [("*", True)], False, id="the-wildcard-does-not-opt-in"),
        pytest.param("cloud.upgrade_window", [], True, id="announcements-are-on-by-default"),
        pytest.param("cloud.upgrade_window", [("*", False)], False, id="everything-off"),
    ],
)
def test_which_kinds_reach_a_customers_group(kind, rows, posted, make_org, make_robot):
    organisation = make_org()
    robot = make_robot("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=x", organisation=organisation)
    for row_kind, wanted in rows:
        GroupPreference.objects.create(organisation=organisation, kind=row_kind, wanted=wanted)
    assert (robots.group_robots(organisation.pk, kind) == [robot]) is posted


def test_staff_without_their_own_robot_are_reached_through_the_team_group(make_user, make_robot):
    from successhub.accounts.models import Role

    engineer = make_user(role=Role.SUPPORT_ENGINEER, phone="13900000002")
    manager = make_user(role=Role.TECHNICAL_MANAGER)
    quiet = make_user(role=Role.SUPPORT_ENGINEER)
    NotificationPreference.objects.create(user=quiet, kind="ticket.sla_at_risk", im=False)
    own = make_robot("dingtalk", "http://127.0.0.1:9/robot/send?access_token=m", owner=manager)
    team = make_robot("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=t", staff_group=True)

    robots.tell_staff([engineer, manager, quiet], "ticket.sla_at_risk", "T-1 即将超时", dedupe_key="x")

    by_robot = {m.robot_id: m for m in RobotMessage.objects.all()}
    assert set(by_robot) == {own.pk, team.pk}
    assert by_robot[team.pk].mentions == ["13900000002"]


def test_the_services_do_not_import_the_tasks():
    """notifications.services and notifications.tasks used to import each other."""
    code = (
        "import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'successhub.settings'); "
        "django.setup(); import successhub.notifications.services; "
        "print('successhub.notifications.tasks' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
