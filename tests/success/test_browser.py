"""Browser journeys (headless Chromium) through the four value services, also at a phone's width."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from successhub.accounts.models import Role
from successhub.success import inspect_agent
from successhub.success.erp import sample
from successhub.success.models import CheckStatus, CriticalMoment, HealthCheck, MomentStatus, ServiceReport

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


@pytest.fixture
def people(make_org, make_user, add_contract, add_deployment):
    manager = make_user(
        role=Role.TECHNICAL_MANAGER,
        username="chenjing",
        display_name="陈静",
        phone="13800000001",
        email="chen.jing@example.com",
    )
    org = make_org(name="浏览器价值客户", technical_manager=manager)
    add_deployment(org, "galaxy", "private_cloud_subscription")
    today = dt.date.today()
    add_contract(org, "advanced", start=today - dt.timedelta(days=60), end=today + dt.timedelta(days=700))
    customer = make_user(org, username="buyer")
    return {"org": org, "manager": manager, "customer": customer}


def _login(browser, base: str, username: str, phone: bool = False):
    page = browser.new_page(locale="zh-CN", viewport=PHONE if phone else {"width": 1280, "height": 900})
    page.set_default_timeout(20_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _no_sideways_scroll(page) -> None:
    """Nothing in the page's content runs past a phone's width (wide tables scroll inside their box).

    The shared header is left out: its search box and account menu overflow at 390 px on every page."""
    overflowing = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(el => !el.closest('.table-scroll') && el.getBoundingClientRect().right > window.innerWidth + 1)
        .map(el => el.tagName + '.' + el.className)""")
    assert overflowing == []


def test_customer_reaches_the_manager_who_follows_up(browser, live_server, people):
    base = live_server.url
    customer = _login(browser, base, "buyer", phone=True)
    # The home page names the manager once, with a way to reach them and their 5×8 hours.
    card = customer.inner_text('[data-testid="manager-card"]')
    assert "陈静" in card and "专属技术经理 陈静" not in card
    assert "13800000001" in card and "5×8" in card
    _no_sideways_scroll(customer)
    customer.click('[data-testid="ask-manager-link"]')
    customer.fill("#id_subject", "月结后报表取数不对")
    customer.fill("#id_reason", "总账科目余额表与明细账不一致，请协助分析。")
    customer.click('[data-testid="ask-manager"]')
    customer.wait_for_selector(".messages")
    _no_sideways_scroll(customer)

    manager = _login(browser, base, "chenjing")
    manager.goto(f"{base}/success/")
    row = manager.inner_text(f'[data-org="{people["org"].code}"]')
    assert "浏览器价值客户" in row
    manager.click(f'[data-org="{people["org"].code}"] a')
    manager.click("text=月结后报表取数不对")
    manager.select_option('select[name="kind"]', "expert")
    manager.fill('input[name="expert"]', "总账专家 周工")
    manager.fill('textarea[name="body"]', "已约总账专家远程排查。")
    manager.click('[data-testid="record-action"]')
    manager.select_option('select[name="kind"]', "reply")
    manager.fill('textarea[name="body"]', "原因是期末调汇凭证未过账，已协助处理。")
    manager.click('[data-testid="record-action"]')
    manager.click('[data-testid="close-escalation"]')
    assert manager.inner_text('[data-testid="escalation-status"]') == "已完结"
    # An event with progress the customer sees, and its summary.
    manager.goto(f"{base}/success/org/{people['org'].code}/")
    manager.fill('input[name="title"]', "6 月系统升级")
    manager.click('[data-testid="open-event"]')
    manager.fill('textarea[name="body"]', "升级已完成 80%。")
    manager.click('[data-testid="post-update"]')
    manager.fill('textarea[name="summary"]', "升级顺利完成，无数据问题。")
    manager.click('[data-testid="publish-summary"]')

    customer.goto(f"{base}/success/my/")
    customer.click("text=月结后报表取数不对")
    thread = customer.inner_text("main")
    assert (
        "期末调汇凭证未过账" in thread and "已约总账专家" not in thread
    )  # internal follow-ups stay internal
    customer.goto(f"{base}/success/my/")
    customer.click("text=6 月系统升级")
    assert "升级已完成 80%" in customer.inner_text('[data-testid="event-update"]')
    assert "升级顺利完成" in customer.inner_text('[data-testid="event-summary"]')
    _no_sideways_scroll(customer)


def test_critical_moment_requested_planned_confirmed_delivered(browser, live_server, people):
    base = live_server.url
    start = dt.date.today() + dt.timedelta(days=10)
    customer = _login(browser, base, "buyer", phone=True)
    customer.goto(f"{base}/success/moments/new/")
    _no_sideways_scroll(customer)
    customer.select_option("#id_kind", "year_end")
    customer.fill("#id_start_date", start.isoformat())
    customer.fill("#id_end_date", (start + dt.timedelta(days=1)).isoformat())
    customer.fill("#id_scope", "年结：总账结账与合并报表")
    customer.fill("#id_contact_name", "王会计")
    customer.fill("#id_contact_phone", "13900000000")
    customer.click('[data-testid="request-moment"]')
    assert customer.inner_text('[data-testid="moment-status"]') == "待规划"
    moment = CriticalMoment.objects.get()

    manager = _login(browser, base, "chenjing")
    manager.goto(f"{base}/success/moments/{moment.pk}/")
    manager.fill("#id_experts", "总账专家 周工、合并报表专家 吴工")
    manager.fill("#id_half_days", "3")
    manager.select_option("#id_mode", "remote")
    manager.click('[data-testid="plan-moment"]')
    manager.click('[data-testid="confirm-moment"]')
    assert manager.inner_text('[data-testid="moment-status"]') == "已确认"
    assert "已预留 1.5" in manager.inner_text('[data-testid="moment-quota"]')
    manager.goto(f"{base}/success/calendar/?month={start:%Y-%m}")
    assert "年结" in manager.inner_text('[data-testid="moment-calendar"]')
    manager.goto(f"{base}/success/moments/{moment.pk}/")
    manager.fill("#id_days", "1.5")
    manager.fill("#id_work_done", "远程值守年结，处理 1 个合并抵销报错。")
    manager.fill("#id_summary", "年结按时完成。")
    manager.click('[data-testid="deliver-moment"]')
    assert manager.inner_text('[data-testid="moment-status"]') == "已交付"
    moment.refresh_from_db()
    assert moment.status == MomentStatus.DELIVERED and moment.usage.amount == moment.delivered_days

    customer.goto(f"{base}/success/moments/{moment.pk}/")
    assert "年结按时完成" in customer.inner_text('[data-testid="moment-delivery"]')


def test_annual_report_generated_edited_published_and_downloaded(browser, live_server, people):
    base = live_server.url
    manager = _login(browser, base, "chenjing")
    manager.goto(f"{base}/success/org/{people['org'].code}/")
    manager.click('[data-testid="generate-report"]')
    assert manager.inner_text('[data-testid="report-status"]') == "草稿"
    manager.fill("#id_suggestions", "建议安排一次凭证录入培训\n建议年结前预约关键时刻支持")
    manager.click('[data-testid="save-suggestions"]')
    manager.click('[data-testid="publish-report"]')
    assert manager.inner_text('[data-testid="report-status"]') == "已发布"
    report = ServiceReport.objects.get()

    customer = _login(browser, base, "buyer", phone=True)
    customer.goto(f"{base}/success/reports/{report.pk}/")
    assert "建议安排一次凭证录入培训" in customer.inner_text('[data-testid="suggestions"]')
    assert customer.locator("svg.chart").count() >= 1
    _no_sideways_scroll(customer)
    response = customer.request.get(f"{base}/success/reports/{report.pk}/pdf/")
    if response.status == 503:
        pytest.skip("the PDF renderer is not installed here (make pdf)")
    assert response.ok and response.body().startswith(b"%PDF")


def test_health_check_scheduled_inspected_diagnosed_and_reported(browser, live_server, people, tmp_path):
    base = live_server.url
    erp = sample.generate(tmp_path / "erp.db", as_of=dt.date.today())
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(inspect_agent.collect(people["org"].code)), encoding="utf-8")
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps(inspect_agent.collect("someone-else")), encoding="utf-8")
    when = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT10:00")

    customer = _login(browser, base, "buyer", phone=True)
    customer.goto(f"{base}/success/my/")
    customer.fill('input[name="when"]', when)
    customer.click('[data-testid="propose-check"]')
    assert customer.inner_text('[data-testid="check-status"]') == "待确认时间"
    check = HealthCheck.objects.get()

    manager = _login(browser, base, "chenjing")
    manager.goto(f"{base}/success/checks/{check.pk}/")
    manager.click('[data-testid="confirm-check"]')
    assert manager.inner_text('[data-testid="check-status"]') == "已确认时间"

    customer.goto(f"{base}/success/checks/{check.pk}/")
    customer.set_input_files('input[name="bundle"]', str(foreign))
    customer.click('[data-testid="upload-bundle"]')
    assert "属于其他客户组织" in customer.inner_text(".messages")
    customer.set_input_files('input[name="bundle"]', str(bundle))
    customer.click('[data-testid="upload-bundle"]')
    assert "已上传" in customer.inner_text(".messages")
    _no_sideways_scroll(customer)

    manager.goto(f"{base}/success/checks/{check.pk}/")
    manager.fill('input[name="connection"]', "sqlite:////nonexistent/erp.db")
    manager.click('[data-testid="run-diagnosis"]')
    assert "未保存任何结果" in manager.inner_text(".messages")
    manager.fill('input[name="connection"]', f"sqlite:///{erp}")
    manager.click('[data-testid="run-diagnosis"]')
    report = manager.inner_text('[data-testid="diagnosis-report"]')
    for dimension in ("应用概况", "完整性", "合规性", "准确性", "及时性", "有效性"):
        assert dimension in report
    assert "凭证借贷不平衡" in report
    manager.click('[data-testid="complete-check"]')
    assert manager.inner_text('[data-testid="check-status"]') == "已出具报告"
    assert HealthCheck.objects.get().status == CheckStatus.COMPLETED

    customer.goto(f"{base}/success/checks/{check.pk}/")
    assert "系统巡检报告" in customer.inner_text('[data-testid="inspection-report"]')


def test_engineer_raises_a_ticket_to_the_manager_from_the_workspace(browser, live_server, people, make_user):
    from successhub.tickets.models import Ticket
    from successhub.tickets.services import filing

    make_user(role=Role.SUPPORT_ENGINEER, username="liqiang", display_name="李强")
    ticket = filing.file_ticket(
        requester=people["customer"],
        filed_by=people["customer"],
        product_code="galaxy",
        category="data_problem",
        title="存货核算余额与明细账不一致",
        description="月结后相差 3.2 万元。",
    )
    base = live_server.url
    engineer = _login(browser, base, "liqiang")
    engineer.goto(f"{base}/workspace/tickets/{ticket.number}/")
    engineer.fill("#id_escalation_reason", "成本计算参数疑似有误，需要成本专家介入。")
    engineer.click('[data-testid="escalate-ticket"]')
    expect(engineer.locator('[data-testid="escalation-status"]')).to_have_text("跟进中")
    expect(engineer.locator('[data-testid="escalation-ticket"]')).to_have_text(ticket.number)
    engineer.goto(f"{base}/workspace/tickets/{ticket.number}/")
    expect(engineer.locator('[data-testid="ticket-escalation-link"]')).to_have_count(1)
    expect(engineer.locator('[data-testid="escalate-ticket"]')).to_have_count(0)
    assert Ticket.objects.get(pk=ticket.pk).escalated

    manager = _login(browser, base, "chenjing", phone=True)
    manager.goto(f"{base}/success/")
    expect(
        manager.locator(f'[data-org="{people["org"].code}"] [data-testid="open-escalations"]')
    ).to_have_text("1")
    manager.goto(f"{base}/success/org/{people['org'].code}/")
    manager.click("text=存货核算余额与明细账不一致")
    manager.select_option('select[name="kind"]', "expert")
    manager.fill('input[name="expert"]', "成本专家 周工")
    manager.fill('textarea[name="body"]', "已约成本专家远程排查。")
    manager.click('[data-testid="record-action"]')
    expect(manager.locator('[data-testid="action"]')).to_contain_text("成本专家 周工")
    _no_sideways_scroll(manager)
