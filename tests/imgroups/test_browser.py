"""The whole journey in headless Chromium, at a desktop's and at a phone's width: the customer admin
requests a dedicated group on 云之家 and names its members (a sixth is refused in the engine's words),
an engineer binds it to the robot (the Yunzhijia stand-in) and sends a test message, a customer
message arrives through the signed callback, the engineer answers it from SuccessHub, and the
stand-in receives the answer in Yunzhijia's format."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from successhub.imgroups.models import GroupMessage, ServiceGroup
from successhub.integrations.yunzhijia import standin as yunzhijia

from .conftest import CREDENTIALS

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch, settings):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The robot outbox sends right after commit (also when the suite runs against Redis).
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        connections.close_all()


def _login(browser, base: str, username: str, viewport: dict):
    # The assertions read the Chinese UI; a browser asking for English would get the English catalogue.
    page = browser.new_page(locale="zh-CN", viewport=viewport)
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _fits(page, viewport: dict) -> list[str]:
    """Elements of the page's content wider than the window (nothing may need sideways scrolling)."""
    return page.evaluate(
        "(limit) => Array.from(document.querySelectorAll('main *'))"
        ".filter(e => e.getBoundingClientRect().right > limit)"
        ".map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right))",
        viewport["width"] + 2,
    )


def _wait_for(condition, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _callback(base: str, group: ServiceGroup, text: str, msg_id: str) -> dict:
    """Yunzhijia delivers a group member's message to the group's callback address, signed."""
    headers, body = yunzhijia.callback(
        CREDENTIALS["yunzhijia"], sender="lisi-openid", sender_name="李四", text=text, msg_id=msg_id
    )
    request = urllib.request.Request(
        f"{base}/im/callback/yunzhijia/{group.callback_key}/", data=body, headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the live test server)
        return json.loads(response.read())


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_customer_requests_a_group_the_engineer_binds_and_answers_it_through_the_robot(
    viewport, browser, live_server, admin, people, engineer, standin
):
    base = live_server.url
    members = people(6)
    server = standin("yunzhijia")

    # The customer admin asks for the group on 云之家 (offered first) with four members.
    customer = _login(browser, base, "custadmin", viewport)
    customer.goto(f"{base}/me/im-group/")
    expect(customer.locator("[data-testid=imgroup-request] input[name=tool]").first).to_be_checked()
    expect(customer.locator("[data-testid=imgroup-request] input[name=tool]").first).to_have_value(
        "yunzhijia"
    )
    for person in members[:4]:
        customer.check(f"[data-testid=imgroup-request] input[name=members][value='{person.pk}']")
    customer.click("[data-testid=imgroup-request] button[type=submit]")
    expect(customer.locator("[data-testid=imgroup-status]")).to_contain_text("待开通")
    expect(customer.locator("[data-testid=imgroup-members] tbody tr")).to_have_count(4)

    # A fifth member is added; a sixth is refused with the engine's explanation.
    customer.select_option("[data-testid=imgroup-add] select[name=user]", str(members[4].pk))
    customer.click("[data-testid=imgroup-add] button[type=submit]")
    expect(customer.locator(".messages")).to_contain_text("已添加成员")
    expect(customer.locator("[data-testid=imgroup-members] tbody tr")).to_have_count(5)
    customer.select_option("[data-testid=imgroup-add] select[name=user]", str(members[5].pk))
    customer.click("[data-testid=imgroup-add] button[type=submit]")
    expect(customer.locator(".messages")).to_contain_text("不超过 5 个用户加入")
    expect(customer.locator("[data-testid=imgroup-members] tbody tr")).to_have_count(5)
    assert _fits(customer, viewport) == []

    # The engineer binds the group to its robot and the callback secret; the secrets are not shown again.
    group = ServiceGroup.objects.get()
    webhook = server.add_robot("yzj-group-token")
    staff = _login(browser, base, "engineer1", viewport)
    staff.goto(f"{base}/workspace/im-groups/")
    staff.click(f"a[href='/workspace/im-groups/{group.pk}/']")
    staff.fill("[data-testid=imgroup-bind] input[name=webhook_url]", webhook)
    staff.fill(
        "[data-testid=imgroup-bind] input[name=callback_secret]", CREDENTIALS["yunzhijia"]["callback_secret"]
    )
    staff.click("[data-testid=imgroup-bind] button[type=submit]")
    expect(staff.locator(".messages")).to_contain_text("已保存绑定设置")
    expect(staff.locator("main > p .badge").first).to_have_text("已开通")
    html = staff.content()
    assert "yzj-group-token" not in html and CREDENTIALS["yunzhijia"]["callback_secret"] not in html
    wide = _fits(staff, viewport)
    assert wide == [], " ".join(wide)

    # The test message goes out exactly as the group's transport sends it.
    staff.fill("[data-testid=imgroup-test] input[name=text]", "开通测试")
    staff.click("[data-testid=imgroup-test] button[type=submit]")
    expect(staff.locator(".messages")).to_contain_text("测试消息已送达")
    assert "开通测试" in server.texts()

    # A member writes in the group; the engineer sees it in the queue and answers from SuccessHub.
    assert _callback(base, group, "凭证打印时报错，提示模板不存在", "yzj-msg-1") == {
        "success": True,
        "data": {"type": 2, "content": ""},
    }
    staff.goto(f"{base}/workspace/im-groups/")
    expect(staff.locator("[data-testid=imgroup-queue]")).to_contain_text("凭证打印时报错")
    staff.click(f"[data-testid=imgroup-queue] a[href='/workspace/im-groups/{group.pk}/']")
    expect(staff.locator("[data-testid=imgroup-thread] [data-kind=customer]")).to_contain_text(
        "提示模板不存在"
    )
    staff.fill("[data-testid=imgroup-answer] textarea[name=text]", "请在打印设置中重新选择凭证模板。")
    staff.click("[data-testid=imgroup-answer] button[type=submit]")
    expect(staff.locator(".messages")).to_contain_text("回复已发送到群")
    expect(staff.locator("[data-testid=imgroup-thread] [data-kind=engineer]")).to_contain_text(
        "重新选择凭证模板"
    )

    # The stand-in took the answer in Yunzhijia's format: {"content": ...} on the robot's token.
    answer = _wait_for(
        lambda: [a for a in server.accepted if "重新选择凭证模板" in a.text], "the answer at the stand-in"
    )
    assert [(a.robot, a.body) for a in answer] == [
        ("yzj-group-token", {"content": "【王工】请在打印设置中重新选择凭证模板。"})
    ]
    customer_message = GroupMessage.objects.get(kind="customer")
    assert customer_message.responded_by == engineer

    # The customer's page shows the group open.
    customer.reload()
    expect(customer.locator("[data-testid=imgroup-status]")).to_contain_text("已开通")
    assert _fits(customer, viewport) == []
    connections.close_all()
