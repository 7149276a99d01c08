"""The defaults that used to live only in model code, said where staff look: the staff catalogue
page and the admin (which edition a contract follows; whether make-up workdays count)."""

from __future__ import annotations

import datetime as dt

import pytest

from successhub.accounts.models import Role
from successhub.calendars.models import ScheduleSetting
from successhub.calendars.selectors import bump_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(make_user):
    return make_user(role=Role.SERVICE_ADMIN, is_superuser=True)


def schedule_row(html: str, code: str) -> str:
    return html.split(f'data-schedule="{code}"', 1)[1].split("</tr>", 1)[0]


def test_the_catalogue_page_says_which_edition_a_contract_follows(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/staff/catalog/").content.decode()
    rule = html.split('data-testid="edition-rule"', 1)[1].split("</div>", 1)[0]
    assert "按合同开始日期当天已发布的最新版本" in rule


@pytest.mark.parametrize(
    ("rule", "setting", "counted", "source"),
    [
        ("by_default_the_catalog_leaves_make_up_days_out", None, "不计为工作日", "服务目录默认"),
        ("an_admin_setting_wins", True, "计为工作日", "后台服务时间设置"),
    ],
    ids=lambda value: value if isinstance(value, str) and "_" in value else "",
)
def test_the_catalogue_page_says_whether_make_up_days_count(
    client, admin_user, rule, setting, counted, source
):
    if setting is not None:
        ScheduleSetting.objects.create(schedule="5x8", include_makeup_days=setting)
    bump_version()  # the settings are cached per process: read this test's rows
    client.force_login(admin_user)
    html = client.get("/staff/catalog/").content.decode()
    row = schedule_row(html, "5x8")
    assert counted in row and source in row
    assert "8:30-12:00、13:00-17:30" in row
    assert "不适用" in schedule_row(html, "7x8")  # every-day schedules have no make-up days
    assert "调休上班日（国务院通知中周末调休上班的日子）" in html


def test_the_contract_admin_shows_the_edition_in_effect(client, admin_user, make_org, add_contract):
    contract = add_contract(make_org(), plan="standard", start=dt.date(2026, 1, 1))
    client.force_login(admin_user)
    html = client.get(f"/admin/contracts/contract/{contract.pk}/change/").content.decode()
    assert "实际适用的条款版本" in html
    assert "合同未指定版本" in html and "2026-01-01" in html


def test_the_schedule_setting_admin_shows_the_catalog_default(client, admin_user):
    ScheduleSetting.objects.create(schedule="5x8", include_makeup_days=True)
    client.force_login(admin_user)
    html = client.get("/admin/calendars/schedulesetting/").content.decode()
    assert "服务目录的默认值" in html and "不计为工作日" in html
    assert "5×8：调休上班日计为工作日（后台服务时间设置）" in html
