"""`successhub terms evaluate`: the terms table through the command line, and its errors."""

from __future__ import annotations

import io
import json

import pytest

from successhub.cli import main
from tests.terms_cases import CASES, scenario

pytestmark = pytest.mark.django_db


def run(capsys, monkeypatch, document, *extra) -> tuple[int, dict | None, str]:
    monkeypatch.setattr(
        "sys.stdin", io.StringIO(document if isinstance(document, str) else json.dumps(document))
    )
    code = main(["terms", "evaluate", "-", *extra])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else None, captured.err


@pytest.mark.parametrize("case", CASES, ids=str)
def test_service_terms_through_the_cli(capsys, monkeypatch, case):
    code, output, _ = run(capsys, monkeypatch, case.scenario)
    assert code == 0
    decision = next(d for d in output["decisions"] if d["service"] == case.service)
    assert (decision["allowed"], decision["reason"]) == (case.allowed, case.reason)
    if case.remaining is not None:
        assert decision["quota"]["remaining"] == case.remaining


def test_output_shape(capsys, monkeypatch):
    document = scenario(
        usage=[("hotline", "2025-08-01T10:00:00+08:00", 1)],
        request={"service": "hotline", "fatal": True, "product": "galaxy", "channel": "hotline", "amount": 1},
    )
    code, output, _ = run(capsys, monkeypatch, document)
    assert code == 0
    assert output == {
        "at": "2026-03-03T10:00:00+08:00",
        "decisions": [
            {
                "service": "hotline",
                "allowed": True,
                "reason": "ok",
                "explanation": output["decisions"][0]["explanation"],
                "quota": {
                    "limit": 4,
                    "used": 1,
                    "remaining": 3,
                    "period_start": "2025-07-01",
                    "period_end": "2026-06-30",
                },
                "schedule": "7x24",
                "open_now": True,
                "next_open": None,
            }
        ],
    }
    assert "剩余 3 次" in output["decisions"][0]["explanation"]


def test_reads_a_file(tmp_path, capsys):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario()), encoding="utf-8")
    assert main(["terms", "evaluate", str(path)]) == 0
    assert len(json.loads(capsys.readouterr().out)["decisions"]) == 16


def test_english_explanations(capsys, monkeypatch):
    code, output, _ = run(
        capsys, monkeypatch, scenario(request={"service": "online_ticket"}), "--language", "en"
    )
    assert "not part of your Standard Success Service" in output["decisions"][0]["explanation"]


@pytest.mark.parametrize(
    "document, message",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({**scenario(), "request": {"service": "massage"}}), "unknown code 'massage'"),
        (json.dumps({**scenario(), "at": "2026-02-30T10:00:00+08:00"}), "not an ISO 8601"),
        (json.dumps({"customer": scenario()["customer"]}), "at: missing"),
        (json.dumps({"at": "2026-03-03T10:00:00+08:00"}), "customer: missing"),
        ("[]", "must be a JSON object"),
    ],
    ids=["bad JSON", "unknown service", "bad date", "missing at", "missing customer", "not an object"],
)
def test_invalid_input_exits_2_with_one_line(capsys, monkeypatch, document, message):
    code, output, err = run(capsys, monkeypatch, document)
    assert code == 2
    assert output is None
    assert message in err
    assert err.count("\n") == 1


def test_missing_file_exits_2(capsys):
    assert main(["terms", "evaluate", "/nonexistent/scenario.json"]) == 2
    assert "cannot read" in capsys.readouterr().err
