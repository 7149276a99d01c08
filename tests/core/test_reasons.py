"""The reason table: one row per reason, every layer reads it (no Django here)."""

from __future__ import annotations

import pytest

from successhub.core.catalog import SERVICE_CODES
from successhub.core.entitlements import EXPLANATION_FIELDS
from successhub.core.reasons import ENGINE_ORDER, Reason, handoff_for, reason_of, template_fields


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_every_row_is_complete(reason):
    row = reason.row
    assert row.label.zh and row.label.en
    assert row.zh and row.en
    assert template_fields(reason) <= set(EXPLANATION_FIELDS), (
        "a template uses a field the engine does not fill"
    )
    assert reason.handoff is None or reason.handoff in SERVICE_CODES


def test_allowed_is_the_engine_s_last_word_and_hands_off_nowhere():
    assert ENGINE_ORDER[-1] is Reason.OK
    assert Reason.OK.handoff is None
    assert handoff_for("ok", lambda service: True) is None


def test_filing_refusals_are_not_engine_verdicts():
    assert Reason.OUT_OF_SCOPE not in ENGINE_ORDER
    assert Reason.NO_RESPONSE_TARGET not in ENGINE_ORDER


@pytest.mark.parametrize(
    ("rule", "reason", "available", "instead"),
    [
        ("route_taken_when_available", "product_not_eligible", {"online_ticket"}, "online_ticket"),
        ("community_when_the_route_is_not_available", "product_not_eligible", set(), "community"),
        (
            "quota_used_up_goes_to_im_service",
            "quota_exhausted",
            {"im_service", "online_ticket"},
            "im_service",
        ),
        ("no_contract_goes_to_the_community", "no_active_contract", {"online_ticket"}, "community"),
        ("a_code_that_is_not_a_reason_hands_off_nowhere", "not_verified", {"online_ticket"}, None),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_handoff_route(rule, reason, available, instead):
    assert handoff_for(reason, available.__contains__) == instead


def test_codes_are_plain_strings_for_every_layer():
    assert Reason.QUOTA_EXHAUSTED == "quota_exhausted"
    assert f"{Reason.QUOTA_EXHAUSTED}" == "quota_exhausted"
    assert reason_of("quota_exhausted") is Reason.QUOTA_EXHAUSTED
    assert reason_of("forbidden") is None


def test_rendering_fills_the_fields_and_trims():
    assert Reason.NO_RESPONSE_TARGET.render("en").startswith("Your plan has no online-ticket response target")
    text = Reason.OUTSIDE_FIRST_YEAR.render("en", {"service": "X", "first_year": "", "suggestion": ""})
    assert text == "X is only for the first year after the first Advanced purchase."
