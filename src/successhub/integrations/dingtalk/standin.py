"""A loopback stand-in of 钉钉: the custom robot (signature checked), and outgoing-robot callbacks."""

from __future__ import annotations

import json
import time

from successhub.integrations.dingtalk.transport import MAX_CONTENT_BYTES, sign
from successhub.integrations.standin import Accepted, Refusal, StandIn


class DingTalkStandIn(StandIn):
    path = "/robot/send"

    def webhook_url(self, key: str) -> str:
        return f"{self.base_url}{self.path}?access_token={key}"

    def robot_of(self, query: dict) -> str:
        return query.get("access_token", "")

    def check(self, robot, query, headers, body, now_ms):
        if robot not in self.robots:
            return Refusal(200, {"errcode": 300001, "errmsg": "token is not exist"})
        secret = self.robots[robot]
        if secret:
            timestamp, given = query.get("timestamp", ""), query.get("sign", "")
            # parse_qsl has already URL-decoded the sign, as DingTalk's server does.
            if not timestamp.isdigit() or abs(now_ms - int(timestamp)) > 3600 * 1000:
                return Refusal(200, {"errcode": 310000, "errmsg": "sign not match, timestamp is invalid"})
            if given != sign(timestamp, secret):
                return Refusal(200, {"errcode": 310000, "errmsg": "sign not match"})
        if body.get("msgtype") != "text" or not isinstance(body.get("text"), dict):
            return Refusal(200, {"errcode": 40035, "errmsg": "msgtype invalid"})
        content = body["text"].get("content")
        if not isinstance(content, str) or not content.strip():
            return Refusal(200, {"errcode": 40035, "errmsg": "content is empty"})
        if len(content.encode()) > MAX_CONTENT_BYTES:
            return Refusal(200, {"errcode": 460101, "errmsg": "message too long"})
        mobiles = (body.get("at") or {}).get("atMobiles") or []
        return Accepted(robot, content, tuple(str(m) for m in mobiles), body)

    def ok(self) -> dict:
        return {"errcode": 0, "errmsg": "ok"}

    def too_fast(self) -> dict:
        return {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}


def callback(
    credentials: dict,
    *,
    sender: str,
    sender_name: str,
    text: str,
    msg_id: str,
    timestamp_ms: int | None = None,
) -> tuple[dict, bytes]:
    """The headers and body DingTalk POSTs to an outgoing robot's URL."""
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    body = {
        "conversationId": "cidStandIn==",
        "conversationType": "2",
        "msgId": msg_id,
        "msgtype": "text",
        "senderStaffId": sender,
        "senderId": f"$:LWCP_v1:${sender}",
        "senderNick": sender_name,
        "createAt": timestamp_ms,
        "isInAtList": True,
        "text": {"content": f" {text}"},
    }
    headers = {
        "timestamp": str(timestamp_ms),
        "sign": sign(timestamp_ms, credentials["app_secret"]),
        "content-type": "application/json; charset=utf-8",
    }
    return headers, json.dumps(body, ensure_ascii=False).encode()
