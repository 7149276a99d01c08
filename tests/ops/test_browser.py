"""In headless Chromium, at a phone's width (390 px): a customer admin opens 公有云运维 and reads their
environment, its ops platform, the upcoming window and what the service does not include; an ops
engineer sees the incident that Alertmanager opened, with its timeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from successhub.ops.models import UpgradeWindow
from tests.ops.conftest import payload

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        connections.close_all()


def _login(browser, base: str, username: str):
    page = browser.new_page(locale="zh-CN", viewport=PHONE)
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _overflowing(page) -> list[str]:
    """Elements of the page's own content (``main``) reaching past the phone's width. (The shared header
    is wider than 390 px on every page; that is the base layout's, not this page's.) Wide tables scroll
    inside their own box, so their cells are not counted."""
    return page.evaluate(
        """[...document.querySelectorAll('main *')]
            .filter(e => !e.closest('.table-scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.tagName + '.' + e.className)"""
    )


def test_customer_and_ops_engineer_at_a_phones_width(
    browser, live_server, customer_admin, ops_engineer, environment, post_alerts
):
    start = timezone.now() + dt.timedelta(days=5)
    window = UpgradeWindow.objects.create(
        product=environment.product,
        target_version="6.3",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        notes="苍穹 6.3 标准版本",
    )
    window.environments.add(environment)
    assert post_alerts(payload("firing.json", environment.code)).status_code == 200

    page = _login(browser, live_server.url, customer_admin.username)
    page.goto(f"{live_server.url}/ops/")
    assert page.locator("#environments").get_by_text(environment.code).is_visible()
    assert (
        page.get_by_role("link", name="金蝶天梯运维平台").first.get_attribute("href")
        == "https://ops.kdcloud.com"
    )
    assert "苍穹 6.3 标准版本" in page.locator("#windows").inner_text()
    assert "第三方产品的更新升级" in page.locator("#exclusions").inner_text()
    assert _overflowing(page) == []
    page.close()

    page = _login(browser, live_server.url, ops_engineer.username)
    page.goto(f"{live_server.url}/ops/")
    page.locator("#open-incidents").get_by_role("link", name=environment.code).click()
    timeline = page.locator(".incident .timeline").inner_text()
    assert "告警触发" in timeline and "已通知运维工程师" in timeline and "已通知客户管理员" in timeline
    assert _overflowing(page) == []
