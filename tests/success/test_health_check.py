"""The health check: the agent's bundle (stdlib only, no secrets), validated on upload; the business
diagnosis over the generated sample ERP database, read-only; scheduling; once a service year."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from successhub.contracts.models import UsageEntry
from successhub.success import inspect_agent, inspection, services
from successhub.success.diagnosis import runner
from successhub.success.diagnosis.rules import CLOSE_DEADLINE_DAYS, DIMENSION_NAMES, RULES
from successhub.success.erp import sample
from successhub.success.errors import (
    BundleRejected,
    DiagnosisFailed,
    EntitlementDenied,
    InvalidState,
    NotAllowed,
)
from successhub.success.models import CheckStatus, HealthCheck

from .conftest import NOW, beijing

AGENT = Path(inspect_agent.__file__)
AS_OF = dt.date(2026, 6, 10)


@pytest.fixture(scope="module")
def erp(tmp_path_factory) -> Path:
    return sample.generate(tmp_path_factory.mktemp("erp") / "erp.db", as_of=AS_OF)


def _bundle(org="org1", **changes) -> dict:
    bundle = inspect_agent.collect(org, disks=["/"])
    bundle.update(changes)
    return bundle


# --- the agent ---------------------------------------------------------------------------------------


def test_the_agent_runs_alone_without_django_or_successhub(tmp_path, erp):
    """Copied alone and run in an isolated interpreter (no site-packages): it still collects."""
    alone = tmp_path / "inspect_agent.py"
    alone.write_bytes(AGENT.read_bytes())
    out = tmp_path / "bundle.json"
    secret_url = f"sqlite:///{erp}?password=hunter2"
    log = tmp_path / "app.log"
    log.write_text(
        "INFO ok\nERROR failed to post voucher 记-00001 for 客户A\nWARN slow\nERROR x\n", encoding="utf-8"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            str(alone),
            "--org",
            "acme",
            "--out",
            str(out),
            "--db-url",
            secret_url,
            "--service",
            "no-such-service-xyz",
            "--log",
            str(log),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "SECRET_KEY": "s3cret"},
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    bundle = json.loads(text)
    assert bundle["schema"] == inspect_agent.SCHEMA and bundle["organisation"] == "acme"
    assert bundle["database"]["kind"] == "sqlite" and bundle["database"]["reachable"] is True
    assert bundle["database"]["size_bytes"] == erp.stat().st_size
    assert bundle["services"] == [{"name": "no-such-service-xyz", "state": "not_running"}]
    assert bundle["logs"][0]["errors"] == 2 and bundle["logs"][0]["warnings"] == 1
    # Never business data or secrets: no log line, no connection string, no environment.
    for forbidden in ("hunter2", "s3cret", "记-00001", "客户A", "password", str(erp)):
        assert forbidden not in text


def test_successhub_inspect_is_the_same_agent(tmp_path, capsys):
    from successhub.cli import main

    out = tmp_path / "b.json"
    assert main(["inspect", "--org", "acme", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["schema"] == inspect_agent.SCHEMA


# --- bundle validation and the inspection rules ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xff\xfe not json", "bundle_malformed"),
        (b'{"schema": "something/else"}', "bundle_malformed"),
        (b"[1, 2, 3]", "bundle_malformed"),
        (json.dumps({"schema": inspect_agent.SCHEMA, "organisation": "org1"}).encode(), "bundle_malformed"),
        (json.dumps(_bundle(disks="not a list")).encode(), "bundle_malformed"),
        (json.dumps(_bundle("someone-else")).encode(), "bundle_foreign"),
        (b"{" + b" " * (inspection.DEFAULT_MAX_BYTES + 1) + b"}", "bundle_too_large"),
    ],
    ids=[
        "not JSON",
        "another schema",
        "not an object",
        "sections missing",
        "a section of the wrong shape",
        "another organisation's",
        "too large",
    ],
)
def test_bad_bundles_are_refused(raw, code):
    with pytest.raises(BundleRejected) as refused:
        inspection.parse_bundle(raw, "org1")
    assert refused.value.code == code


def test_unknown_fields_are_not_kept():
    raw = json.dumps(_bundle(extra={"password": "x"}, os={"system": "Linux", "secret": "y"})).encode()
    bundle = inspection.parse_bundle(raw, "org1")
    assert "extra" not in bundle and "secret" not in bundle["os"]


GB = 1024**3


def _shaped(**sections) -> dict:
    base = {
        "schema": inspect_agent.SCHEMA,
        "organisation": "org1",
        "collected_at": "2026-06-10T02:00:00+00:00",
        "os": {"system": "Linux"},
        "cpu": {"count": 4, "load": [0.5, 0.5, 0.5]},
        "memory": {"total_bytes": 16 * GB, "available_bytes": 8 * GB},
        "disks": [{"path": "/", "total_bytes": 100 * GB, "free_bytes": 50 * GB}],
        "database": {"kind": "postgresql", "reachable": True},
        "services": [],
        "logs": [],
        "config": [],
    }
    base.update(sections)
    return inspection.parse_bundle(json.dumps(base).encode(), "org1")


INSPECTION_CASES = [
    ({}, []),
    ({"disks": [{"path": "/", "total_bytes": 100 * GB, "free_bytes": 15 * GB}]}, [("disk_usage", "warning")]),
    (
        {"disks": [{"path": "/data", "total_bytes": 100 * GB, "free_bytes": 5 * GB}]},
        [("disk_usage", "critical")],
    ),
    ({"memory": {"total_bytes": 16 * GB, "available_bytes": GB}}, [("memory_available", "warning")]),
    ({"cpu": {"count": 2, "load": [5.0, 5.0, 5.0]}}, [("cpu_load", "warning")]),
    ({"database": {"kind": "postgresql", "reachable": False}}, [("database_unreachable", "critical")]),
    (
        {"services": [{"name": "kingdee-app", "state": "failed"}, {"name": "nginx", "state": "active"}]},
        [("service_down", "critical")],
    ),
    (
        {"logs": [{"path": "/var/log/a", "errors": 60}, {"path": "/var/log/b", "errors": 40}]},
        [("log_errors", "warning")],
    ),
    ({"logs": [{"path": "/var/log/a", "errors": 99}]}, []),
    (
        {"config": [{"check": "timezone_beijing", "ok": False, "value": "+0000"}]},
        [("config_timezone_beijing", "info")],
    ),
]


@pytest.mark.parametrize(
    ("sections", "expected"),
    INSPECTION_CASES,
    ids=[
        "a healthy server has no findings",
        "disk 85% used warns",
        "disk 95% used is critical",
        "little free memory warns",
        "load over twice the CPUs warns",
        "unreachable database is critical",
        "a stopped product service is critical",
        "100 error lines across logs warn",
        "99 error lines do not",
        "a server not on Beijing time is noted",
    ],
)
def test_inspection_rules(sections, expected):
    assert [(f.rule, f.severity) for f in inspection.evaluate(_shaped(**sections))] == expected


# --- the business diagnosis -----------------------------------------------------------------------


def test_every_rule_finds_exactly_what_the_generator_planted(erp):
    result = runner.diagnose(f"sqlite:///{erp}", as_of=AS_OF)
    found = {f.rule: f.count for f in result.findings}
    assert found == sample.PLANTED
    assert {f.dimension for f in result.findings} == set(DIMENSION_NAMES) - {"overview"}
    assert result.overview["figures"]["licensed_users"] == 25


@pytest.mark.parametrize("rule", [r for r in RULES if r.code in sample.PLANTED], ids=lambda r: r.code)
def test_each_rule_is_silent_on_clean_data(tmp_path, rule):
    """Table of rules: after repairing what the generator planted for a rule, that rule finds nothing."""
    path = sample.generate(tmp_path / "erp.db", as_of=AS_OF)
    repairs = {
        "unbalanced_vouchers": "UPDATE voucher_lines SET credit_cents = (SELECT SUM(debit_cents) FROM voucher_lines d "
        "WHERE d.voucher_id = voucher_lines.voucher_id) WHERE credit_cents > 0",
        "unposted_in_closed_period": "UPDATE vouchers SET posted = 1",
        "suppliers_missing_tax_number": "UPDATE suppliers SET tax_number = 'T' || id WHERE tax_number IS NULL",
        "materials_missing_unit": "UPDATE materials SET unit = '个'",
        "customers_missing_tax_number": "UPDATE customers SET tax_number = 'T' || id",
        "duplicate_suppliers": "DELETE FROM suppliers WHERE id > 40",
        "voucher_date_outside_period": "UPDATE vouchers SET voucher_date = (SELECT start_date FROM periods p "
        "WHERE p.id = vouchers.period_id)",
        "period_closed_late": "UPDATE periods SET closed_on = end_date WHERE closed = 1",
        "period_not_closed": "UPDATE periods SET closed = 1, closed_on = end_date WHERE end_date < '2026-05-11'",
        "stale_open_orders": "UPDATE purchase_orders SET status = 'closed'",
        "licensed_never_logged_in": "UPDATE users SET last_login = '2026-06-01' WHERE last_login IS NULL",
        "licensed_inactive": "UPDATE users SET last_login = '2026-06-01'",
    }
    with sqlite3.connect(path) as db:
        db.execute(repairs[rule.code])
    found = {f.rule for f in runner.diagnose(f"sqlite:///{path}", as_of=AS_OF).findings}
    assert rule.code not in found


def test_the_diagnosis_never_writes(erp):
    before = erp.read_bytes()
    runner.diagnose(f"sqlite:///{erp}", as_of=AS_OF)
    assert erp.read_bytes() == before


@pytest.mark.parametrize(
    "connection_string",
    [
        "sqlite:////nonexistent/erp.db",
        "mysql://erp@10.0.0.1/erp",
        "",
        "postgres://nobody@127.0.0.1:1/erp",
        "sqlite:///{empty}",
    ],
    ids=["missing file", "unsupported kind", "empty", "server not listening", "not an ERP database"],
)
def test_a_failing_connection_is_a_clear_refusal(tmp_path, connection_string):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(DiagnosisFailed) as refused:
        runner.diagnose(connection_string.replace("{empty}", str(empty)), as_of=AS_OF)
    assert refused.value.code == "diagnosis_connection_failed"
    assert "未保存任何结果" in refused.value.message_zh


# --- the whole check: scheduling, reports, quota -------------------------------------------------------


@pytest.fixture
def confirmed(advanced, customer, manager, freeze):
    freeze()
    check = services.propose_check(manager, advanced, beijing(2026, 6, 15, 14), now=NOW)
    with pytest.raises(NotAllowed):
        services.confirm_check(manager, check)  # the side that proposed does not confirm
    return services.confirm_check(customer, check)


def _good_bundle(org) -> bytes:
    return json.dumps(_bundle(org.code)).encode()


@pytest.mark.django_db
def test_a_full_check_consumes_the_year_once(confirmed, customer, manager, erp, advanced):
    services.upload_inspection(customer, confirmed, _good_bundle(advanced))
    with pytest.raises(InvalidState):
        services.complete_check(manager, confirmed)  # no diagnosis yet
    services.run_diagnosis(manager, confirmed, f"sqlite:///{erp}")
    check = services.complete_check(manager, confirmed)
    assert check.status == CheckStatus.COMPLETED
    assert UsageEntry.objects.get(service="health_check").reference == f"HC-{check.pk}"
    with pytest.raises(EntitlementDenied) as refused:
        services.propose_check(customer, advanced, beijing(2026, 9, 1, 10), now=NOW)
    assert refused.value.code == "quota_exhausted"


@pytest.mark.django_db
def test_bad_uploads_and_connections_leave_the_check_untouched(confirmed, customer, manager):
    with pytest.raises(BundleRejected):
        services.upload_inspection(customer, confirmed, json.dumps(_bundle("someone-else")).encode())
    with pytest.raises(DiagnosisFailed):
        services.run_diagnosis(manager, confirmed, "sqlite:////nonexistent/erp.db")
    check = HealthCheck.objects.get(pk=confirmed.pk)
    assert check.inspection is None and check.inspection_findings == []
    assert check.diagnosed_at is None and check.diagnosis_findings == []


@pytest.mark.django_db
def test_the_bundle_can_be_posted_with_a_token(confirmed, customer, advanced, client):
    from successhub.accounts.services import issue_api_token

    token = issue_api_token(customer, "inspection agent")
    url = f"/api/v1/success/health-checks/{confirmed.pk}/inspection"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    foreign = client.post(url, json.dumps(_bundle("other")), content_type="application/json", **headers)
    assert foreign.status_code == 422 and foreign.json()["code"] == "bundle_foreign"
    ok = client.post(url, _good_bundle(advanced), content_type="application/json", **headers)
    assert ok.status_code == 200, ok.content
    assert HealthCheck.objects.get(pk=confirmed.pk).inspection["organisation"] == advanced.code


@pytest.mark.django_db
def test_the_reports_read_in_the_pages_language(confirmed, customer, manager, erp, advanced, client):
    """Findings are stored in Chinese with what fills them, and each page writes them in its language;
    the overview names its figures (never their codes)."""
    bundle = _bundle(
        advanced.code,
        disks=[{"path": "/data", "total_bytes": 100 * GB, "free_bytes": 5 * GB}],
        services=[{"name": "kingdee-app", "state": "failed"}],
        config=[{"check": "timezone_beijing", "ok": False, "value": "+0000"}],
    )
    services.upload_inspection(customer, confirmed, json.dumps(bundle).encode())
    services.run_diagnosis(manager, confirmed, f"sqlite:///{erp}")
    stored = {f["rule"]: f for f in HealthCheck.objects.get(pk=confirmed.pk).inspection_findings}
    assert stored["disk_usage"]["title"] == "磁盘 /data 已使用 95%"
    client.force_login(manager)
    chinese = client.get(f"/success/checks/{confirmed.pk}/").content.decode()
    assert (
        "磁盘 /data 已使用 95%" in chinese
        and "未运行：kingdee-app" in chinese
        and "凭证借贷不平衡" in chinese
    )
    assert "凭证数" in chinese and "vouchers" not in chinese
    english = client.get(f"/success/checks/{confirmed.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in (
        "Disk /data is 95% full",
        "Not running: kingdee-app",
        "Current value: +0000",
        "Vouchers whose debits and credits do not balance",
        f"Periods closed more than {CLOSE_DEADLINE_DAYS} days after they ended",
    ):
        assert text in english, text
    assert "磁盘" not in english and "凭证借贷不平衡" not in english
