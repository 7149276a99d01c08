"""The smart voice hotline's turn contract (see ``IVR.md``): the telephone platform posts one turn
(call id, caller number, the DTMF digits or recognised speech) and gets the next actions as JSON.

The menu is data (``data/ivr.yaml``); this module walks it. Speech recognition and synthesis stay in
the telephone platform: every text here is short, plain and speakable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from django.db import transaction
from django.utils import timezone

from successhub.contracts.selectors import entitlement_for
from successhub.core import entitlements as core
from successhub.hotline.errors import CtiRejected
from successhub.hotline.models import IvrSession
from successhub.hotline.services import customer_by_phone, normalise_phone

MAX_SPEECH = 500
MAX_DIGITS = 32
SPOKEN_MAX_CHARS = 90
SPOKEN_MAX_SENTENCES = 3
TRANSCRIPT_MAX = 200


@lru_cache(maxsize=1)
def menu() -> dict:
    text = resources.files("successhub.hotline").joinpath("data", "ivr.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for name, node in data["nodes"].items():
        for target in [
            *(node.get("options") or {}).values(),
            node.get("speech"),
            node.get("digits"),
            node.get("after"),
        ]:
            if target is not None and target not in data["nodes"]:
                raise ValueError(f"IVR node {name!r} leads to unknown node {target!r}")
    return data


def _msg(key: str, **values) -> str:
    return menu()["messages"][key].format(**values)


@dataclass(frozen=True)
class Turn:
    call_id: str
    caller: str
    turn: int | None = None
    digits: str = ""
    speech: str = ""
    event: str = "input"  # start | input | silence | hangup


EVENTS = ("start", "input", "silence", "hangup")


def parse_turn(data) -> Turn:
    if not isinstance(data, dict):
        raise CtiRejected("请求体必须是 JSON 对象。", "The body must be a JSON object.", code="invalid_turn")
    call_id = data.get("call_id")
    if not isinstance(call_id, str) or not call_id.strip() or len(call_id) > 100:
        raise CtiRejected(
            "缺少 call_id。", "call_id is required (a string of at most 100 characters).", code="invalid_turn"
        )
    caller = data.get("caller", "")
    digits = data.get("digits", "") or ""
    speech = data.get("speech", "") or ""
    event = data.get("event", "input") or "input"
    turn = data.get("turn")
    if not isinstance(caller, str) or not isinstance(digits, str) or not isinstance(speech, str):
        raise CtiRejected(
            "caller、digits、speech 必须是字符串。",
            "caller, digits and speech must be strings.",
            code="invalid_turn",
        )
    if event not in EVENTS:
        raise CtiRejected("未知的 event。", f"event must be one of {', '.join(EVENTS)}.", code="invalid_turn")
    if turn is not None and (not isinstance(turn, int) or isinstance(turn, bool) or turn < 0):
        raise CtiRejected(
            "turn 必须是非负整数。", "turn must be a non-negative integer.", code="invalid_turn"
        )
    if len(digits) > MAX_DIGITS or not re.fullmatch(r"[0-9*#]*", digits):
        raise CtiRejected(
            "digits 只能包含 0-9、* 和 #。", "digits may hold only 0-9, * and #.", code="invalid_turn"
        )
    if len(speech) > MAX_SPEECH:
        raise CtiRejected("speech 过长。", f"speech is at most {MAX_SPEECH} characters.", code="invalid_turn")
    return Turn(call_id.strip(), normalise_phone(caller), turn, digits, speech.strip(), event)


# --- actions in the response ----------------------------------------------------------------------------


def say(text: str) -> dict:
    return {"say": {"text": text}}


def gather(node: dict) -> dict:
    spec = dict(node.get("gather") or {})
    return {"gather": {"input": spec.pop("input", ["dtmf"]), "prompt": node.get("prompt", ""), **spec}}


def transfer(reason: str = "", data: dict | None = None) -> dict:
    return {"transfer": {"queue": "hotline_desk", "reason": reason, "data": data or {}}}


def hangup() -> dict:
    return {"hangup": {}}


# --- walking the menu --------------------------------------------------------------------------------------


def handle_turn(turn: Turn) -> dict:
    """The next actions for this turn. A repeated turn number gets the same answer again."""
    with transaction.atomic():
        session, created = IvrSession.objects.select_for_update().get_or_create(
            call_id=turn.call_id, defaults={"caller_phone": turn.caller, "node": menu()["start"]}
        )
        if turn.turn is not None and not created and turn.turn <= session.last_turn and session.last_response:
            return session.last_response
        actions = _respond(session, turn, created)
        session.turns += 1
        if turn.turn is not None:
            session.last_turn = turn.turn
        response = {"call_id": turn.call_id, "actions": actions}
        session.last_response = response
        session.transcript = (
            session.transcript + [{"in": turn.digits or turn.speech or turn.event, "out": actions}]
        )[-TRANSCRIPT_MAX:]
        session.ended = any("hangup" in a or "transfer" in a for a in actions)
        session.save()
    return response


def _respond(session: IvrSession, turn: Turn, created: bool) -> list[dict]:
    nodes = menu()["nodes"]
    if turn.event == "hangup":
        session.ended = True
        return [hangup()]
    if session.ended:
        return [say(_msg("goodbye")), hangup()]
    node_name = session.node
    node = nodes[node_name]
    if created or turn.event == "start":
        session.node = menu()["start"]
        return _enter(session, session.node, first=True)
    if turn.event == "silence" or not (turn.digits or turn.speech):
        recent = session.transcript[-(menu()["max_silence"] - 1) :]
        silent_turns = sum(1 for t in recent if t.get("in") in ("silence", "input"))
        if silent_turns + 1 >= menu()["max_silence"]:
            return [say(_msg("goodbye")), hangup()]
        return [say(_msg("silence")), gather(node)]
    if turn.speech and node.get("speech"):
        return _run(session, node["speech"], turn)
    if turn.digits and node.get("digits"):
        return _run(session, node["digits"], turn)
    choice = turn.digits[:1] if turn.digits else ""
    target = (node.get("options") or {}).get(choice)
    if target is None:
        return [say(_msg("invalid_choice")), gather(node)]
    return _enter(session, target, turn=turn)


def _enter(session: IvrSession, name: str, *, first: bool = False, turn: Turn | None = None) -> list[dict]:
    node = menu()["nodes"][name]
    if "action" in node:
        return _run(session, name, turn)
    session.node = name
    actions = [say(node["say"])] if node.get("say") else []
    return [*actions, gather(node)]


def _run(session: IvrSession, name: str, turn: Turn | None) -> list[dict]:
    node = menu()["nodes"][name]
    action = ACTIONS[node["action"]]
    spoken, final = action(session, turn)
    if final is not None:
        return [*map(say, spoken), final]
    after = node.get("after") or menu()["start"]
    session.node = after
    return [*map(say, spoken), gather(menu()["nodes"][after])]


# --- the actions ---------------------------------------------------------------------------------------------


def _fatal_fault(session: IvrSession, turn: Turn | None):
    caller = customer_by_phone(session.caller_phone)
    if caller is None or not caller.is_verified or caller.phone_verified_at is None:
        return [_msg("fatal_unverified")], transfer("unverified", {"fatal": True})
    decision = entitlement_for(caller.organisation, core.Request(service="hotline", fatal=True))
    if decision.allowed:
        remaining = ""
        if decision.quota is not None:
            remaining = _msg("fatal_remaining", count=_number(decision.quota.remaining))
        return [_msg("fatal_accepted", remaining=remaining)], transfer(
            "fatal_fault", {"fatal": True, "organisation": caller.organisation.code}
        )
    return [_msg("fatal_refused", explanation=speakable(decision.explanation))], None


def _bot_answer(session: IvrSession, turn: Turn | None):
    from successhub.assistant.models import Conversation
    from successhub.assistant.services import ask

    question = (turn.speech if turn else "") or ""
    if not question:
        return [_msg("bot_empty")], None
    if session.conversation is None:
        caller = customer_by_phone(session.caller_phone)
        verified = caller is not None and caller.phone_verified_at is not None
        session.conversation = Conversation.objects.create(
            user=caller if verified else None,
            session_key=f"ivr:{session.call_id}"[:64],
            organisation=caller.organisation if verified else None,
        )
    reply = ask(session.conversation, question)
    if not reply.confident:
        return [_msg("bot_unsure")], None
    return [speakable(reply.text)], None


def _ticket_status(session: IvrSession, turn: Turn | None):
    from successhub.accounts.models import User
    from successhub.tickets.models import Ticket

    digits = re.sub(r"\D", "", turn.digits if turn else "")
    if len(digits) != 12:
        return [_msg("ticket_not_found")], None
    number = f"TK-{digits[:8]}-{digits[8:]}"
    ticket = Ticket.objects.filter(number=number).first()
    if ticket is None:
        return [_msg("ticket_not_found")], None
    owner_phone = User.objects.filter(
        organisation_id=ticket.organisation_id, phone=session.caller_phone, phone_verified_at__isnull=False
    ).exists()
    if not session.caller_phone or not owner_phone:
        return [_msg("ticket_not_yours")], None
    updated = timezone.localtime(ticket.updated_at) if getattr(ticket, "updated_at", None) else None
    return [
        _msg(
            "ticket_status",
            number=_spell(number),
            status=ticket.get_status_display(),
            updated=f"{updated:%m月%d日%H点%M分}" if updated else "",
        )
    ], None


def _transfer(session: IvrSession, turn: Turn | None):
    return [_msg("transfer")], transfer("caller_asked")


ACTIONS = {
    "fatal_fault": _fatal_fault,
    "bot_answer": _bot_answer,
    "ticket_status": _ticket_status,
    "transfer": _transfer,
}


# --- speakable text ------------------------------------------------------------------------------------------


_MARKUP = re.compile(r"https?://\S+|[#*_`>\[\]]|（参考[^）]*）|\([^)]*\)")
_SENTENCE = re.compile(r"(?<=[。！？!?；;])")


def speakable(text: str) -> str:
    """Short sentences a synthesiser can read: no links or markup, at most a few sentences."""
    plain = _MARKUP.sub("", text or "")
    plain = re.sub(r"\s+", " ", plain).strip()
    sentences = [s.strip() for s in _SENTENCE.split(plain) if s.strip()]
    spoken: list[str] = []
    for sentence in sentences:
        if spoken and (
            len("".join(spoken)) + len(sentence) > SPOKEN_MAX_CHARS or len(spoken) >= SPOKEN_MAX_SENTENCES
        ):
            break
        spoken.append(sentence)
    result = "".join(spoken)
    if len(result) > SPOKEN_MAX_CHARS:
        result = result[: SPOKEN_MAX_CHARS - 1].rstrip("，,、") + "。"
    return result


def _spell(number: str) -> str:
    return " ".join(number.replace("TK-", "").replace("-", ""))


def _number(value) -> str:
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
