"""The catalog files: both plans transcribed from the seeds, validated on load."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from successhub.core.catalog import SERVICE_CODES, CatalogError, load_catalog, load_catalog_texts

PLANS = Path(__file__).resolve().parents[2] / "src" / "successhub" / "catalog" / "plans"
LABELS = (PLANS / "labels.yaml").read_text(encoding="utf-8")
STANDARD = (PLANS / "standard-2025-07.yaml").read_text(encoding="utf-8")
ADVANCED = (PLANS / "advanced-2025-07.yaml").read_text(encoding="utf-8")


def test_the_seed_numbers_are_in_the_files():
    catalog = load_catalog([PLANS])
    standard = catalog.edition("standard")
    advanced = catalog.edition("advanced")
    assert standard.items["hotline"].quota.limit == 4 and standard.items["hotline"].fatal_only
    assert advanced.items["hotline"].quota is None and not advanced.items["hotline"].fatal_only
    assert advanced.items["critical_moment_support"].quota.limit == Decimal(2)
    assert advanced.items["critical_moment_support"].min_contract_amount == Decimal(5000)
    assert advanced.items["dedicated_im_group"].max_members == 5
    assert advanced.items["online_ticket"].first_response.working_minutes == 480
    assert advanced.items["online_ticket"].first_response.schedule == "5x8"
    assert standard.items["public_cloud_ops"].upgrade_windows_outside == "5x8"
    assert catalog.labels.name("schedule_names", "7x24") == "7×24 小时"
    assert set(advanced.items) == set(SERVICE_CODES)
    assert set(standard.items) == {
        "community",
        "smart_service",
        "public_cloud_ops",
        "patch_download",
        "demand_listening",
        "license_upgrade",
        "hotline",
    }


@pytest.mark.parametrize(
    "broken, field",
    [
        (
            STANDARD.replace(
                "7x24\n    phone: 4008-836-836\n    fatal_only",
                "9x9\n    phone: 4008-836-836\n    fatal_only",
            ),
            "items.hotline.schedule",
        ),
        (STANDARD.replace("limit: 4", "limit: four"), "items.hotline.quota.limit"),
        (
            STANDARD.replace("deployment_types: [public_cloud]", "deployment_types: [moon_base]"),
            "items.public_cloud_ops.deployment_types[0]",
        ),
        (STANDARD.replace("  hotline:\n", "  hotlines:\n"), "items.hotlines"),
        (STANDARD.replace("published: 2025-07-01", "published: soon"), "published"),
        (
            STANDARD.replace("channels: [innovation_square]", "channels: [carrier_pigeon]"),
            "items.demand_listening.channels[0]",
        ),
        (STANDARD + "\n  bad: [unclosed\n", "line"),
        (
            STANDARD.replace("upgrade_windows_outside: 5x8", "upgrade_windows_outside: office"),
            "items.public_cloud_ops.upgrade_windows_outside",
        ),
    ],
    ids=[
        "unknown schedule",
        "non-numeric limit",
        "unknown deployment type",
        "unknown service code",
        "bad published date",
        "unknown channel",
        "invalid YAML",
        "upgrade windows outside an unknown schedule",
    ],
)
def test_errors_name_the_file_and_field(broken, field):
    with pytest.raises(CatalogError) as error:
        load_catalog_texts({"standard-broken.yaml": broken, "advanced.yaml": ADVANCED}, LABELS)
    assert str(error.value).startswith("standard-broken.yaml: ")
    assert field in str(error.value)


def test_a_new_edition_is_a_new_file_and_the_newest_published_applies():
    newer = (
        STANDARD.replace('edition: "2025-07"', 'edition: "2027-01"')
        .replace("published: 2025-07-01", "published: 2027-01-01")
        .replace("limit: 4", "limit: 6")
    )
    catalog = load_catalog_texts({"s1": STANDARD, "s2": newer, "a": ADVANCED}, LABELS)
    import datetime as dt

    assert catalog.edition("standard", on=dt.date(2026, 6, 1)).items["hotline"].quota.limit == 4
    assert catalog.edition("standard", on=dt.date(2027, 3, 1)).items["hotline"].quota.limit == 6
    assert catalog.edition("standard", "2025-07").items["hotline"].quota.limit == 4


def test_an_edition_must_include_an_existing_edition():
    with pytest.raises(CatalogError, match="includes"):
        load_catalog_texts({"a": ADVANCED}, LABELS)


def test_catalog_page_for_staff(client, make_user, db):
    from successhub.accounts.models import Role

    client.force_login(make_user(role=Role.SERVICE_ADMIN))
    html = client.get("/staff/catalog/").content.decode()
    assert "高级成功服务" in html and "额度：4 次/服务年度" in html and "合同金额不低于 5000 元" in html


def test_the_hotline_number_is_a_catalog_term():
    catalog = load_catalog([PLANS])
    assert catalog.edition("standard").items["hotline"].phone == "4008-836-836"
    assert catalog.edition("advanced").items["hotline"].phone == "4008-836-836"
