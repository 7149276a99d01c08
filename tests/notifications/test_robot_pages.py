"""The staff page for IM robots: one's own robot, the service team's group robots, the test button."""

from __future__ import annotations

import pytest

from successhub.accounts.models import Role
from successhub.integrations import secrets
from successhub.notifications import robots
from successhub.notifications.models import Robot, RobotMessage

pytestmark = pytest.mark.django_db

PAGE = "/notifications/robots/"


def save_own(client, url: str, secret: str = "", tool: str = "dingtalk", name: str = "王工的机器人"):
    return client.post(
        PAGE,
        {"action": "save", "own-tool": tool, "own-name": name, "own-webhook_url": url, "own-secret": secret},
        follow=True,
    )


def test_an_engineer_sets_up_their_own_robot_tests_it_and_warnings_go_through_it(
    client, make_user, standin, eager, django_capture_on_commit_callbacks
):
    engineer = make_user(role=Role.SUPPORT_ENGINEER, username="wang", display_name="王工")
    server = standin("dingtalk")
    url = server.add_robot("own-token", "SECown-secret")
    client.force_login(engineer)

    page = save_own(client, url, "SECown-secret").content.decode()

    robot = Robot.objects.get(owner=engineer)
    assert "机器人已保存" in page and "已设置" in page
    assert "own-token" not in page and "SECown-secret" not in page  # never shown again
    assert secrets.unseal(robot.webhook_sealed) == url and "SECown-secret" not in robot.secret_sealed

    response = client.post(PAGE, {"action": "test", "robot": robot.pk, "text": "测试一下"}, follow=True)
    assert "测试消息已送达（HTTP 200，返回码 0）" in response.content.decode()
    assert server.texts() == ["测试一下"]  # signed as DingTalk wants it, or it would be refused

    with django_capture_on_commit_callbacks(execute=True):
        robots.tell_staff([engineer], "ticket.sla_at_risk", "工单 T-9 即将超时")
    assert server.texts()[-1] == "工单 T-9 即将超时"


def test_a_wrong_signing_secret_shows_the_tools_refusal_in_words(client, make_user, standin):
    engineer = make_user(role=Role.SUPPORT_ENGINEER)
    server = standin("dingtalk")
    client.force_login(engineer)
    save_own(client, server.add_robot("tok", "SECright"), "SECwrong")
    robot = Robot.objects.get(owner=engineer)

    page = client.post(PAGE, {"action": "test", "robot": robot.pk}, follow=True).content.decode()

    assert "测试消息被拒绝（HTTP 200，返回码 310000" in page
    assert server.accepted == []


def test_leaving_the_webhook_empty_keeps_it_and_a_new_robot_needs_one(client, make_user, standin):
    engineer = make_user(role=Role.SUPPORT_ENGINEER)
    client.force_login(engineer)

    page = save_own(client, "", tool="wecom").content.decode()
    assert "请填写机器人的 Webhook 地址" in page and not Robot.objects.exists()

    url = standin("wecom").add_robot("key-1")
    save_own(client, url, tool="wecom")
    robot = Robot.objects.get()
    client.post(
        PAGE,
        {
            "action": "save",
            "robot": robot.pk,
            f"r{robot.pk}-tool": "wecom",
            f"r{robot.pk}-name": "改个名字",
            f"r{robot.pk}-webhook_url": "",
            f"r{robot.pk}-secret": "",
        },
    )
    robot.refresh_from_db()
    assert robot.name == "改个名字" and secrets.unseal(robot.webhook_sealed) == url


@pytest.mark.parametrize(
    ("role", "may"),
    [
        pytest.param(Role.SERVICE_ADMIN, True, id="a-service-admin-sets-up-the-team-group"),
        pytest.param(Role.SUPPORT_ENGINEER, False, id="an-engineer-may-not"),
        pytest.param(Role.TECHNICAL_MANAGER, False, id="a-technical-manager-may-not"),
    ],
)
def test_who_sets_up_the_service_teams_group_robot(role, may, client, make_user, standin):
    client.force_login(make_user(role=role))
    url = standin("yunzhijia").add_robot("team-token")

    page = client.post(
        PAGE,
        {
            "action": "save",
            "staff_group": "1",
            "team-tool": "yunzhijia",
            "team-name": "服务团队群",
            "team-webhook_url": url,
        },
        follow=True,
    ).content.decode()

    assert Robot.objects.filter(staff_group=True, owner=None).exists() == may
    assert ("添加服务团队群机器人" in page) == may
    if not may:
        assert "只有服务管理员可以设置服务团队群机器人" in page


def test_customers_and_other_peoples_robots_are_out_of_reach(client, make_user, make_org, make_robot):
    someone = make_user(role=Role.SUPPORT_ENGINEER)
    theirs = robots.bind_robot(
        None, name="他的", tool="wecom", webhook_url="https://example.test/x", owner=someone
    )
    client.force_login(make_user(make_org(), role=Role.CUSTOMER_ADMIN))
    assert client.get(PAGE).status_code == 404

    client.force_login(make_user(role=Role.SUPPORT_ENGINEER))
    assert client.post(PAGE, {"action": "test", "robot": theirs.pk}).status_code == 404
    assert client.post(PAGE, {"action": "active", "robot": theirs.pk, "active": "0"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.active and not RobotMessage.objects.exists()


def test_a_disabled_robot_gets_no_warnings(client, make_user, standin):
    engineer = make_user(role=Role.SUPPORT_ENGINEER)
    client.force_login(engineer)
    save_own(client, standin("wecom").add_robot("k"), tool="wecom")
    robot = Robot.objects.get()

    client.post(PAGE, {"action": "active", "robot": robot.pk, "active": "0"})

    robot.refresh_from_db()
    assert not robot.active
    assert robots.tell_staff([engineer], "ticket.sla_breached", "x") == []  # no team group either
