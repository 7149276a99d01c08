"""Callbacks from the tools: verified as each tool signs them, stored once, refused clearly otherwise."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from successhub.imgroups.models import GroupMessage
from successhub.integrations.dingtalk import standin as dingtalk_standin
from successhub.integrations.wecom import standin as wecom_standin
from successhub.integrations.yunzhijia import standin as yunzhijia_standin

from .conftest import CREDENTIALS

pytestmark = pytest.mark.django_db

TOOLS = ["yunzhijia", "wecom", "dingtalk"]


def forge(
    tool: str, credentials: dict, *, text: str = "凭证打印报错", msg_id: str = "m-1", at: int | None = None
):
    """(query, headers, body) as the tool sends them for a text message in the group."""
    at = int(time.time()) if at is None else at
    if tool == "wecom":
        query, body = wecom_standin.callback(
            credentials, sender="zhangsan", text=text, msg_id=msg_id, timestamp=at
        )
        return query, {"content-type": "text/xml"}, body
    if tool == "dingtalk":
        headers, body = dingtalk_standin.callback(
            credentials,
            sender="zhangsan",
            sender_name="张三",
            text=text,
            msg_id=msg_id,
            timestamp_ms=at * 1000,
        )
        return {}, headers, body
    headers, body = yunzhijia_standin.callback(
        credentials, sender="zhangsan", sender_name="张三", text=text, msg_id=msg_id, time_ms=at * 1000
    )
    return {}, headers, body


def post(group, query, headers, body):
    from urllib.parse import urlencode

    url = f"/im/callback/{group.tool}/{group.callback_key}/"
    if query:
        url += "?" + urlencode(query)
    extra = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k.lower() != "content-type"
    }
    return Client().post(
        url, data=body, content_type=headers.get("content-type", "application/json"), **extra
    )


@pytest.mark.parametrize("tool", TOOLS)
def test_a_signed_message_is_stored_once_even_when_replayed(tool, bound_group):
    group, _ = bound_group(tool)
    query, headers, body = forge(tool, CREDENTIALS[tool])

    first = post(group, query, headers, body)
    again = post(group, query, headers, body)

    assert (first.status_code, first["X-SuccessHub-Result"]) == (200, "ok")
    assert (again.status_code, again["X-SuccessHub-Result"]) == (200, "duplicate")
    [message] = GroupMessage.objects.filter(group=group, kind="customer")
    assert message.body == "凭证打印报错" and message.external_id == "m-1"


@pytest.mark.parametrize(
    ("tool", "answer"),
    [
        pytest.param(
            "yunzhijia",
            {"success": True, "data": {"type": 2, "content": ""}},
            id="yunzhijia-success-with-an-empty-content-within-3-seconds",
        ),
        pytest.param("wecom", b"", id="wecom-an-empty-body-or-it-retries"),
        pytest.param("dingtalk", {"code": "ok", "message": "stored"}, id="dingtalk-no-message-back"),
    ],
)
def test_each_tool_gets_the_answer_in_its_own_format(tool, answer, bound_group):
    group, _ = bound_group(tool)
    response = post(group, *forge(tool, CREDENTIALS[tool]))
    assert response.status_code == 200
    assert (response.json() if isinstance(answer, dict) else response.content) == answer


def test_yunzhijias_test_request_at_robot_creation_is_answered_before_any_secret_is_set(admin):
    from successhub.imgroups import services

    group = services.request_group(admin, "yunzhijia", [])  # requested, not bound: no callback secret yet
    headers, body = yunzhijia_standin.creation_test()

    response = post(group, {}, headers, body)

    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"type": 2, "content": ""}}
    assert not GroupMessage.objects.exists()


def test_the_mention_that_woke_the_yunzhijia_robot_is_not_part_of_the_message(bound_group):
    group, _ = bound_group("yunzhijia")
    post(group, *forge("yunzhijia", CREDENTIALS["yunzhijia"], text="@SuccessHub 凭证打印报错"))
    assert GroupMessage.objects.get(kind="customer").body == "凭证打印报错"


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        pytest.param("wrong-secret", 403, "bad_signature", id="forged-with-another-secret"),
        pytest.param("stale", 403, "stale", id="replayed-two-hours-later"),
        pytest.param("tampered", 403, "bad_signature", id="body-changed-after-signing"),
    ],
)
def test_forged_or_replayed_callbacks_are_refused_and_nothing_is_stored(
    tool, case, status, code, bound_group, caplog
):
    if case == "tampered" and tool == "dingtalk":
        pytest.skip("DingTalk's outgoing-robot sign covers the timestamp and the secret only, not the body")
    group, _ = bound_group(tool)
    credentials = dict(CREDENTIALS[tool])
    at = None
    if case == "wrong-secret":
        credentials = {k: (v[:-1] + "x" if k != "corp_id" else v) for k, v in credentials.items()}
        if tool == "wecom":  # a forger without the token signs with their own
            credentials["encoding_aes_key"] = CREDENTIALS[tool]["encoding_aes_key"]
    if case == "stale":
        at = int(time.time()) - 2 * 3600
    query, headers, body = forge(tool, credentials, at=at)
    if case == "tampered":
        body = (
            body.replace(b"m-1", b"m-2")
            if tool != "wecom"
            else body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[A")
        )

    response = post(group, query, headers, body)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not GroupMessage.objects.exists()
    logged = caplog.text
    for secret in CREDENTIALS[tool].values():
        assert secret not in logged


def test_an_unknown_group_and_an_oversized_body_are_refused(bound_group):
    group, _ = bound_group("dingtalk")
    query, headers, body = forge("dingtalk", CREDENTIALS["dingtalk"])
    group.callback_key = "nobody"
    assert post(group, query, headers, body).json()["code"] == "unknown_group"

    group.refresh_from_db()
    huge = json.dumps({"msgId": "big", "msgtype": "text", "text": {"content": "长" * 40000}}).encode()
    response = post(group, query, headers, huge)
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert not GroupMessage.objects.exists()


def test_wecom_url_verification_answers_the_decrypted_echostr(bound_group):
    group, _ = bound_group("wecom")
    query = wecom_standin.url_check(CREDENTIALS["wecom"], echo="echo-4711")
    from urllib.parse import urlencode

    response = Client().get(f"/im/callback/wecom/{group.callback_key}/?{urlencode(query)}")
    assert response.status_code == 200 and response.content == b"echo-4711"


def test_wecom_refuses_a_message_encrypted_for_another_corp(bound_group):
    group, _ = bound_group("wecom")
    other = dict(CREDENTIALS["wecom"], corp_id="wwOTHER")
    query, headers, body = forge("wecom", other)
    response = post(group, query, headers, body)
    assert (response.status_code, response.json()["code"]) == (403, "wrong_receiver")
