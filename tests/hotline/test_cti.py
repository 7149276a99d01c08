"""The CTI contract: signed events build the call log; repeats and disorder change nothing; screen pops."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client

from successhub.hotline.cti import engineer_group, signature_for
from successhub.hotline.models import Call, CallStatus, CtiEvent

pytestmark = pytest.mark.django_db
SECRET = "cti-test-secret"
T0 = dt.datetime(2026, 3, 4, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def send(
    payload: dict,
    *,
    secret: str | None = SECRET,
    timestamp: int | None = None,
    raw: bytes | None = None,
    headers: dict | None = None,
    content_type="application/json",
):
    body = raw if raw is not None else json.dumps(payload).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    extra = {}
    if secret is not None:
        extra = {
            "HTTP_X_SUCCESSHUB_TIMESTAMP": ts,
            "HTTP_X_SUCCESSHUB_SIGNATURE": signature_for(secret, ts, body),
        }
    extra.update(headers or {})
    return Client().post("/hotline/cti/events", body, content_type=content_type, **extra)


def event(kind: str, call_id="c-1", seconds=0, **extra) -> dict:
    base = {
        "event": kind,
        "callId": call_id,
        "from": "13800000001",
        "to": "4008836836",
        "direction": "in",
        "at": (T0 + dt.timedelta(seconds=seconds)).isoformat(),
    }
    return base | extra


ANSWERED = [
    event("newCall"),
    event("answer", seconds=5, user="desk1"),
    event("hangup", seconds=65, cause="normalClearing", recordingUrl="https://pbx.example/r/c-1.mp3"),
]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)], ids=str)
def test_any_order_gives_the_same_call(order, engineer, std_caller):
    for index in order:
        assert send(ANSWERED[index]).status_code == 201
    call = Call.objects.get(cti_call_id="c-1")
    assert call.status == CallStatus.ENDED
    assert call.duration_seconds == 60
    assert (call.caller, call.organisation, call.engineer) == (std_caller, std_caller.organisation, engineer)
    assert call.recording_url.endswith("c-1.mp3") and call.hangup_cause == "normalClearing"


def test_repeated_events_are_stored_once(engineer, std_caller):
    for payload in ANSWERED + ANSWERED:
        send(payload)
    again = send(ANSWERED[2])
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert CtiEvent.objects.count() == 3 and Call.objects.count() == 1


def test_hangup_without_answer_is_a_missed_call_listed_on_the_desk(engineer, std_caller):
    send(event("newCall", "c-2"))
    send(event("hangup", "c-2", 20, cause="cancel"))
    call = Call.objects.get(cti_call_id="c-2")
    assert call.status == CallStatus.MISSED and call.duration_seconds is None
    client = Client()
    client.force_login(engineer)
    page = client.get("/hotline/").content.decode()
    assert f"/hotline/screen/?call={call.pk}" in page


def test_late_answer_turns_a_missed_call_into_an_answered_one(engineer):
    send(event("newCall", "c-3"))
    send(event("hangup", "c-3", 40))
    assert Call.objects.get(cti_call_id="c-3").status == CallStatus.MISSED
    send(event("answer", "c-3", 10, user="desk1"))
    assert Call.objects.get(cti_call_id="c-3").status == CallStatus.ENDED


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"secret": None}, 401, "unsigned"),
        ({"secret": "wrong"}, 401, "bad_signature"),
        ({"timestamp": int(time.time()) - 3600}, 401, "stale_request"),
        ({"secret": None, "headers": {"HTTP_AUTHORIZATION": "Token nope"}}, 401, "bad_token"),
        ({"raw": b"{not json"}, 400, "invalid_json"),
        ({"raw": b"[1, 2]"}, 400, "invalid_json"),
        ({"raw": json.dumps(event("ring")).encode()}, 400, "unknown_event"),
        ({"raw": json.dumps(event("newCall", call_id="")).encode()}, 400, "invalid_call_id"),
        ({"raw": json.dumps(event("newCall", call_id="x" * 101)).encode()}, 400, "invalid_call_id"),
        ({"raw": json.dumps(event("newCall", direction="sideways")).encode()}, 400, "invalid_field"),
        ({"raw": json.dumps(event("newCall", at="yesterday")).encode()}, 400, "invalid_field"),
        (
            {"raw": json.dumps(event("hangup", recordingUrl="javascript:alert(1)")).encode()},
            400,
            "invalid_field",
        ),
        ({"raw": json.dumps(event("newCall", user={"a": 1})).encode()}, 400, "invalid_field"),
        ({"raw": b"x" * 20000}, 413, "too_large"),
    ],
    ids=[
        "unsigned",
        "wrong secret",
        "replayed an hour later",
        "wrong token",
        "not json",
        "not an object",
        "unknown event",
        "empty call id",
        "call id too long",
        "bad direction",
        "bad time",
        "bad recording url",
        "user not a string",
        "oversized",
    ],
)
def test_bad_requests_are_refused_and_store_nothing(kwargs, status, code):
    response = send(event("newCall"), **kwargs)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not CtiEvent.objects.exists() and not Call.objects.exists()


def test_token_and_zammad_style_form_posts(engineer, settings):
    client = Client()
    response = client.post(
        "/hotline/cti/events",
        {"event": "newCall", "callId": "z-1", "from": "13800000009", "to": "4008836836", "direction": "in"},
        HTTP_AUTHORIZATION="Token cti-test-token",
    )
    assert response.status_code == 201
    response = client.post(
        "/hotline/cti/events",
        {"event": "answer", "callId": "z-1", "user[]": "desk1"},
        HTTP_AUTHORIZATION="Token cti-test-token",
    )
    assert response.status_code == 201
    assert Call.objects.get(cti_call_id="z-1").engineer == engineer


def test_unconfigured_interface_answers_503(settings):
    settings.SUCCESSHUB_CTI_SECRET = settings.SUCCESSHUB_CTI_TOKEN = ""
    assert send(event("newCall")).status_code == 503


def test_answer_pops_the_screen_of_the_engineer_who_answered(
    engineer, std_caller, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(engineer_group(engineer.pk), channel)
    with django_capture_on_commit_callbacks(execute=True):
        send(event("newCall"))
        send(event("answer", seconds=5, user="desk1"))
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "screen.pop"
    assert message["call"]["organisation"] == std_caller.organisation.name
    assert message["call"]["verified"] is True
