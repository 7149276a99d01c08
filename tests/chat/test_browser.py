"""Two pages in headless Chromium: a customer and an engineer chat both ways over the real ASGI
server (uvicorn, WebSockets), with the customer's socket dropped and reconnected in the middle;
and the customer's chat at a phone's width."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from successhub.chat import services
from successhub.chat.models import ChatMessage

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def asgi_server(settings):
    """The project's ASGI application under uvicorn in a thread (the test database, the frozen clock)."""
    import uvicorn

    from successhub.asgi import application

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from channels.layers import channel_layers

    channel_layers.backends = {}
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", ws="websockets"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    channel_layers.backends = {}


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


def _login(browser, base: str, username: str, **page_options):
    page = browser.new_page(locale="zh-CN", **page_options)
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _say(page, text: str) -> None:
    page.fill("#chat-input", text)
    page.click("#chat-form button[type=submit]")


def _seen(page, text: str):
    page.wait_for_selector(f"#chat-log li:has-text('{text}')")
    return page.locator(f"#chat-log li .body:text-is('{text}')").count()


def test_customer_and_engineer_chat_both_ways_with_a_reconnect(browser, asgi_server, customer, agent):
    base = asgi_server
    cust = _login(browser, base, "kehu")
    cust.goto(f"{base}/chat/start/?entry=in_product")
    cust.click("[data-testid=start-chat]")
    cust.wait_for_url(f"{base}/chat/*/")
    cust.wait_for_selector("#chat[data-connected='1']")
    # The queue position arrives in the first frame after the socket opens.
    expect(cust.locator("[data-testid=chat-state]")).to_contain_text("排队中")
    _say(cust, "你好，凭证保存时报错")

    eng = _login(browser, base, "agent1")
    eng.goto(f"{base}/chat/agent/")
    eng.click("[data-testid^=accept-]")
    eng.wait_for_url(f"{base}/chat/agent/*/")
    eng.wait_for_selector("#chat[data-connected='1']")
    assert _seen(eng, "你好，凭证保存时报错") == 1
    cust.wait_for_selector("[data-testid=chat-state]:has-text('正在为您服务')")
    _say(eng, "您好，请问是哪个科目？")
    assert _seen(cust, "您好，请问是哪个科目？") == 1

    # The customer's connection drops; the engineer keeps typing; the page reconnects and resumes.
    cust.evaluate("window.successhubChat.close()")
    _say(eng, "方便发个截图吗？")
    _say(eng, "或者告诉我凭证号。")
    assert _seen(cust, "方便发个截图吗？") == 1
    assert _seen(cust, "或者告诉我凭证号。") == 1
    _say(cust, "凭证号 记-0042")
    assert _seen(eng, "凭证号 记-0042") == 1

    bodies = list(ChatMessage.objects.filter(sender__in=["customer", "agent"]).order_by("seq")
                  .values_list("body", flat=True))
    assert bodies == ["你好，凭证保存时报错", "您好，请问是哪个科目？", "方便发个截图吗？", "或者告诉我凭证号。",
                      "凭证号 记-0042"]
    # Every message shown once on both pages, in order.
    for page in (cust, eng):
        shown = page.locator("#chat-log li:not(.chat-system) .body").all_inner_texts()
        assert shown == bodies

    eng.click("form[action$='/end/'] button")
    cust.wait_for_selector("[data-testid=csat]")
    cust.check("input[name=score][value='5']")
    cust.click("[data-testid=csat] button[type=submit]")
    cust.wait_for_selector("text=感谢您的评价")
    connections.close_all()


@pytest.fixture
def active_chat(customer, agent):
    session = services.start_chat(customer, "galaxy", topic="手机上咨询")
    return services.accept(agent, session)


def test_customer_chat_at_a_phone_width(active_chat, browser, asgi_server):
    base = asgi_server
    session = active_chat
    phone = _login(browser, base, "kehu", viewport={"width": 390, "height": 844})
    phone.goto(f"{base}/chat/{session.pk}/")
    phone.wait_for_selector("#chat[data-connected='1']")
    _say(phone, "手机上也能发消息")
    assert _seen(phone, "手机上也能发消息") == 1
    wide = phone.evaluate(
        "Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > 392)"
        ".map(e => e.tagName + '#' + e.id + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right))"
    )
    assert wide == []
    connections.close_all()
