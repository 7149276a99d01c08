"""A bounded schemathesis run over the whole API as staff (a service admin): the staff-only
handlers (assignment, queues, license upgrades, ops) parse what a customer is refused before.

Half the customer's budget per operation (``fuzz.py``); a customer organisation with a contract
exists, so that ids and filters can meet real rows.
"""

from __future__ import annotations

import pytest

from successhub.accounts.models import Role
from successhub.accounts.services import issue_api_token

from .fuzz import call_and_check, examples, schema

pytestmark = pytest.mark.usefixtures("keep_the_test_connection", "fuzz_report")
CALLER = "staff"


@pytest.fixture
def token(make_org, make_user, add_contract, add_deployment, fuzz_settings):
    organisation = make_org(name="模糊测试客户")
    add_deployment(organisation, "galaxy", "private_cloud_subscription")
    add_contract(organisation, "advanced")
    make_user(organisation, email="fuzz-customer@example.com")
    return issue_api_token(make_user(role=Role.SERVICE_ADMIN, email="fuzz-staff@example.com"), "fuzz")


@pytest.mark.django_db
@schema.parametrize()
@examples(0.5)
def test_no_input_gives_a_server_error(case, token):
    call_and_check(case, CALLER, token)
