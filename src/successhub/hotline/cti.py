"""The CTI contract: the telephone system (PBX or cloud call centre) tells SuccessHub about calls.

See ``CTI.md`` beside this file for the wire format. In short: ``POST /hotline/cti/events`` with a
JSON (or form-encoded) body ``{"event": "newCall"|"answer"|"hangup", "callId", "from", "to",
"direction": "in"|"out", "user", "cause", "at"?, "recordingUrl"?}``, authenticated by an HMAC-SHA256
signature of ``<timestamp>.<body>`` with the shared secret (``X-SuccessHub-Timestamp``,
``X-SuccessHub-Signature: sha256=<hex>``) or by ``Authorization: Token <SUCCESSHUB_CTI_TOKEN>``.

Each (call id, event) is stored once: a repeated event changes nothing. Events may come in any
order; the call's state is recomputed from what has arrived (a hang-up before its answer is not
a missed call once the answer arrives).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from successhub.accounts.models import User
from successhub.hotline.errors import CtiRejected
from successhub.hotline.models import Call, CallStatus, CtiEvent, Direction
from successhub.hotline.services import customer_by_phone, is_desk_staff, normalise_phone

logger = logging.getLogger("successhub.hotline.cti")

EVENTS = ("newCall", "answer", "hangup")
MAX_BODY_BYTES = 16 * 1024
MAX_ID = 100
DESK_GROUP = "hotline.desk"


def engineer_group(user_id: int) -> str:
    return f"hotline.engineer.{user_id}"


# --- authentication ------------------------------------------------------------------------------------


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def authenticate(headers, body: bytes, now: float | None = None) -> None:
    """Accept a request signed with the shared secret, or carrying the shared token; raise otherwise."""
    secret = settings.SUCCESSHUB_CTI_SECRET
    token = settings.SUCCESSHUB_CTI_TOKEN
    if not secret and not token:
        raise CtiRejected(
            "话务接口未配置密钥。",
            "The CTI interface has no secret or token configured.",
            code="cti_not_configured",
            status=503,
        )
    authorization = headers.get("Authorization", "")
    if token and authorization.startswith("Token "):
        if hmac.compare_digest(authorization[6:].strip().encode(), token.encode()):
            return
        raise CtiRejected("令牌不正确。", "The token is wrong.", code="bad_token", status=401)
    signature = headers.get("X-SuccessHub-Signature", "")
    timestamp = headers.get("X-SuccessHub-Timestamp", "")
    if not secret or not signature or not timestamp:
        raise CtiRejected("请求未签名。", "The request is not signed.", code="unsigned", status=401)
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise CtiRejected(
            "时间戳无效。", "The timestamp is not a number.", code="bad_timestamp", status=401
        ) from None
    now = time.time() if now is None else now
    if abs(now - sent_at) > settings.SUCCESSHUB_CTI_MAX_SKEW_SECONDS:
        raise CtiRejected(
            "请求已过期（时间戳超出允许范围），疑似重放。",
            "The timestamp is too far from now: a stale or replayed request.",
            code="stale_request",
            status=401,
        )
    if not hmac.compare_digest(signature, signature_for(secret, timestamp, body)):
        raise CtiRejected("签名不正确。", "The signature does not match.", code="bad_signature", status=401)


def parse_body(body: bytes, content_type: str, form=None) -> dict:
    if len(body) > MAX_BODY_BYTES:
        raise CtiRejected("请求过大。", "The request is too large.", code="too_large", status=413)
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise CtiRejected(
                "请求体不是有效的 JSON。", "The body is not valid JSON.", code="invalid_json"
            ) from None
        if not isinstance(data, dict):
            raise CtiRejected(
                "请求体必须是 JSON 对象。", "The body must be a JSON object.", code="invalid_json"
            )
        return data
    if form is not None:
        # Zammad's generic CTI posts form fields, with the answering user as user[].
        data = {key: form.get(key) for key in form}
        if "user[]" in form:
            data["user"] = form.getlist("user[]")[0]
        return data
    raise CtiRejected(
        "不支持的内容类型。", "Unsupported content type.", code="unsupported_media_type", status=415
    )


# --- events --------------------------------------------------------------------------------------------


def _text(data: dict, key: str, limit: int = 100) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise CtiRejected(f"字段 {key} 格式不正确。", f"Field {key} is not a string.", code="invalid_field")
    return str(value).strip()[:limit]


def _occurred_at(data: dict) -> dt.datetime:
    raw = data.get("at")
    if raw in (None, ""):
        return timezone.now()
    parsed = parse_datetime(str(raw)) if isinstance(raw, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise CtiRejected(
            "at 必须是带时区的 ISO 8601 时间。",
            "at must be an ISO 8601 instant with an offset.",
            code="invalid_field",
        )
    return parsed


def record_event(data: dict) -> tuple[Call, bool]:
    """Store one event and bring its call up to date. Returns (call, whether the event was new)."""
    event = _text(data, "event", 10)
    if event not in EVENTS:
        raise CtiRejected(
            "未知的事件类型。",
            f"Unknown event {event!r}; expected one of {', '.join(EVENTS)}.",
            code="unknown_event",
        )
    call_id = _text(data, "callId", MAX_ID + 1)
    if not call_id or len(call_id) > MAX_ID:
        raise CtiRejected(
            "缺少或过长的 callId。",
            "callId is missing or longer than 100 characters.",
            code="invalid_call_id",
        )
    direction = _text(data, "direction", 3) or Direction.INBOUND
    if direction not in Direction.values:
        raise CtiRejected(
            "direction 只能是 in 或 out。", "direction must be in or out.", code="invalid_field"
        )
    occurred_at = _occurred_at(data)
    payload = {
        "from": _text(data, "from", 30),
        "to": _text(data, "to", 30),
        "direction": direction,
        "user": _text(data, "user", 150),
        "cause": _text(data, "cause", 40),
        "recordingUrl": _text(data, "recordingUrl", 500),
    }
    if payload["recordingUrl"] and not payload["recordingUrl"].startswith(("https://", "http://")):
        raise CtiRejected(
            "录音链接必须是 http(s) 地址。", "recordingUrl must be an http(s) URL.", code="invalid_field"
        )
    try:
        with transaction.atomic():
            CtiEvent.objects.create(
                cti_call_id=call_id, event=event, payload=payload, occurred_at=occurred_at
            )
            call = _locked_call(call_id)
            before = (call.status, call.engineer_id)
            _apply(call)
            call.save()
    except IntegrityError:
        # The same (call id, event) arrived again (perhaps concurrently): nothing changes.
        return Call.objects.get(cti_call_id=call_id), False
    transaction.on_commit(lambda: _announce(call, event, before))
    return call, True


def _locked_call(call_id: str) -> Call:
    call = Call.objects.select_for_update().filter(cti_call_id=call_id).first()
    if call is not None:
        return call
    try:
        with transaction.atomic():  # another event of the same call may be creating it right now
            Call.objects.create(cti_call_id=call_id)
    except IntegrityError:
        pass
    return Call.objects.select_for_update().get(cti_call_id=call_id)


def _apply(call: Call) -> None:
    """Recompute the call from every event it has (so the order they came in does not matter)."""
    events = {e.event: e for e in CtiEvent.objects.filter(cti_call_id=call.cti_call_id)}
    new, answer, hangup = events.get("newCall"), events.get("answer"), events.get("hangup")
    first = new or answer or hangup
    payload = first.payload
    call.direction = payload.get("direction") or Direction.INBOUND
    if new:
        external = payload["from"] if call.direction == Direction.INBOUND else payload["to"]
        call.caller_phone = call.caller_phone or normalise_phone(external)
        call.dialled = payload["to"] if call.direction == Direction.INBOUND else payload["from"]
    call.started_at = min(e.occurred_at for e in events.values())
    if answer:
        call.answered_at = answer.occurred_at
        engineer = _engineer(answer.payload.get("user", ""))
        if engineer is not None and call.engineer_id is None:
            call.engineer = engineer
    if hangup:
        call.ended_at = hangup.occurred_at
        call.hangup_cause = hangup.payload.get("cause", "")
        call.recording_url = hangup.payload.get("recordingUrl", "") or call.recording_url
    call.status = (
        CallStatus.ENDED
        if hangup and answer
        else CallStatus.MISSED
        if hangup
        else CallStatus.ANSWERED
        if answer
        else CallStatus.RINGING
    )
    if call.caller_phone and call.caller_id is None:
        caller = customer_by_phone(call.caller_phone)
        if caller is not None:
            call.caller = caller
            call.organisation_id = call.organisation_id or caller.organisation_id


def _engineer(name: str) -> User | None:
    if not name:
        return None
    user = User.objects.filter(username=name).first()
    return user if is_desk_staff(user) else None


# --- real time --------------------------------------------------------------------------------------------


def call_card(call: Call) -> dict:
    """What a screen pop shows (no more than the desk page itself shows)."""
    return {
        "id": call.pk,
        "status": call.status,
        "caller_phone": call.caller_phone,
        "caller": str(call.caller) if call.caller_id else "",
        "verified": bool(call.caller_id and call.caller.is_verified),
        "organisation": call.organisation.name if call.organisation_id else "",
        "organisation_code": call.organisation.code if call.organisation_id else "",
        "started_at": call.started_at.isoformat() if call.started_at else None,
    }


def _announce(call: Call, event: str, before: tuple) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    status, engineer_id = before
    card = call_card(call)
    try:
        if call.engineer_id and (event == "answer" or engineer_id != call.engineer_id) and call.answered_at:
            async_to_sync(layer.group_send)(
                engineer_group(call.engineer_id), {"type": "screen.pop", "call": card}
            )
        if call.status != status:
            async_to_sync(layer.group_send)(DESK_GROUP, {"type": "call.update", "call": card})
    except Exception:  # a push that fails must not fail the telephone system's request
        logger.exception("could not push call %s to the desk", call.pk)
