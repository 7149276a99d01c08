"""A bounded schemathesis run without credentials over the operations open to anyone (the public
reads: community, search, the table of reasons), with the customer's budget (``fuzz.py``). Every
other operation stops at authentication with a 401 before it reads its input."""

from __future__ import annotations

import pytest

from .fuzz import call_and_check, examples, schema

pytestmark = pytest.mark.usefixtures("keep_the_test_connection", "fuzz_report")
CALLER = "anonymous"


def _open_to_anyone(context) -> bool:
    security = context.operation.definition.raw.get("security")
    return security is None or {} in security


public = schema.include(func=_open_to_anyone)


@pytest.mark.django_db
@public.parametrize()
@examples(1.0)
def test_no_input_gives_a_server_error(case, fuzz_settings):
    call_and_check(case, CALLER)
