"""A whole journey in headless Chromium: a visitor searches; a verified customer asks the bot,
gets an answer with a source link, and is handed to a pre-filled ticket."""

from __future__ import annotations

import importlib
import os
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connections, transaction

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _load_demo():
    from successhub.demo import DEMO_PASSWORD, LOADERS

    loaders = list(LOADERS)
    try:
        importlib.import_module("successhub.demo.community")
    except ImportError:
        pass
    else:
        if "successhub.demo.community" not in loaders:
            loaders.append("successhub.demo.community")
    for path in loaders:
        with transaction.atomic():
            importlib.import_module(path).load()
    return DEMO_PASSWORD


@pytest.fixture
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("no Chromium at /usr/bin/chromium")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # ORM calls made while Playwright's loop ran keep their connection in that context: close it here,
        # or the test database cannot be dropped at the end of the session.
        connections.close_all()


def test_visitor_searches_then_a_customer_asks_the_bot_and_files_a_ticket(
    live_server, transactional_db, browser
):
    password = _load_demo()
    from successhub.assistant.retrieval import forget_knowledge_base
    from successhub.search.models import SearchDocument

    forget_knowledge_base()
    if not SearchDocument.objects.filter(kind="faq").exists():
        from tests.search_index.demo_docs import load_demo_index

        load_demo_index()

    page = browser.new_page()
    page.set_default_timeout(20000)

    # A visitor searches from the box in the header.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("form.site-search input[name=q]", "热线每年几次")
    page.press("form.site-search input[name=q]", "Enter")
    page.wait_for_url("**/search/?q=*")
    first = page.locator("article.search-result").first
    assert "热线" in first.locator("h2").inner_text()
    assert first.locator("mark").count() > 0

    # A verified customer signs in and asks the bot.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "customer")
    page.fill("input[name=password]", password)
    page.click("form[method=post] button[type=submit]:not(.link)")
    page.wait_for_url(f"{live_server.url}/")
    page.click("#assistant-widget .assistant-toggle")
    page.fill("#assistant-panel textarea", "标准服务的热线每年能打几次?")
    page.click("#assistant-panel button[type=submit]")
    answer = page.locator("#assistant-panel li.bot[data-confident=true]").last
    answer.wait_for()
    assert "4 次" in answer.inner_text()
    source = answer.locator("a.assistant-source").first
    assert source.get_attribute("href")

    # The answer is not enough: hand off to a person; the ticket form opens pre-filled.
    page.click("#assistant-panel .assistant-human")
    ticket = page.locator("#assistant-panel a[data-option=ticket]").last
    ticket.wait_for()
    href = ticket.get_attribute("href")
    query = parse_qs(urlsplit(href).query)
    assert query["title"] == ["标准服务的热线每年能打几次?"]
    assert "智能客服" in query["description"][0]
    ticket.click()
    page.wait_for_url("**/tickets/**")
    assert "/tickets/" in page.url
    assert "title=" in page.url
