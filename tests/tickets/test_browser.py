"""The whole journey in headless Chromium: a customer files a ticket, an engineer answers it in the
workspace, the customer sees the answer and rates the service."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.db import connections

from successhub.accounts.models import Role
from successhub.tickets.models import Ticket

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        # ORM calls made while Playwright's loop ran keep their connection in that context: close it here,
        # or the test database cannot be dropped at the end of the session.
        connections.close_all()


def _login(browser, base: str, username: str):
    # The assertions read the Chinese UI; a browser asking for English would get the English catalogue.
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_customer_files_engineer_answers_customer_rates(
    browser, live_server, make_org, make_user, add_contract, add_deployment
):
    from successhub.contracts.models import Product
    from successhub.tickets.models import EngineerSkill

    org = make_org(name="浏览器测试客户")
    add_deployment(org, "galaxy", "private_cloud_subscription")
    add_contract(org, "advanced", start=dt.date.today() - dt.timedelta(days=30))
    make_user(org, username="buyer")
    engineer = make_user(role=Role.SUPPORT_ENGINEER, username="helper")
    EngineerSkill.objects.create(engineer=engineer, product=Product.objects.get(code="galaxy"))
    base = live_server.url

    customer = _login(browser, base, "buyer")
    customer.goto(f"{base}/tickets/new/")
    customer.select_option("#id_category", "third_party_product")
    # The decision arrives (htmx) before anything else is typed.
    customer.wait_for_selector('#eligibility tr[data-category="third_party_product"][style]')
    assert "第三方" in customer.inner_text("#eligibility")
    customer.select_option("#id_category", "application_problem")
    customer.wait_for_selector('#eligibility tr[data-category="application_problem"][style]')
    customer.fill("#id_title", "凭证无法保存")
    customer.fill("#id_description", "保存凭证时提示余额不平。")
    customer.click('[data-testid="submit-ticket"]')
    customer.wait_for_selector('[data-testid="status"]')
    number = Ticket.objects.get().number
    assert number in customer.title() or number in customer.inner_text("h1")

    agent = _login(browser, base, "helper")
    agent.goto(f"{base}/workspace/")
    agent.click(f'[data-number="{number}"] a')
    agent.fill("#id_body", "请在总账参数中开启“允许尾差”，然后重新保存。")
    agent.click('[data-testid="send-public"]')
    agent.wait_for_selector("text=回复已发送给客户")
    agent.click('[data-testid="status-resolved"]')
    agent.wait_for_selector("text=状态已更新")

    customer.reload()
    assert "允许尾差" in customer.inner_text('[data-testid="thread"]')
    customer.check('[data-testid="rate-form"] input[value="4"]')
    customer.fill('[data-testid="rate-form"] textarea', "回复很快")
    customer.click('[data-testid="rate-form"] button')
    customer.wait_for_selector('[data-testid="rating"]')
    assert "4 / 5" in customer.inner_text('[data-testid="rating"]')
    ticket = Ticket.objects.get()
    assert (ticket.rating, ticket.rating_comment, ticket.first_responded_at is not None) == (
        4,
        "回复很快",
        True,
    )
    assert os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] == "true"
