"""The smart voice hotline: the JSON turn contract, the menu, and who hears what."""

from __future__ import annotations

import io
import json
import time

import pytest
from django.test import Client

from successhub.cli import main
from successhub.hotline.cti import signature_for
from successhub.hotline.ivr import speakable
from successhub.hotline.models import IvrSession

pytestmark = pytest.mark.django_db


def turn(call_id="ivr-1", caller="13800000001", **fields):
    body = json.dumps({"call_id": call_id, "caller": caller, **fields}).encode()
    ts = str(int(time.time()))
    return Client().post(
        "/hotline/ivr/turn",
        body,
        content_type="application/json",
        HTTP_X_SUCCESSHUB_TIMESTAMP=ts,
        HTTP_X_SUCCESSHUB_SIGNATURE=signature_for("cti-test-secret", ts, body),
    )


def kinds(response) -> list[str]:
    return [next(iter(action)) for action in response.json()["actions"]]


def spoken(response) -> str:
    return " ".join(a["say"]["text"] for a in response.json()["actions"] if "say" in a)


def test_a_call_starts_with_the_menu():
    response = turn(event="start", turn=0)
    assert response.status_code == 200
    assert kinds(response) == ["say", "gather"]
    gather = response.json()["actions"][1]["gather"]
    assert gather["input"] == ["dtmf", "speech"] and "致命故障请按1" in gather["prompt"]


@pytest.mark.parametrize(
    ("caller_fixture", "spent", "expect_kind", "expect_text"),
    [
        ("std_caller", 0, "transfer", "还可使用4次"),
        ("std_caller", 4, "gather", "已全部用完"),
        ("adv_caller", 0, "transfer", "正在为您转接"),
        ("unknown", 0, "transfer", "核实身份"),
    ],
    ids=[
        "standard with quota is transferred",
        "standard with none left hears why",
        "advanced is transferred",
        "unknown number goes to the desk to verify",
    ],
)
def test_fatal_fault_is_checked_against_the_quota(caller_fixture, spent, expect_kind, expect_text, request):
    phone = "13611112222"
    if caller_fixture != "unknown":
        caller = request.getfixturevalue(caller_fixture)
        phone = caller.phone
        if spent:
            from successhub.contracts.services import consume_quota
            from successhub.core.entitlements import Request

            for _ in range(spent):
                consume_quota(caller.organisation, Request("hotline", fatal=True))
    turn(caller=phone, event="start", turn=0)
    response = turn(caller=phone, digits="1", turn=1)
    assert kinds(response)[-1] == expect_kind
    assert expect_text in spoken(response)


def test_ticket_status_only_to_the_organisations_verified_phone(std_caller, adv_caller, make_user):
    from successhub.tickets.services.filing import file_ticket

    ticket = file_ticket(
        requester=adv_caller,
        filed_by=adv_caller,
        product_code="galaxy",
        category="application_problem",
        title="凭证报错",
        description="保存凭证时报错",
    )
    digits = ticket.number.replace("TK-", "").replace("-", "") + "#"
    for call_id, phone, expected in [
        ("a", adv_caller.phone, "当前状态"),
        ("b", std_caller.phone, "只告知"),
        ("c", "13000000000", "只告知"),
    ]:
        turn(call_id, phone, event="start", turn=0)
        turn(call_id, phone, digits="3", turn=1)
        response = turn(call_id, phone, digits=digits, turn=2)
        assert expected in spoken(response), call_id
    turn("d", adv_caller.phone, event="start", turn=0)
    turn("d", adv_caller.phone, digits="3", turn=1)
    assert "没有找到" in spoken(turn("d", adv_caller.phone, digits="999999999999#", turn=2))


def test_questions_are_answered_by_the_bot_in_short_sentences(std_caller):
    turn(event="start", turn=0)
    response = turn(speech="热线服务每年可以打几次", turn=1)
    text = spoken(response)
    assert text and len(text) <= 90 and "http" not in text
    assert kinds(response)[-1] == "gather"


def test_a_repeated_turn_gets_the_same_answer_and_is_not_applied_twice():
    turn(event="start", turn=0)
    first = turn(digits="3", turn=1)
    again = turn(digits="3", turn=1)
    assert first.json() == again.json()
    assert IvrSession.objects.get(call_id="ivr-1").node == "ticket_status"


def test_wrong_key_and_silence_reprompt_then_hang_up():
    turn(event="start", turn=0)
    assert "没有这个选项" in spoken(turn(digits="7", turn=1))
    assert kinds(turn(event="silence", turn=2))[-1] == "gather"
    assert kinds(turn(event="silence", turn=3))[-1] == "gather"
    assert kinds(turn(event="silence", turn=4))[-1] == "hangup"  # the third silence in a row


def test_zero_transfers_to_the_desk_queue():
    turn(event="start", turn=0)
    action = turn(digits="0", turn=1).json()["actions"][-1]
    assert action == {"transfer": {"queue": "hotline_desk", "reason": "caller_asked", "data": {}}}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"call_id": ""},
        {"call_id": 5},
        {"call_id": "x", "digits": "12a"},
        {"call_id": "x", "speech": "话" * 501},
        {"call_id": "x", "event": "dance"},
        {"call_id": "x", "turn": -1},
        {"call_id": "x", "caller": ["1"]},
    ],
    ids=[
        "empty",
        "blank id",
        "id not a string",
        "bad digits",
        "speech too long",
        "bad event",
        "negative turn",
        "caller not a string",
    ],
)
def test_malformed_turns_are_refused(body):
    raw = json.dumps(body).encode()
    ts = str(int(time.time()))
    response = Client().post(
        "/hotline/ivr/turn",
        raw,
        content_type="application/json",
        HTTP_X_SUCCESSHUB_TIMESTAMP=ts,
        HTTP_X_SUCCESSHUB_SIGNATURE=signature_for("cti-test-secret", ts, raw),
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_turn"
    assert not IvrSession.objects.exists()


def test_unsigned_turns_are_refused():
    response = Client().post("/hotline/ivr/turn", {"call_id": "x"}, content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第一句。第二句！第三句？第四句。", "第一句。第二句！第三句？"),
        ("请看 https://vip.kingdee.com 的**说明**。", "请看 的说明。"),
        ("长" * 200, "长" * 89 + "。"),
    ],
    ids=["at most three sentences", "no links or markup", "long text is cut"],
)
def test_speakable(text, expected):
    assert speakable(text) == expected


def test_simulate_walks_the_menu_in_the_terminal(std_caller, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n"))
    assert main(["hotline", "simulate", "--phone", std_caller.phone]) == 0
    out = capsys.readouterr().out
    assert "致命故障请按1" in out and "转接：hotline_desk" in out and "还可使用4次" in out


def test_simulate_needs_a_phone_number(capsys):
    assert main(["hotline", "simulate", "--phone", "abc"]) == 2
