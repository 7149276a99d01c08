"""The reason table: one row per reason, every layer reads it (no Django here)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

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
        ("a_code_that_is_not_a_reason_hands_off_nowhere", "forbidden", {"online_ticket"}, None),
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


# --- every reason code the code base uses is a row -------------------------------------------------

SOURCE = Path(__file__).resolve().parents[2] / "src" / "successhub"
# Attributes that hold a reason code (``decision.reason``, ``call.refusal_code``).
REASON_ATTRIBUTES = {"reason", "refusal_code"}
# Refusals whose ``code`` is an entitlement reason (the engine's or the filing service's).
REFUSALS = {
    "CallRefused",
    "FilingRefused",
    "EntitlementRefused",
    "EntitlementDenied",
    "NotEntitled",
    "NotEligible",
}
# Functions that take a reason code first.
TAKE_A_REASON = {"Reason", "reason_of", "handoff_for", "instead_of", "reason_label"}
TEMPLATE_USES = re.compile(
    r"""(?:\.reason|\.refusal_code)\s*(?:==|!=)\s*["'](?P<compared>[^"']+)["']"""
    r"""|["'](?P<labelled>[^"']+)["']\s*\|\s*reason_label"""
)
# Files of scripts keyed by reason code; ``other`` and the named keys are not reasons.
SCRIPT_FILES = {"hotline/data/scripts.yaml": {"fatal_fault_definition", "other", "routes"}}


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [text for element in node.elts for text in _strings(element)]
    return []


def _name(node: ast.AST | None) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def reason_codes_in_python(source: str) -> list[tuple[int, str]]:
    """(line, code) for each string a module uses as a reason code: compared with a reason
    attribute or with the ``code`` of a caught refusal, given as a refusal's code, or passed to
    a function that takes a reason."""
    tree = ast.parse(source)
    caught = {
        handler.name
        for handler in ast.walk(tree)
        if isinstance(handler, ast.ExceptHandler)
        and handler.name
        and {_name(t) for t in (handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type])}
        & REFUSALS
    }

    # Inside a refusal's own class, its ``code`` is a reason too.
    in_refusals = {
        id(node)
        for refusal in ast.walk(tree)
        if isinstance(refusal, ast.ClassDef) and refusal.name in REFUSALS
        for node in ast.walk(refusal)
    }

    def holds_a_reason(node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id == "reason" or (node.id == "code" and id(node) in in_refusals)
        return isinstance(node, ast.Attribute) and (
            node.attr in REASON_ATTRIBUTES or (node.attr == "code" and _name(node.value) in caught)
        )

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(holds_a_reason(operand) for operand in operands):
                found += [(node.lineno, code) for operand in operands for code in _strings(operand)]
        elif isinstance(node, ast.Call):
            called = _name(node.func)
            if called in REFUSALS:
                given = [kw.value for kw in node.keywords if kw.arg == "code"]
                if called in {"CallRefused", "FilingRefused"} and node.args:
                    given.append(node.args[0])
                found += [(node.lineno, code) for value in given for code in _strings(value)]
            elif called in TAKE_A_REASON and node.args:
                found += [(node.lineno, code) for code in _strings(node.args[0])]
    return found


def reason_codes_used() -> list[tuple[str, str]]:
    """(where, code) for every reason code the source, its templates and its scripts use."""
    used = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts or path == SOURCE / "core" / "reasons.py":
            continue
        for line, code in reason_codes_in_python(path.read_text(encoding="utf-8")):
            used.append((f"{path.relative_to(SOURCE)}:{line}", code))
    for path in sorted(SOURCE.rglob("templates/**/*.html")):
        for match in TEMPLATE_USES.finditer(path.read_text(encoding="utf-8")):
            used.append((str(path.relative_to(SOURCE)), match["compared"] or match["labelled"]))
    for name, not_reasons in SCRIPT_FILES.items():
        scripts = yaml.safe_load((SOURCE / name).read_text(encoding="utf-8"))
        used += [(name, key) for key in scripts if key not in not_reasons]
    return used


def test_every_reason_code_used_anywhere_is_a_row():
    used = reason_codes_used()
    assert ("hotline/data/scripts.yaml", "quota_exhausted") in used  # the scan reads what it should
    missing = [(where, code) for where, code in used if reason_of(code) is None]
    assert missing == [], "add a row to core/reasons.py (or use a Reason member) for these codes"


@pytest.mark.parametrize(
    ("rule", "source"),
    [
        ("compared with a decision's reason", 'if decision.reason == "quota_gone": pass'),
        ("one of several", 'ok = decision.reason in ("ok", "quota_gone")'),
        (
            "compared with a caught refusal's code",
            'try:\n    f()\nexcept EntitlementRefused as exc:\n    if exc.code == "quota_gone": pass',
        ),
        ("given as a refusal's code", 'raise EntitlementDenied("…", "…", code="quota_gone")'),
        ("given first to the hotline's refusal", 'raise CallRefused("quota_gone", "…", "…")'),
        ("looked up in the table", 'reason_of("quota_gone")'),
        (
            "inside a refusal's own class",
            'class CallRefused(HotlineError):\n    def status(self, code):\n        return code == "quota_gone"',
        ),
    ],
    ids=lambda value: value if " " in value and "(" not in value else "",
)
def test_the_scan_finds_a_code_the_table_lacks(rule, source):
    assert [code for _, code in reason_codes_in_python(source)] != []
    assert all(code in ("ok", "quota_gone") for _, code in reason_codes_in_python(source))
    assert any(reason_of(code) is None for _, code in reason_codes_in_python(source))


def test_other_codes_are_not_mistaken_for_reasons():
    source = 'raise InvalidInput("…", code="unknown_product")\nif dim.code == "overview": pass'
    assert reason_codes_in_python(source) == []
