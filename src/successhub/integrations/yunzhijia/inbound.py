"""云之家 robot callback: when someone @-mentions the group's robot, Yunzhijia POSTs JSON
(``robotId``, ``robotName``, ``operatorOpenid``, ``operatorName``, ``time`` in milliseconds,
``msgId``, ``content``, ``groupId``) with a ``sign`` header: base64 of HMAC-SHA1, keyed with the
robot's secret, over those seven fields joined by commas in that order.

A request more than an hour from our clock is refused as a replay; a message id seen before is
stored once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from successhub.integrations.base import InboundMessage, InboundRejected, InboundRequest, header

SIGNED_FIELDS = ("robotId", "robotName", "operatorOpenid", "operatorName", "time", "msgId", "content")
WINDOW_MS = 3600 * 1000


def sign(body: dict, secret: str) -> str:
    text = ",".join(str(body.get(name, "")) for name in SIGNED_FIELDS)
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()


def verify(request: InboundRequest, credentials: dict, now_s: int) -> InboundMessage:
    secret = credentials.get("callback_secret", "")
    if not secret:
        raise InboundRejected("not_configured", "the group has no Yunzhijia callback secret", 409)
    if request.method != "POST":
        raise InboundRejected("method_not_allowed", "Yunzhijia callbacks are POSTs", 405)
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InboundRejected("malformed", "the body is not UTF-8 JSON", 400) from None
    if not isinstance(body, dict) or not body.get("msgId"):
        raise InboundRejected("malformed", "msgId is required", 400)
    given = header(request, "sign")
    if not given or not hmac.compare_digest(sign(body, secret), given):
        raise InboundRejected("bad_signature", "sign does not match", 403)
    sent = body.get("time")
    if not str(sent).isdigit() or abs(now_s * 1000 - int(sent)) > WINDOW_MS:
        raise InboundRejected("stale", "the time is more than an hour off", 403)
    return InboundMessage(
        message_id=str(body["msgId"]),
        sender_id=str(body.get("operatorOpenid") or ""),
        sender_name=str(body.get("operatorName") or ""),
        text=str(body.get("content") or "").strip(),
        sent_at_ms=int(sent),
    )
