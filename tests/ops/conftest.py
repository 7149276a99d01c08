"""Ops test set-up: an ops engineer with a token, a customer with a public-cloud environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from successhub.accounts.models import Role
from successhub.accounts.services import issue_api_token
from successhub.core.catalog import load_catalog_texts
from successhub.ops.models import Environment

PAYLOADS = Path(__file__).parent / "payloads"
PLANS = Path(__file__).resolve().parents[2] / "src" / "successhub" / "catalog" / "plans"


def payload(name: str, environment: str | None = None) -> str:
    """A recorded Alertmanager notification; its ``successhub_environment`` labels set to ``environment``."""
    document = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    if environment is not None:
        for alert in document["alerts"]:
            alert["labels"]["successhub_environment"] = environment
        for key in ("groupLabels", "commonLabels"):
            if "successhub_environment" in document.get(key, {}):
                document[key]["successhub_environment"] = environment
    return json.dumps(document)


@pytest.fixture
def ops_engineer(make_user):
    return make_user(role=Role.OPS_ENGINEER, username="ops1", email="ops1@vendor.example")


@pytest.fixture
def ops_token(ops_engineer):
    return issue_api_token(ops_engineer, "Alertmanager")


@pytest.fixture
def customer(make_org):
    return make_org(name="南方零售")


@pytest.fixture
def customer_admin(make_user, customer):
    return make_user(
        organisation=customer, role=Role.CUSTOMER_ADMIN, username="nf-admin", email="it@nanfang.example"
    )


@pytest.fixture
def environment(customer, add_deployment) -> Environment:
    deployment = add_deployment(customer, product="cosmic", kind="public_cloud", version="6.0")
    deployment.environment_url = "https://nanfang.kdcloud.example/"
    deployment.save()
    return Environment.objects.get(deployment=deployment)


@pytest.fixture
def post_alerts(client, ops_token):
    def post(body: str | bytes, token: str | None = ops_token):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return client.post("/api/v1/ops/alertmanager", data=body, content_type="application/json", **headers)

    return post


@pytest.fixture
def ops_catalog_where(monkeypatch):
    """Ops reads a catalog whose plan files say ``new`` where the shipped ones say ``old``."""

    def patch(old: str, new: str) -> None:
        plans = {
            path.name: path.read_text(encoding="utf-8")
            for path in PLANS.glob("*.yaml")
            if path.name != "labels.yaml"
        }
        assert any(old in text for text in plans.values()), f"no plan file says {old!r}"
        catalog = load_catalog_texts(
            {name: text.replace(old, new) for name, text in plans.items()},
            (PLANS / "labels.yaml").read_text(encoding="utf-8"),
        )
        monkeypatch.setattr("successhub.ops.services.get_catalog", lambda: catalog)

    return patch
