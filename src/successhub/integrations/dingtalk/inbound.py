"""钉钉 outgoing robot (the robot's HTTP callback when someone @-mentions it in the group).

Headers ``timestamp`` (milliseconds) and ``sign`` = base64(HMAC-SHA256(appSecret,
timestamp + "\\n" + appSecret)). A request more than an hour from our clock, or with a sign that
does not match, is not from DingTalk. The body is JSON with ``msgId``, ``senderStaffId`` /
``senderId``, ``senderNick``, ``createAt`` and ``text.content``.
"""

from __future__ import annotations

import hmac
import json

from successhub.integrations.base import InboundMessage, InboundRejected, InboundRequest, header
from successhub.integrations.dingtalk.transport import sign

WINDOW_MS = 3600 * 1000


def verify(request: InboundRequest, credentials: dict, now_s: int) -> InboundMessage:
    app_secret = credentials.get("app_secret", "")
    if not app_secret:
        raise InboundRejected("not_configured", "the group has no DingTalk AppSecret", 409)
    if request.method != "POST":
        raise InboundRejected("method_not_allowed", "DingTalk callbacks are POSTs", 405)
    timestamp, given = header(request, "timestamp"), header(request, "sign")
    if not (timestamp.isdigit() and given):
        raise InboundRejected("bad_signature", "timestamp and sign headers are required", 403)
    if abs(now_s * 1000 - int(timestamp)) > WINDOW_MS:
        raise InboundRejected("stale", "the timestamp is more than an hour off", 403)
    if not hmac.compare_digest(sign(timestamp, app_secret), given):
        raise InboundRejected("bad_signature", "sign does not match", 403)
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InboundRejected("malformed", "the body is not UTF-8 JSON", 400) from None
    if not isinstance(body, dict) or not body.get("msgId"):
        raise InboundRejected("malformed", "msgId is required", 400)
    if body.get("msgtype") != "text" or not isinstance(body.get("text"), dict):
        raise InboundRejected("unsupported", "only text messages are taken", 202)
    created = body.get("createAt")
    return InboundMessage(
        message_id=str(body["msgId"]),
        sender_id=str(body.get("senderStaffId") or body.get("senderId") or ""),
        sender_name=str(body.get("senderNick") or ""),
        text=str(body["text"].get("content") or "").strip(),
        sent_at_ms=int(created) if str(created).isdigit() else None,
    )
