"""The desk's pages: identify the caller, see the decision at once, classify, read the refusal script."""

from __future__ import annotations

import pytest
from django.test import Client

from successhub.contracts.models import UsageEntry
from successhub.hotline.models import Call, Outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(engineer):
    client = Client()
    client.force_login(engineer)
    return client


def test_screen_by_phone_shows_the_decision_plan_and_quota(desk, std_caller):
    page = desk.get("/hotline/screen/", {"phone": std_caller.phone}).content.decode()
    assert std_caller.organisation.name in page
    assert "标准成功服务" in page and "仅限致命故障" in page
    assert "剩余 4 / 4 次" in page and "2026-01-01" in page


def test_advanced_screen_says_every_problem(desk, adv_caller):
    page = desk.get("/hotline/screen/", {"phone": adv_caller.phone}).content.decode()
    assert "受理全部产品问题" in page and 'data-testid="quota"' not in page


def test_ordinary_problem_on_standard_reads_the_refusal_script(desk, std_caller):
    page = desk.post(
        "/hotline/screen/take/",
        {
            "org": std_caller.organisation.code,
            "caller": std_caller.pk,
            "fatal": "0",
            "summary": "报表取数不对",
        },
    ).content.decode()
    assert "婉拒话术" in page and "致命故障是指系统大面积不可用或异常阻塞" in page
    assert 'data-route="community"' in page and 'data-route="smart_service"' in page
    assert not UsageEntry.objects.exists()
    assert Call.objects.get().outcome == Outcome.REFUSED


def test_fatal_fault_is_accepted_and_the_record_shown(desk, std_caller):
    response = desk.post(
        "/hotline/screen/take/",
        {
            "org": std_caller.organisation.code,
            "caller": std_caller.pk,
            "fatal": "1",
            "summary": "全员无法登录",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "剩余 3 次" in page and "已受理" in page
    assert UsageEntry.objects.count() == 1


def test_unverified_caller_is_verified_on_the_screen(desk, standard, make_user, capsys):
    caller = make_user(standard, verified=False, phone="13700000003")
    page = desk.get("/hotline/screen/", {"org": standard.code, "caller": caller.pk}).content.decode()
    assert "发送短信验证码" in page
    refused = desk.post(
        "/hotline/screen/take/", {"org": standard.code, "caller": caller.pk, "fatal": "1", "summary": "宕机"}
    ).content.decode()
    assert "经注册认证" in refused and not UsageEntry.objects.exists()
    desk.post("/hotline/screen/send-code/", {"org": standard.code, "caller": caller.pk})
    code = capsys.readouterr().out.split("验证码是 ")[1][:6]
    desk.post("/hotline/screen/confirm-code/", {"org": standard.code, "caller": caller.pk, "code": code})
    caller.refresh_from_db()
    assert caller.is_verified


def test_call_becomes_a_ticket_from_its_record(desk, adv_caller):
    desk.post(
        "/hotline/screen/take/",
        {
            "org": adv_caller.organisation.code,
            "caller": adv_caller.pk,
            "fatal": "0",
            "summary": "凭证保存报错",
        },
    )
    call = Call.objects.get()
    page = desk.post(
        f"/hotline/calls/{call.pk}/ticket/",
        {"product": "galaxy", "category": "application_problem", "title": "凭证保存报错"},
        follow=True,
    ).content.decode()
    call.refresh_from_db()
    assert call.ticket is not None and call.ticket.channel == "hotline"
    assert call.ticket.number in page


def test_organisation_search(desk, std_caller):
    page = desk.get("/hotline/", {"q": "南方"}).content.decode()
    assert f"?org={std_caller.organisation.code}" in page


@pytest.mark.parametrize(
    "url", ["/hotline/screen/?call=999", "/hotline/calls/999/", "/hotline/screen/?phone=%00%ff"]
)
def test_bad_input_is_not_a_500(desk, url):
    assert desk.get(url).status_code in (200, 400, 404)


def test_the_desk_and_the_bot_state_their_hours_from_the_catalog(desk, std_caller):
    page = desk.get("/hotline/").content.decode()
    assert "热线服务 7×24 小时。" in page  # the hotline item's schedule name in labels.yaml
    portal = Client()
    portal.force_login(std_caller)
    # the smart service's, in the bot's widget (shown to customers only)
    assert '<span class="muted">7×24 小时</span>' in portal.get("/").content.decode()
    english = desk.get("/hotline/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The hotline runs 7×24." in english
