"""Who may download which package, and how the bytes are sent: signed links, Range, conditions, audit."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from successhub.updates import delivery, services
from successhub.updates.models import Download
from tests.updates.conftest import BODY


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _link(client: Client, package) -> str:
    response = client.get(f"/updates/packages/{package.pk}/download/")
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- who may download what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "product", "package_versions", "expected"),
    [
        ("customer", "galaxy", ("V9.1",), 200),  # Advanced, the deployed version
        ("customer", "galaxy", ("V9.0", "V9.1"), 200),  # one of several versions
        ("standard_customer", "cosmic", ("6.0",), 200),  # Standard includes patch download
        ("customer", "galaxy", ("V9.0",), 404),  # a version the organisation does not run
        ("customer", "cosmic", ("6.0",), 404),  # a product the organisation does not run
        ("standard_customer", "galaxy", ("V9.1",), 404),  # another customer's product
        ("unverified", "galaxy", ("V9.1",), 403),  # 注册认证 first
        ("engineer", "galaxy", ("V9.1",), 200),  # staff may fetch any package
    ],
    ids=[
        "advanced-deployed-version",
        "one-of-several-versions",
        "standard-plan",
        "version-not-run",
        "product-not-run",
        "other-customers-product",
        "unverified-user",
        "staff",
    ],
)
def test_who_may_download_what(world, publish, who, product, package_versions, expected):
    package = publish(product=product, versions=package_versions)
    client = _client(getattr(world, who))
    response = client.get(f"/updates/packages/{package.pk}/download/")
    if expected != 200:
        assert response.status_code == expected
        assert not Download.objects.exists()
        return
    file = client.get(response["Location"])
    assert file.status_code == 200
    assert _body(file) == BODY


@pytest.mark.parametrize(
    ("region", "contract", "reason"),
    [("overseas", "in_force", "region_not_covered"), ("mainland", "expired", "no_active_contract")],
    ids=["overseas-customer", "contract-ended"],
)
def test_the_engine_refuses_with_its_explanation(
    world, publish, make_org, make_user, add_contract, add_deployment, region, contract, reason
):
    package = publish()
    organisation = make_org(region=region)
    add_deployment(organisation, "galaxy", "public_cloud", version="V9.1")
    start = timezone.localdate() - dt.timedelta(days=30 if contract == "in_force" else 800)
    add_contract(organisation, plan="standard", amount="0", start=start)
    response = _client(make_user(organisation)).get(f"/updates/packages/{package.pk}/download/")
    assert response.status_code == 403
    from successhub.contracts.selectors import entitlement_for
    from successhub.core.entitlements import Request

    decision = entitlement_for(organisation, Request("patch_download"))
    assert decision.reason == reason
    assert decision.explanation in response.content.decode()


def test_the_list_shows_only_the_organisations_packages(world, publish):
    mine = publish(product="galaxy", versions=("V9.1",), title="星空补丁")
    publish(product="galaxy", versions=("V9.0",), title="旧版本补丁")
    publish(product="cosmic", versions=("6.0",), title="苍穹补丁")
    draft = publish(product="galaxy", versions=("V9.1",), title="草稿补丁", published=False)
    page = _client(world.customer).get("/updates/").content.decode()
    assert mine.title in page
    assert "旧版本补丁" not in page and "苍穹补丁" not in page and draft.title not in page


# --- the signed link -------------------------------------------------------------------------------


def test_a_link_works_without_a_session_and_is_audited_to_its_user(world, publish):
    package = publish()
    link = _link(_client(world.customer), package)
    response = Client().get(link)
    assert response.status_code == 200
    assert hashlib.sha256(_body(response)).hexdigest() == package.sha256
    row = Download.objects.get()
    assert (row.user, row.organisation, row.package) == (world.customer, world.advanced, package)
    assert (row.range_start, row.range_end, row.bytes_sent, row.status_code) == (
        0,
        len(BODY) - 1,
        len(BODY),
        200,
    )
    assert row.finished_at is not None


def test_an_expired_link_is_refused(world, publish, monkeypatch):
    package = publish()
    link = _link(_client(world.customer), package)
    later = signing.time.time() + delivery.link_seconds() + 1
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = Client().get(link)
    assert response.status_code == 410
    assert "已过期" in response.content.decode()
    assert not Download.objects.exists()


@pytest.mark.parametrize("forge", ["flip-a-character", "other-package", "unsigned"])
def test_a_forged_link_is_refused(world, publish, forge):
    package = publish()
    other = publish(title="另一个补丁")
    link = _link(_client(world.customer), package)
    token = link.split("/")[3]
    if forge == "flip-a-character":
        forged = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    elif forge == "other-package":
        forged = signing.dumps({"p": other.pk, "u": world.customer.pk}, salt="another-salt", compress=True)
    else:
        forged = signing.b64_encode(b'{"p":1,"u":1}').decode()
    response = Client().get(link.replace(token, forged))
    assert response.status_code == 403
    assert not Download.objects.exists()


def test_a_withdrawn_package_is_gone_even_with_a_fresh_link(world, publish):
    package = publish()
    client = _client(world.customer)
    link = _link(client, package)
    services.withdraw_package(world.admin, package, "发现回归问题")
    assert Client().get(link).status_code == 410
    assert client.get(f"/updates/packages/{package.pk}/download/").status_code == 410
    assert "发现回归问题" in client.get(f"/updates/packages/{package.pk}/").content.decode()
    assert package.title not in client.get("/updates/").content.decode()
    assert not Download.objects.exists()


def test_a_user_who_lost_verification_cannot_use_an_old_link(world, publish):
    package = publish()
    link = _link(_client(world.customer), package)
    world.customer.phone_verified_at = None
    world.customer.save()
    assert Client().get(link).status_code == 403


# --- ranges and conditional requests ------------------------------------------------------------


SIZE = len(BODY)


@pytest.mark.parametrize(
    ("header", "status", "first", "last"),
    [
        ("bytes=0-9", 206, 0, 9),
        ("bytes=4096-", 206, 4096, SIZE - 1),  # resume a broken download
        ("bytes=-100", 206, SIZE - 100, SIZE - 1),  # the last 100 bytes
        (f"bytes=10-{SIZE + 500}", 206, 10, SIZE - 1),  # an end past the end is cut to the end
        (f"bytes={SIZE - 1}-{SIZE - 1}", 206, SIZE - 1, SIZE - 1),  # the last byte
        ("bytes=0-9,20-29", 200, 0, SIZE - 1),  # several ranges: the whole file
        ("bytes=9-0", 200, 0, SIZE - 1),  # malformed: ignored
        ("items=0-9", 200, 0, SIZE - 1),  # another unit: ignored
    ],
    ids=[
        "first-ten",
        "resume",
        "suffix",
        "end-past-the-end",
        "last-byte",
        "multiple",
        "reversed",
        "other-unit",
    ],
)
def test_ranges(world, publish, header, status, first, last):
    package = publish()
    response = Client().get(_link(_client(world.customer), package), HTTP_RANGE=header)
    assert response.status_code == status
    assert _body(response) == BODY[first : last + 1]
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"
    if status == 206:
        assert response["Content-Range"] == f"bytes {first}-{last}/{SIZE}"
    row = Download.objects.get()
    assert (row.range_start, row.range_end, row.bytes_sent, row.status_code) == (
        first,
        last,
        last - first + 1,
        status,
    )


@pytest.mark.parametrize(
    "header",
    [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0"],
    ids=["start-at-the-end", "start-past-the-end", "empty-suffix"],
)
def test_a_range_past_the_end_is_416(world, publish, header):
    package = publish()
    response = Client().get(_link(_client(world.customer), package), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert not Download.objects.exists()


def test_conditional_requests(world, publish):
    package = publish()
    link = _link(_client(world.customer), package)
    first = Client().get(link)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag == f'"{package.sha256}"'
    assert Client().get(link, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert Client().get(link, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert Client().get(link, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    # If-Range: the range holds while the validator matches, else the whole file comes back.
    assert Client().get(link, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag).status_code == 206
    stale = Client().get(link, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"stale"')
    assert stale.status_code == 200 and _body(stale) == BODY


# --- production paths ----------------------------------------------------------------------------


def test_accel_mode_hands_the_file_to_nginx(world, publish, settings):
    settings.SUCCESSHUB_DOWNLOAD_DELIVERY = "accel"
    package = publish()
    response = Client().get(_link(_client(world.customer), package), HTTP_RANGE="bytes=100-")
    assert response.status_code == 200  # nginx turns it into the 206
    assert response["X-Accel-Redirect"] == f"/internal/packages/{package.file}"
    assert response.content == b""
    row = Download.objects.get()
    assert (row.delivery, row.range_start, row.bytes_sent) == ("accel", 100, SIZE - 100)


class PresigningStorage:
    """A stand-in for S3Storage.url(): a presigned URL that names its expiry and disposition."""

    calls: list = []

    def __init__(self, location):
        from django.core.files.storage import FileSystemStorage

        self.inner = FileSystemStorage(location=location)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def url(self, name, parameters=None, expire=None, http_method=None):
        PresigningStorage.calls.append((name, parameters, expire))
        return f"https://store.example/{name}?X-Amz-Expires={expire}"


def test_redirect_mode_sends_a_presigned_url(world, publish, settings, tmp_path):
    package = publish()
    settings.SUCCESSHUB_DOWNLOAD_DELIVERY = "redirect"
    settings.STORAGES = {
        **settings.STORAGES,
        "packages": {
            "BACKEND": "tests.updates.test_downloads.PresigningStorage",
            "OPTIONS": {"location": str(tmp_path / "p")},
        },
    }
    response = Client().get(_link(_client(world.customer), package))
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"https://store.example/{package.file}?X-Amz-Expires={delivery.link_seconds()}"
    )
    name, parameters, expire = PresigningStorage.calls[-1]
    assert "attachment" in parameters["ResponseContentDisposition"]
    assert Download.objects.get().delivery == "redirect"


def test_under_asgi_the_body_is_read_in_chunks_by_an_async_iterator(
    transactional_db, world, publish, monkeypatch
):
    """Under ASGI a sync iterator would be drained into a list by Django before sending (the whole file in
    memory): the body must be an async iterator of bounded chunks."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    monkeypatch.setattr(delivery, "CHUNK", 1000)
    package = publish()
    link = _link(_client(world.customer), package)

    async def fetch():
        response = await AsyncClient().get(link, headers={"Range": "bytes=10-"})
        return response, [chunk async for chunk in response.streaming_content]

    response, chunks = async_to_sync(fetch)()
    assert response.is_async
    assert response.status_code == 206
    assert b"".join(chunks) == BODY[10:]
    assert max(len(chunk) for chunk in chunks) == 1000
    assert Download.objects.get().bytes_sent == SIZE - 10
