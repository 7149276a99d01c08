"""A bounded schemathesis run over the whole API: no input may give a 5xx (issue 11).

Every operation of /api/v1/openapi.json gets ``FUZZ_EXAMPLES`` generated requests (schemathesis +
Hypothesis), signed in with a verified Advanced customer's API token, on whichever database the
suite runs on (SQLite, and PostgreSQL in CI's second pass). Only server errors fail the test; 4xx
answers are the point of the exercise. ``FUZZ_EXAMPLES`` (environment) raises the budget locally.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from successhub.accounts.services import issue_api_token
from successhub.wsgi import application

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
TALLY: Counter = Counter()

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def token(make_org, make_user, add_contract, add_deployment, settings):
    settings.AXES_FAILURE_LIMIT = 10**6  # the fuzzer is not guessing tokens; keep it from being locked out
    cache.clear()
    organisation = make_org(name="模糊测试客户")
    add_deployment(organisation, "galaxy", "private_cloud_subscription")
    add_contract(organisation, "advanced")
    return issue_api_token(make_user(organisation, email="fuzz@example.com"), "fuzz")


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: the WSGI handler would close the test's connection after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    if TALLY:
        print(f"\nschemathesis: {TALLY['requests']} requests, {TALLY['5xx']} server errors")  # noqa: T201


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_no_input_gives_a_server_error(case, token, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    response = case.call(headers={"Authorization": f"Bearer {token}", "Host": "localhost"})
    TALLY["requests"] += 1
    if response.status_code >= 500:
        TALLY["5xx"] += 1
    case.validate_response(response, checks=[not_a_server_error])
