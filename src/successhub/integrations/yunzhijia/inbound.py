"""云之家 robot callback: when someone @-mentions the group's robot, Yunzhijia POSTs JSON
(``robotId``, ``robotName``, ``operatorOpenid``, ``operatorName``, ``time`` in milliseconds,
``msgId``, ``content``, ``groupId``) with a ``sign`` header: base64 of HMAC-SHA1, keyed with the
robot's secret, over those seven fields joined by commas in that order.

A request more than an hour from our clock is refused as a replay; a message id seen before is
stored once. The answer must come within 3 seconds as ``{"success": true, "data": {"type": 2,
"content": ""}}`` (an empty content: we answer later through the robot), or the group sees an error.

When staff create the robot with our address, Yunzhijia first sends a test request (``robotId``
``test-robotId``, signed with the fixed secret ``test-secret``) and creates the robot only if we
answer it in that format: we answer it, store nothing, and need no secret of the group for it (the
robot's own secret is shown only once the robot exists).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from successhub.integrations.base import (
    Acknowledgement,
    Handshake,
    InboundMessage,
    InboundRejected,
    InboundRequest,
    header,
)

ACKNOWLEDGEMENT = Acknowledgement(
    body=json.dumps({"success": True, "data": {"type": 2, "content": ""}}, separators=(",", ":")).encode(),
    content_type="application/json; charset=utf-8",
)
TEST_ROBOT_ID = "test-robotId"
TEST_SECRET = "test-secret"
SIGNED_FIELDS = ("robotId", "robotName", "operatorOpenid", "operatorName", "time", "msgId", "content")
WINDOW_MS = 3600 * 1000


def sign(body: dict, secret: str) -> str:
    text = ",".join(str(body.get(name, "")) for name in SIGNED_FIELDS)
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()


def verify(request: InboundRequest, credentials: dict, now_s: int) -> InboundMessage | Handshake:
    if request.method != "POST":
        raise InboundRejected("method_not_allowed", "Yunzhijia callbacks are POSTs", 405)
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InboundRejected("malformed", "the body is not UTF-8 JSON", 400) from None
    if not isinstance(body, dict) or not body.get("msgId"):
        raise InboundRejected("malformed", "msgId is required", 400)
    given = header(request, "sign")
    if body.get("robotId") == TEST_ROBOT_ID and given and hmac.compare_digest(sign(body, TEST_SECRET), given):
        return Handshake(ACKNOWLEDGEMENT.body.decode(), ACKNOWLEDGEMENT.content_type)
    secret = credentials.get("callback_secret", "")
    if not secret:
        raise InboundRejected("not_configured", "the group has no Yunzhijia callback secret", 409)
    if not given or not hmac.compare_digest(sign(body, secret), given):
        raise InboundRejected("bad_signature", "sign does not match", 403)
    sent = body.get("time")
    if not str(sent).isdigit() or abs(now_s * 1000 - int(sent)) > WINDOW_MS:
        raise InboundRejected("stale", "the time is more than an hour off", 403)
    text = str(body.get("content") or "").strip()
    robot_name = str(body.get("robotName") or "")
    if robot_name and text.startswith(f"@{robot_name}"):  # the @-mention that woke the robot
        text = text[len(robot_name) + 1 :].strip()
    return InboundMessage(
        message_id=str(body["msgId"]),
        sender_id=str(body.get("operatorOpenid") or ""),
        sender_name=str(body.get("operatorName") or ""),
        text=text,
        sent_at_ms=int(sent),
    )
