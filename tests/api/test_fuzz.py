"""A bounded schemathesis run over the whole API as a customer: no input may give a 5xx (issue 11).

Signed in with a verified Advanced customer's API token; see ``fuzz.py`` for the run's budget. The
staff's and an anonymous caller's runs are ``test_fuzz_staff.py`` and ``test_fuzz_anonymous.py``.
"""

from __future__ import annotations

import pytest

from successhub.accounts.services import issue_api_token

from .fuzz import call_and_check, examples, schema

pytestmark = pytest.mark.usefixtures("keep_the_test_connection", "fuzz_report")
CALLER = "customer"


@pytest.fixture
def token(make_org, make_user, add_contract, add_deployment, fuzz_settings):
    organisation = make_org(name="模糊测试客户")
    add_deployment(organisation, "galaxy", "private_cloud_subscription")
    add_contract(organisation, "advanced")
    return issue_api_token(make_user(organisation, email="fuzz@example.com"), "fuzz")


@pytest.mark.django_db
@schema.parametrize()
@examples(1.0)
def test_no_input_gives_a_server_error(case, token):
    call_and_check(case, CALLER, token)
