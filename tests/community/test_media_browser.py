"""In headless Chromium: a customer pastes a screenshot into a private question; a colleague sees
it rendered, a customer of another organisation sees neither the question nor the picture."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from django.db import connections
from PIL import Image
from playwright.sync_api import expect

from successhub.community.models import CommunityImage, Question

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch, settings, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        connections.close_all()


def _login(browser, base: str, username: str, width: int = 1366):
    page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": 900})
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _screenshot_png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (220, 40, 40)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


PASTE = """([data, name]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const file = new File([bytes], name, {type: "image/png"});
  const transfer = new DataTransfer();
  transfer.items.add(file);
  const textarea = document.querySelector("#body");
  textarea.focus();
  textarea.dispatchEvent(new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true}));
}"""

# Pictures in posts load lazily: the page's load event does not wait for them, so wait for the
# picture's own load (or error) before reading its size.
LOADED_WIDTH = """async () => {
  const img = document.querySelector('.markdown img');
  img.scrollIntoView();
  if (!img.complete) {
    await new Promise(done => {
      img.addEventListener('load', done, {once: true});
      img.addEventListener('error', done, {once: true});
    });
  }
  return img.naturalWidth;
}"""


@pytest.mark.parametrize("width", [1366, 390], ids=["desktop", "phone"])
def test_a_pasted_screenshot_is_shown_to_the_organisation_only(browser, live_server, make_org, make_user,
                                                                add_contract, width):  # fmt: skip
    ours = make_org(name="截图客户")
    add_contract(ours, plan="advanced")
    theirs = make_org(name="其他客户")
    add_contract(theirs, plan="standard", amount="0")
    make_user(ours, username="asker")
    make_user(ours, username="colleague")
    make_user(theirs, username="stranger")
    base = live_server.url

    asker = _login(browser, base, "asker", width)
    asker.goto(f"{base}/community/questions/new/")
    asker.fill("#title", "凭证过账报错")
    asker.fill("#body", "过账时报错，截图如下：")
    asker.evaluate(PASTE, [_screenshot_png(), "screenshot.png"])
    expect(asker.locator("#body")).to_have_value(re.compile(r"!\[截图\]\(/community/images/[\w-]+/\)"))
    asker.click("[data-md-preview]")
    asker.wait_for_selector(".md-preview img")
    asker.check("input[name=private]")
    asker.click("form.stack button[type=submit]")
    asker.wait_for_selector(".markdown img")
    question = Question.objects.get()
    image = CommunityImage.objects.get()
    assert image.question_id == question.pk and question.organisation_id == ours.pk
    assert asker.evaluate(LOADED_WIDTH) == 320
    # The picture fits the post's width, on a phone too (the page layout itself is the portal's).
    assert asker.evaluate(
        "(() => { const i = document.querySelector('.markdown img');"
        " return i.getBoundingClientRect().width <= i.closest('.markdown').getBoundingClientRect().width + 1; })()"
    )

    colleague = _login(browser, base, "colleague", width)
    colleague.goto(f"{base}{question.get_absolute_url()}")
    colleague.wait_for_selector(".markdown img")
    assert colleague.evaluate(LOADED_WIDTH) == 320

    stranger = _login(browser, base, "stranger", width)
    assert stranger.goto(f"{base}{question.get_absolute_url()}").status == 404
    assert stranger.goto(f"{base}{image.get_absolute_url()}").status == 404
