"""``successhub calendar add|between``: output on stdout, refusals as one line on stderr."""

from __future__ import annotations

import io
import json

import pytest

from successhub.cli import main

# The command reads the product's holiday data (the database; the bundled notices when it
# holds none), so it needs the test database.
pytestmark = pytest.mark.django_db


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["calendar", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def jsonl(*rows: dict) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(
            ["--schedule", "5x8", "--start", "2026-03-02T08:30:00+08:00", "--minutes", "480"],
            "2026-03-02T17:30:00+08:00",
            id="one working day ends at 17:30",
        ),
        pytest.param(
            ["--schedule", "5x8", "--start", "2026-03-02T11:30", "--minutes", "60"],
            "2026-03-02T13:30:00+08:00",
            id="a start without offset is Beijing time; lunch does not count",
        ),
        pytest.param(
            ["--schedule", "5x8", "--start", "2026-03-02T02:00:00Z", "--minutes", "60"],
            "2026-03-02T11:00:00+08:00",
            id="a UTC start is printed in +08:00",
        ),
        pytest.param(
            ["--schedule", "5x8", "--start", "2026-02-14T10:00", "--minutes", "30"],
            "2026-02-24T09:00:00+08:00",
            id="a make-up Saturday does not count by default",
        ),
        pytest.param(
            ["--schedule", "5x8", "--start", "2026-02-14T10:00", "--minutes", "30", "--include-makeup-days"],
            "2026-02-14T10:30:00+08:00",
            id="a make-up Saturday counts with the flag",
        ),
        pytest.param(
            ["--schedule", "7x24", "--start", "2026-03-02T23:30", "--minutes", "1.5"],
            "2026-03-02T23:31:30+08:00",
            id="decimal minutes",
        ),
    ],
)
def test_add(capsys, argv, expected):
    assert run(capsys, "add", *argv) == (0, expected + "\n", "")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(
            ["--schedule", "5x8", "--start", "2026-03-02T08:30", "--end", "2026-03-03T08:30"],
            "480",
            id="one working day is 480 minutes",
        ),
        pytest.param(
            ["--schedule", "5x8", "--start", "2026-03-02T09:00", "--end", "2026-03-02T09:00:30"],
            "0.5",
            id="part minutes print as a decimal",
        ),
        pytest.param(
            [
                "--schedule",
                "5x8",
                "--start",
                "2026-02-13T00:00",
                "--end",
                "2026-02-25T00:00",
                "--include-makeup-days",
            ],
            "1440",
            id="the make-up Saturday counts with the flag",
        ),
    ],
)
def test_between(capsys, argv, expected):
    assert run(capsys, "between", *argv) == (0, expected + "\n", "")


def test_add_batch_from_a_file(capsys, tmp_path):
    path = tmp_path / "requests.jsonl"
    path.write_text(
        jsonl(
            {"schedule": "5x8", "start": "2026-03-02T11:00:00+08:00", "minutes": 60},
            {"schedule": "7x8", "start": "2026-02-17T10:00:00+08:00", "minutes": 60},
            {"schedule": "5x8", "start": "2026-02-14T10:00", "minutes": 30, "include_makeup_days": True},
        )
        + "\n",
        encoding="utf-8",
    )
    assert run(capsys, "add", "--batch", str(path)) == (
        0,
        "2026-03-02T12:00:00+08:00\n2026-02-17T11:00:00+08:00\n2026-02-14T10:30:00+08:00\n",
        "",
    )


def test_between_batch_from_stdin(capsys, monkeypatch):
    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            jsonl(
                {"schedule": "5x8", "start": "2026-03-06T17:00", "end": "2026-03-09T09:00"},
                {"schedule": "7x24", "start": "2026-03-06T17:00", "end": "2026-03-06T17:00:30"},
            )
        ),
    )
    assert run(capsys, "between", "--batch", "-") == (0, "60\n0.5\n", "")


def test_a_provisional_result_is_printed_with_a_warning_naming_the_year(capsys):
    code, out, err = run(capsys, "add", "--schedule", "5x8", "--start", "2026-12-31T17:00", "--minutes", "60")
    assert (code, out) == (0, "2027-01-01T09:00:00+08:00\n")
    assert err.count("\n") == 1
    assert "warning" in err and "2027" in err


def test_a_provisional_batch_warns_once(capsys, monkeypatch):
    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            jsonl(
                {"schedule": "5x8", "start": "2027-03-01T10:00", "minutes": 60},
                {"schedule": "5x8", "start": "2028-03-01T10:00", "minutes": 60},
                {"schedule": "5x8", "start": "2026-03-02T10:00", "minutes": 60},
            )
        ),
    )
    code, out, err = run(capsys, "add", "--batch", "-")
    assert (code, out.splitlines()) == (
        0,
        ["2027-03-01T11:00:00+08:00", "2028-03-01T11:00:00+08:00", "2026-03-02T11:00:00+08:00"],
    )
    assert err.count("\n") == 1
    assert "2027" in err and "2028" in err


GOOD_ADD = ["--schedule", "5x8", "--start", "2026-03-02T09:00", "--minutes", "60"]


@pytest.mark.parametrize(
    ("argv", "stdin", "reason"),
    [
        pytest.param(
            ["add", "--schedule", "5x9", "--start", "2026-03-02T09:00", "--minutes", "1"],
            None,
            "unknown schedule",
            id="unknown schedule",
        ),
        pytest.param(
            ["add", "--schedule", "5x8", "--start", "2026-02-30T09:00", "--minutes", "1"],
            None,
            "not an ISO 8601",
            id="bad date",
        ),
        pytest.param(
            ["add", "--schedule", "5x8", "--start", "next monday", "--minutes", "1"],
            None,
            "not an ISO 8601",
            id="not a date at all",
        ),
        pytest.param(
            ["add", "--schedule", "5x8", "--minutes", "1"], None, "--start is required", id="missing start"
        ),
        pytest.param(
            ["add", "--schedule", "5x8", "--start", "2026-03-02T09:00"],
            None,
            "--minutes is required",
            id="missing minutes",
        ),
        pytest.param(
            ["between", "--schedule", "5x8", "--start", "2026-03-02T09:00"],
            None,
            "--end is required",
            id="missing end",
        ),
        pytest.param(
            ["add", "--schedule", "5x8", "--start", "2026-03-02T09:00", "--minutes", "-5"],
            None,
            "negative",
            id="negative minutes",
        ),
        pytest.param(
            ["add", "--schedule", "5x8", "--start", "2026-03-02T09:00", "--minutes", "ten"],
            None,
            "not a number",
            id="minutes not a number",
        ),
        pytest.param(
            ["add", "--schedule", "5x8", "--start", "1985-03-02T09:00", "--minutes", "1"],
            None,
            "supported years",
            id="a year before 1992",
        ),
        pytest.param(
            ["add", "--batch", "-", "--schedule", "5x8"],
            "",
            "leave out --schedule",
            id="batch mixed with single options",
        ),
        pytest.param(
            ["add", "--batch", "/nonexistent/requests.jsonl"], None, "cannot read", id="unreadable batch file"
        ),
        pytest.param(
            ["add", "--batch", "-"],
            jsonl({"schedule": "5x8", "start": "2026-03-02T09:00", "minutes": 1}) + "{not json\n",
            "line 2: not valid JSON",
            id="bad JSON line names its number",
        ),
        pytest.param(
            ["add", "--batch", "-"],
            "[1, 2]\n",
            "line 1: expected a JSON object",
            id="a line that is not an object",
        ),
        pytest.param(
            ["add", "--batch", "-"],
            jsonl({"schedule": "5x8", "start": "2026-03-02T09:00"}),
            "line 1: missing field 'minutes'",
            id="batch missing field",
        ),
        pytest.param(
            ["add", "--batch", "-"],
            jsonl({"schedule": "9x9", "start": "2026-03-02T09:00", "minutes": 1}),
            "line 1: unknown schedule",
            id="batch unknown schedule",
        ),
        pytest.param(
            ["add", "--batch", "-"],
            jsonl({"schedule": "5x8", "start": "2026-03-02", "minutes": -1}),
            "line 1: minutes must not be negative",
            id="batch negative minutes",
        ),
        pytest.param(
            ["add", "--batch", "-"],
            jsonl({"schedule": "5x8", "start": "yesterday", "minutes": 1}),
            "line 1: start",
            id="batch bad date",
        ),
        pytest.param(
            ["add", "--batch", "-"],
            jsonl(
                {"schedule": "5x8", "start": "2026-03-02T09:00", "minutes": 1, "include_makeup_days": "yes"}
            ),
            "line 1: include_makeup_days must be true or false",
            id="batch flag not a boolean",
        ),
        pytest.param(
            ["add", "--batch", "-"],
            jsonl({"schedule": "5x8", "start": "2026-03-02T09:00", "minute": 1}),
            "line 1: unknown field 'minute'",
            id="batch misspelt field",
        ),
        pytest.param(
            ["between", "--batch", "-"],
            jsonl(
                {"schedule": "5x8", "start": "2026-03-02T09:00", "end": "2026-03-02T10:00"},
                {"schedule": "5x8", "start": "2026-03-02T09:00"},
            ),
            "line 2: missing field 'end'",
            id="between batch missing field",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, monkeypatch, argv, stdin, reason):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert reason in err
