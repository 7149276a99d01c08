"""The bounded schemathesis run shared by ``test_fuzz*.py``: one module per caller (customer, staff,
anonymous), so that ``pytest -n 2 --dist loadfile`` spreads them over the workers.

Every operation of /api/v1/openapi.json gets generated requests (schemathesis + Hypothesis) on
whichever database the suite runs on (SQLite, and PostgreSQL in CI's second pass). Only server
errors fail; 4xx answers are the point of the exercise. The fixtures are in ``conftest.py``. ``FUZZ_EXAMPLES`` (environment) scales
every caller's budget, e.g. ``FUZZ_EXAMPLES=100`` for a long run locally.
"""

from __future__ import annotations

import os
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from successhub.wsgi import application

BUDGET = int(os.environ.get("FUZZ_EXAMPLES", "12"))
TALLY: Counter = Counter()

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def examples(share: float) -> settings:
    """Hypothesis settings for ``share`` of the budget per operation (at least 2)."""
    return settings(
        max_examples=max(2, round(BUDGET * share)),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )


def call_and_check(case, caller: str, token: str | None = None) -> None:
    headers = {"Host": "localhost"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = case.call(headers=headers)
    TALLY[caller] += 1
    if response.status_code >= 500:
        TALLY[caller, "5xx"] += 1
    case.validate_response(response, checks=[not_a_server_error])
