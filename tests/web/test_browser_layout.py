"""The customer's and the engineer's main pages at a phone's width (390 px) and a laptop's (1366 px),
in headless Chromium: nothing scrolls sideways, no machine code is visible, the bot button is on the
screen, the desktop menu is one row and the phone menu opens from its button."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connections

from successhub.accounts.models import Role

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SNAKE_CASE = re.compile(r"(?<![\w./:@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/@-])")

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


@pytest.fixture
def site(make_org, make_user, add_deployment, add_contract):
    from successhub.tickets.services import filing

    manager = make_user(
        role=Role.TECHNICAL_MANAGER, username="manager", display_name="陈静", email="cj@example.com"
    )
    org = make_org(name="华东精密制造有限公司", technical_manager=manager)
    add_deployment(org, "galaxy", "private_cloud_subscription")
    add_contract(org, "advanced", start=dt.date.today() - dt.timedelta(days=30))
    customer = make_user(org, username="buyer", display_name="张伟")
    make_user(role=Role.SUPPORT_ENGINEER, username="helper", display_name="李强")
    ticket = filing.file_ticket(
        requester=customer,
        filed_by=customer,
        product_code="galaxy",
        category="application_problem",
        title="凭证保存时提示余额不平，月结无法继续进行",
        description="保存凭证时提示余额不平。",
        channel="ticket_site",
    )
    return ticket


def _login(browser, base: str, username: str, width: int):
    page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": 844 if width < 500 else 900})
    page.set_default_timeout(60_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _check(page, width: int, *, bot: bool) -> None:
    url = page.url
    scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll[0] <= scroll[1], f"{url} scrolls sideways at {width} px: {scroll}"
    codes = sorted(set(SNAKE_CASE.findall(page.inner_text("body"))))
    assert codes == [], f"{url} shows machine codes at {width} px: {codes}"
    if bot:
        box = page.locator("#assistant-widget .assistant-toggle").bounding_box()
        viewport = page.viewport_size
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (
            f"{url}: bot button off screen"
        )
        assert box["y"] + box["height"] <= viewport["height"], f"{url}: bot button below the screen"
    else:
        assert page.locator("#assistant-widget").count() == 0, f"{url}: the customer bot is on a staff page"
    if width >= 1366:
        tops = page.eval_on_selector_all(
            "#site-menu a", "links => links.map(a => Math.round(a.getBoundingClientRect().top))"
        )
        assert len(set(tops)) == 1, f"{url}: the menu wraps at {width} px"
    else:
        header = page.locator("header.top").bounding_box()
        assert header["height"] < 80, f"{url}: the header takes {header['height']} px on a phone"


@pytest.mark.parametrize("width", [390, 1366])
def test_customer_pages(browser, live_server, site, width):
    base = live_server.url
    page = _login(browser, base, "buyer", width)
    for path in (
        "/",
        "/me/entitlements/",
        "/tickets/",
        f"/tickets/{site.number}/",
        "/tickets/new/",
        "/community/",
        "/kb/",
        "/ideas/",
        "/notifications/",
        "/search/?q=凭证",
    ):
        page.goto(f"{base}{path}")
        _check(page, width, bot=True)
    if width < 500:
        page.click(".menu-toggle")
        assert page.locator("#site-menu a", has_text="我的工单").is_visible()
        scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll[0] <= scroll[1]


@pytest.mark.parametrize("width", [390, 1366])
def test_engineer_pages(browser, live_server, site, width):
    base = live_server.url
    page = _login(browser, base, "helper", width)
    for path in (
        "/",
        "/workspace/",
        f"/workspace/tickets/{site.number}/",
        "/staff/catalog/",
        "/community/",
        "/notifications/",
    ):
        page.goto(f"{base}{path}")
        _check(page, width, bot=False)
