"""End to end with the real stack: a tenant address that goes down opens an incident in SuccessHub
through the blackbox exporter, Prometheus' rule and Alertmanager's webhook; back up, it resolves."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from successhub.accounts.models import Role
from successhub.accounts.services import issue_api_token
from successhub.contracts.models import Deployment, Product
from successhub.ops.models import Environment, Incident, WebhookReceipt
from successhub.ops.prometheus import StackConfig, write_stack
from tests.ops import stack

pytestmark = pytest.mark.skipif(
    bool(stack.missing_binaries()),
    reason=f"Prometheus stack not installed: {', '.join(stack.missing_binaries())}",
)

FAST = StackConfig(
    scrape_interval="1s",
    evaluation_interval="1s",
    unavailable_for="0s",
    slow_for="0s",
    probe_timeout="1s",
    group_wait="1s",
    group_interval="1s",
    repeat_interval="1h",
    resolve_timeout="1m",
    # In-memory SQLite is shared with the live server's threads: no concurrent scrapes of /metrics here.
    scrape_successhub=False,
)


def _incidents(base_url: str, token: str, code: str) -> list[dict]:
    # Through the API, not the ORM: the live server owns the (in-memory SQLite) database meanwhile.
    request = urllib.request.Request(
        f"{base_url}/api/v1/ops/incidents?environment={code}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError:  # SQLite's shared-cache lock met a concurrent webhook: ask again
        return []


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_tenant_going_down_opens_an_incident_and_coming_back_resolves_it(
    live_server, transactional_db, tmp_path, make_org, make_user
):
    ports = {
        name: stack.port(i) for i, name in enumerate(("tenant", "blackbox", "alertmanager", "prometheus"))
    }
    tenant = stack.Tenant(ports["tenant"])
    try:
        organisation = make_org(name="南方零售")
        engineer = make_user(role=Role.OPS_ENGINEER, username="ops-it")
        make_user(organisation=organisation, role=Role.CUSTOMER_ADMIN, username="nf-admin-it")
        deployment = Deployment.objects.create(
            organisation=organisation,
            product=Product.objects.get(code="cosmic"),
            type="public_cloud",
            version="6.0",
            environment_url=tenant.url,
        )
        environment = Environment.objects.get(deployment=deployment)
        token_file = tmp_path / "token"
        token = issue_api_token(engineer, "Alertmanager")
        token_file.write_text(token)
        config = StackConfig(
            **{
                **FAST.__dict__,
                "successhub_url": live_server.url,
                "token_file": str(token_file),
                "blackbox_address": f"127.0.0.1:{ports['blackbox']}",
                "alertmanager_address": f"127.0.0.1:{ports['alertmanager']}",
            }
        )
        write_stack(tmp_path, config)
        with stack.running_stack(tmp_path, ports):
            tenant.up = False
            opened = _wait_for(
                lambda: _incidents(live_server.url, token, environment.code), 60, "the incident"
            )
            assert [(i["alertname"], i["status"]) for i in opened] == [("EnvironmentUnavailable", "open")]
            tenant.up = True
            _wait_for(
                lambda: (
                    [i["status"] for i in _incidents(live_server.url, token, environment.code)]
                    == ["resolved"]
                ),
                60,
                "the incident to resolve",
            )
        incident = Incident.objects.get(environment=environment)
        assert incident.labels["successhub_environment"] == environment.code
        if os.environ.get("SUCCESSHUB_OPS_RECORD_PAYLOADS"):  # how tests/ops/payloads/ were recorded
            for receipt in WebhookReceipt.objects.order_by("pk"):
                Path(
                    os.environ["SUCCESSHUB_OPS_RECORD_PAYLOADS"], f"real-{receipt.pk}-{receipt.status}.json"
                ).write_text(receipt.body, encoding="utf-8")
        incident.refresh_from_db()
        assert incident.resolved_at > incident.starts_at
        assert incident.duration_seconds is not None
        assert Incident.objects.filter(environment=environment).count() == 1
        assert WebhookReceipt.objects.filter(outcome="processed").count() >= 2
        kinds = list(incident.events.values_list("kind", flat=True))
        assert kinds[0] == "opened" and kinds[-1] == "resolved" and "paged" in kinds
    finally:
        tenant.close()
