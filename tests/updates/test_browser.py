"""The journey in headless Chromium: a customer (on a phone) downloads a patch and resumes it; the account
manager applies for a license upgrade; another reviewer approves; the customer downloads the new license
and it verifies."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from successhub.cli import main
from successhub.updates import services
from successhub.updates.models import License, LicenseUpgrade
from tests.updates.conftest import BODY

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


def _login(browser, base: str, username: str, viewport=None):
    context = browser.new_context(locale="zh-CN", viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _fits_the_screen(page) -> None:
    """The page's own content fits the phone (wide tables scroll inside their box). The shared header is
    the base template's business and is not measured here."""
    overflow = page.evaluate("document.querySelector('main').scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the content is {overflow}px wider than the phone"


def test_download_resume_apply_approve_and_verify(browser, live_server, world, publish, capsys, tmp_path):
    package = publish(body=BODY * 8)
    body = BODY * 8
    current = services.record_license(
        world.admin,
        world.advanced,
        "galaxy",
        "V9.1",
        {"总账": 30, "应收应付": 20},
        valid_from=timezone.localdate(),
    )
    base = live_server.url

    # The customer, on a phone, finds the patch for their version and downloads it.
    phone = _login(browser, base, "customer", PHONE)
    phone.goto(f"{base}/updates/")
    _fits_the_screen(phone)
    phone.click(f"a[href='/updates/packages/{package.pk}/']")
    _fits_the_screen(phone)
    assert phone.locator("[data-testid=sha256]").inner_text() == package.sha256
    with phone.expect_download() as started:
        phone.click("[data-testid=download]")
    download = started.value
    whole = Path(download.path()).read_bytes()
    assert hashlib.sha256(whole).hexdigest() == package.sha256

    # The connection broke half-way: the signed link resumes from there.
    half = len(body) // 2
    rest = phone.request.get(download.url, headers={"Range": f"bytes={half}-"})
    assert rest.status == 206
    assert rest.headers["content-range"] == f"bytes {half}-{len(body) - 1}/{len(body)}"
    assert hashlib.sha256(whole[:half] + rest.body()).hexdigest() == package.sha256

    # The license page says plainly that no upgrade service is included.
    phone.goto(f"{base}/updates/licenses/")
    _fits_the_screen(phone)
    assert "不包含升级服务" in phone.locator("[data-testid=no-upgrade-service]").inner_text()

    # The account manager applies; asking for more users is refused as 增购, the same counts go through.
    accounts = _login(browser, base, "accounts")
    accounts.goto(f"{base}/updates/licenses/")
    accounts.click(f"tr[data-license='{current.number}'] [data-testid=apply]")
    accounts.fill("input[name='module:总账']", "45")
    accounts.click("[data-testid=apply-form] button[type=submit]")
    assert "增购" in accounts.locator(".messages").inner_text()
    accounts.fill("input[name='module:总账']", "30")
    accounts.click("[data-testid=apply-form] button[type=submit]")
    accounts.wait_for_url(f"{base}/updates/upgrades/")
    upgrade = LicenseUpgrade.objects.get()
    assert "等待另一位审核人" in accounts.locator(f"tr[data-order='{upgrade.order_number}']").inner_text()

    # Another reviewer approves; the new license is delivered at once.
    reviewer = _login(browser, base, "admin")
    reviewer.goto(f"{base}/updates/upgrades/")
    reviewer.click(f"tr[data-order='{upgrade.order_number}'] [data-testid=approve]")
    reviewer.wait_for_selector(".messages .success")
    new = License.objects.get(upgraded_from=current)

    # The customer downloads the new license and verifies it offline.
    phone.goto(f"{base}/updates/licenses/")
    with phone.expect_download() as started:
        phone.click(f"tr[data-license='{new.number}'] [data-testid=license-file]")
    saved = tmp_path / "license.json"
    started.value.save_as(saved)
    assert json.loads(saved.read_text(encoding="utf-8"))["license"]["version"] == "V9.2"
    capsys.readouterr()
    assert main(["license", "verify", str(saved)]) == 0
    assert "valid" in capsys.readouterr().out
