"""Every public-cloud deployment is an environment with a stable code and its ops platform (from the catalog)."""

from __future__ import annotations

import pytest

from successhub.ops.models import Environment
from successhub.ops.services import sync_all_environments


@pytest.mark.parametrize(
    ("product", "platform"),
    [
        ("cosmic", "tianti"),
        ("constellation", "tianti"),
        ("galaxy", "tianti"),
        ("eas_cloud", "eas"),
        ("s_hr", "eas"),
    ],
)
def test_a_public_cloud_deployment_gets_an_environment_on_its_products_ops_platform(
    product, platform, make_org, add_deployment
):
    deployment = add_deployment(make_org(), product=product, kind="public_cloud", version="1.0")
    environment = Environment.objects.get(deployment=deployment)
    assert environment.ops_platform == platform
    assert environment.code == f"{deployment.organisation.code}-{product.replace('_', '-')}-{deployment.pk}"


@pytest.mark.parametrize("kind", ["private_cloud", "private_cloud_subscription"])
def test_private_cloud_deployments_have_no_environment(kind, make_org, add_deployment):
    add_deployment(make_org(), kind=kind)
    assert not Environment.objects.exists()


def test_the_code_stays_when_the_deployment_changes_and_leaving_the_public_cloud_retires_it(
    make_org, add_deployment
):
    deployment = add_deployment(make_org(), product="cosmic", kind="public_cloud", version="6.0")
    code = Environment.objects.get().code
    deployment.version = "6.1"
    deployment.environment_url = "https://t.example/"
    deployment.save()
    environment = Environment.objects.get()
    assert (environment.code, environment.version, environment.tenant_url) == (
        code,
        "6.1",
        "https://t.example/",
    )
    deployment.type = "private_cloud"
    deployment.save()
    assert Environment.objects.get().retired_at is not None


def test_sync_is_idempotent(make_org, add_deployment):
    add_deployment(make_org(), product="galaxy", kind="public_cloud")
    assert sync_all_environments() == 1
    assert sync_all_environments() == 1
    assert Environment.objects.count() == 1
