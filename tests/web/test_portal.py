"""The portal's frame: friendly error pages, DEBUG off, the favicon, a menu that offers only what works."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import RequestFactory

from successhub.accounts.models import Role
from tests.web.visible import visible_text

pytestmark = pytest.mark.django_db

NAV = ('href="/"', 'href="/kb/"', 'href="/community/"')


@pytest.mark.parametrize(
    ("who", "path", "status", "title"),
    [
        ("customer", "/tickets/TK-NOPE/", 404, "页面不存在"),
        ("customer", "/kb/no-such-article/", 404, "页面不存在"),
        ("visitor", "/no/such/page/", 404, "页面不存在"),
        ("customer", "/staff/catalog/", 403, "没有访问权限"),
        ("customer", "/workspace/skills/", 403, "没有访问权限"),
    ],
)
def test_error_pages_are_chinese_with_navigation(client, make_org, make_user, who, path, status, title):
    if who == "customer":
        client.force_login(make_user(make_org()))
    response = client.get(path)
    assert response.status_code == status
    html = response.content.decode()
    assert f"<h1>{title}</h1>" in html
    assert all(link in html for link in NAV)
    assert "Forbidden" not in html and "Page not found" not in html and "URLconf" not in html


def test_a_bad_request_and_a_server_error_have_friendly_pages():
    from successhub.web import views

    request = RequestFactory().get("/")
    bad = views.bad_request(request)
    assert bad.status_code == 400 and "请求有误" in bad.content.decode()
    broken = views.server_error(request)
    assert broken.status_code == 500
    assert "服务暂时出错" in broken.content.decode() and 'href="/"' in broken.content.decode()


def test_a_csrf_failure_is_a_friendly_403(make_org, make_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(make_org()))
    response = client.post("/tickets/new/", {"title": "x"})
    assert response.status_code == 403 and "没有访问权限" in response.content.decode()


@pytest.mark.parametrize(("env", "expected"), [({}, "False"), ({"DEBUG": "1"}, "True")])
def test_debug_is_off_unless_asked_for(env, expected):
    environment = {k: v for k, v in os.environ.items() if k != "DEBUG"} | env
    environment["DJANGO_SETTINGS_MODULE"] = "successhub.settings"
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == expected


def test_static_files_are_served_with_debug_off(client, settings):
    assert settings.DEBUG is False
    response = client.get("/static/successhub/app.css")
    assert response.status_code == 200
    assert client.get("/static/vendor/htmx.org/dist/htmx.min.js").status_code == 200


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("role", "superuser", "admin_link", "api_link"),
    [
        (Role.CUSTOMER_USER, False, False, False),
        (Role.SUPPORT_ENGINEER, False, False, True),
        (Role.TECHNICAL_MANAGER, False, False, False),
        (Role.ACCOUNT_MANAGER, False, False, False),
        (Role.OPS_ENGINEER, False, False, True),
        (Role.SERVICE_ADMIN, True, True, True),
    ],
)
def test_the_menu_offers_the_admin_and_the_api_only_to_those_who_use_them(
    client, make_org, make_user, role, superuser, admin_link, api_link
):
    organisation = make_org() if role == Role.CUSTOMER_USER else None
    user = make_user(organisation, role=role, is_superuser=superuser)
    client.force_login(user)
    html = client.get("/").content.decode()
    assert ('href="/admin/"' in html) is admin_link
    assert ('href="/api/v1/docs"' in html) is api_link
    if admin_link:
        assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(("role", "bot"), [(Role.CUSTOMER_USER, True), (Role.SUPPORT_ENGINEER, False)])
def test_the_customer_bot_is_not_on_staff_pages(client, make_org, make_user, role, bot):
    organisation = make_org() if role == Role.CUSTOMER_USER else None
    client.force_login(make_user(organisation, role=role))
    assert ('id="assistant-widget"' in client.get("/").content.decode()) is bot


def test_home_names_the_managers_with_a_way_to_reach_them(client, make_org, make_user, add_contract):
    manager = make_user(role=Role.TECHNICAL_MANAGER, display_name="陈静", email="cj@example.com")
    seller = make_user(role=Role.ACCOUNT_MANAGER, display_name="刘洋", phone="021-6888-0202")
    organisation = make_org(technical_manager=manager, account_manager=seller)
    add_contract(organisation, plan="advanced")
    client.force_login(make_user(organisation))
    html = client.get("/").content.decode()
    text = visible_text(html)
    assert "专属技术经理 陈静" in text and "客户经营人员 刘洋" in text
    assert 'href="mailto:cj@example.com"' in html and 'href="tel:02168880202"' in html
    assert "专属技术经理：专属技术经理" not in text
