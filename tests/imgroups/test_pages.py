"""The pages: the customer admin's group page, the engineers' queue and group page (bind, test, answer)."""

from __future__ import annotations

import pytest

from successhub.imgroups.models import Membership, ServiceGroup
from successhub.notifications.models import Robot
from successhub.notifications.robots import deliver_due_robot_messages

from .conftest import CREDENTIALS

pytestmark = pytest.mark.django_db


def test_the_admin_requests_a_group_with_members_and_a_sixth_is_refused_in_words(client, admin, people):
    users = people(6)
    client.force_login(admin)
    page = client.get("/me/im-group/").content.decode()
    assert page.index("云之家") < page.index("企业微信") < page.index("钉钉")  # the catalog's order

    client.post(
        "/me/im-group/", {"action": "request", "tool": "yunzhijia", "members": [u.pk for u in users[:5]]}
    )
    group = ServiceGroup.objects.get()
    assert group.status == "requested" and group.memberships.count() == 5

    response = client.post("/me/im-group/", {"action": "add", "user": users[5].pk}, follow=True)
    assert "不超过 5 个用户加入" in response.content.decode()
    assert group.memberships.count() == 5


def test_engineers_bind_the_group_and_the_secrets_are_never_shown_again(client, admin, engineer, standin):
    server = standin("dingtalk")
    client.force_login(admin)
    client.post("/me/im-group/", {"action": "request", "tool": "dingtalk"})
    group = ServiceGroup.objects.get()
    client.force_login(engineer)
    url = server.add_robot("bound", "SECbound-secret")

    client.post(
        f"/workspace/im-groups/{group.pk}/",
        {"action": "bind", "webhook_url": url, "secret": "SECbound-secret", **CREDENTIALS["dingtalk"]},
    )

    group.refresh_from_db()
    assert group.status == "active"
    page = client.get(f"/workspace/im-groups/{group.pk}/").content.decode()
    for secret in ("SECbound-secret", "access_token=bound", CREDENTIALS["dingtalk"]["app_secret"]):
        assert secret not in page
    assert "已设置" in page

    response = client.post(
        f"/workspace/im-groups/{group.pk}/", {"action": "test", "text": "测试一下"}, follow=True
    )
    assert "测试消息已送达" in response.content.decode()
    assert server.texts() == ["测试一下"]

    client.post(f"/workspace/im-groups/{group.pk}/", {"action": "answer", "text": "您好，我是王工"})
    deliver_due_robot_messages()
    assert server.texts()[-1] == "【王工】您好，我是王工"
    assert Robot.objects.get().organisation == group.organisation


def test_customers_cannot_open_the_workspace_and_see_only_their_group(client, admin, make_org, make_user):
    client.force_login(admin)
    assert client.get("/workspace/im-groups/").status_code == 404
    other = make_user(make_org(), role="customer_admin")
    client.force_login(other)
    page = client.get("/me/im-group/").content.decode()
    assert "没有生效中的服务合同" in page and "申请开通" not in page
    assert not Membership.objects.exists()
