"""The portal's ticket list: searchable by number or title, filterable by status and product (issue 17).

The filters live in the URL, so a filtered page can be bookmarked, and the pager's links keep them.
"""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from tests.tickets.conftest import beijing

pytestmark = pytest.mark.django_db

NOW = beijing(2026, 3, 2, 10, 0)


@pytest.fixture
def client_for(customer):
    client = Client()
    client.force_login(customer)
    return client


@pytest.fixture
def tickets(file_ticket):
    """Three tickets of the Advanced customer, filed one minute apart on a fixed clock."""
    return {
        "voucher": file_ticket(title="凭证无法保存", now=NOW),
        "report": file_ticket(title="报表导出很慢", now=beijing(2026, 3, 2, 10, 1)),
        "login": file_ticket(title="登录后白屏", now=beijing(2026, 3, 2, 10, 2)),
    }


def listed(response) -> set[str]:
    assert response.status_code == 200
    return {ticket.number for ticket, _ in response.context["rows"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({}, {"voucher", "report", "login"}, id="no_filter_lists_all"),
        pytest.param({"q": "报表"}, {"report"}, id="title_fragment_finds_its_ticket"),
        pytest.param({"q": "  白屏  "}, {"login"}, id="surrounding_spaces_are_ignored"),
        pytest.param({"q": "没有这个"}, set(), id="no_match_lists_none"),
        pytest.param({"product": "galaxy"}, {"voucher", "report", "login"}, id="own_product_filters"),
        pytest.param(
            {"product": "cosmic"}, {"voucher", "report", "login"}, id="product_not_owned_is_ignored"
        ),
        pytest.param({"status": "closed"}, set(), id="status_filters"),
        pytest.param({"status": "open", "q": "凭证"}, {"voucher"}, id="filters_combine"),
    ],
)
def test_portal_list_filters(client_for, tickets, query, expected):
    response = client_for.get("/tickets/", query)
    assert listed(response) == {tickets[name].number for name in expected}


def test_search_by_ticket_number(client_for, tickets):
    number = tickets["report"].number
    assert listed(client_for.get("/tickets/", {"q": number})) == {number}


def test_another_organisations_ticket_is_never_found(make_user, standard, tickets):
    other = make_user(standard, email="other@example.com")
    client = Client()
    client.force_login(other)
    assert listed(client.get("/tickets/", {"q": tickets["voucher"].number})) == set()


def test_filters_stay_in_the_form_and_the_pager(settings, client_for, tickets):
    settings.TICKETS_QUEUE_PAGE_SIZE = 1
    response = client_for.get("/tickets/", {"status": "open", "product": "galaxy", "q": "凭证 "})
    html = response.content.decode()
    assert 'value="凭证"' in html
    assert '<option value="galaxy" selected>' in html
    response = client_for.get("/tickets/", {"status": "open", "product": "galaxy"})
    assert "?status=open&product=galaxy&page=2" in unescape(response.content.decode())


@pytest.mark.parametrize("query", ["q=%00", "q=" + "长" * 500, "product=%00", "product=nope&status=nope"])
def test_bad_filters_never_500(client_for, tickets, query):
    # NUL is refused by the security middleware (400); the rest is ignored or simply matches nothing.
    assert client_for.get(f"/tickets/?{query}").status_code in (200, 400)


def test_query_count_does_not_grow_with_tickets(client_for, file_ticket, django_assert_max_num_queries):
    for minute in range(3):
        file_ticket(title=f"问题 {minute}", now=beijing(2026, 3, 2, 11, minute))
    with django_assert_max_num_queries(12) as few:
        client_for.get("/tickets/", {"q": "问题"})
    for minute in range(3, 9):
        file_ticket(title=f"问题 {minute}", now=beijing(2026, 3, 2, 11, minute))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client_for.get("/tickets/", {"q": "问题"})
