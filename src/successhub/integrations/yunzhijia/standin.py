"""A loopback stand-in of 云之家: the group-robot webhook, and the robot callbacks Yunzhijia would send."""

from __future__ import annotations

import json
import time

from successhub.integrations.standin import Accepted, Refusal, StandIn
from successhub.integrations.yunzhijia.inbound import TEST_ROBOT_ID, TEST_SECRET, sign
from successhub.integrations.yunzhijia.transport import MAX_CONTENT_CHARS


class YunzhijiaStandIn(StandIn):
    path = "/gateway/robot/webhook/send"

    def webhook_url(self, key: str) -> str:
        return f"{self.base_url}{self.path}?yzjtype=0&yzjtoken={key}"

    def robot_of(self, query: dict) -> str:
        return query.get("yzjtoken", "")

    def check(self, robot, query, headers, body, now_ms):
        if query.get("yzjtype") != "0":
            return Refusal(400, {"success": False, "errorCode": 400, "error": "yzjtype must be 0"})
        if robot not in self.robots:
            return Refusal(200, {"success": False, "errorCode": 10000401, "error": "invalid yzjtoken"})
        content = body.get("content")
        if not isinstance(content, str) or not content.strip():
            return Refusal(200, {"success": False, "errorCode": 10000400, "error": "content is required"})
        if len(content) > MAX_CONTENT_CHARS:
            return Refusal(200, {"success": False, "errorCode": 10000413, "error": "content too long"})
        mobiles: list[str] = []
        for param in body.get("notifyParams") or []:
            if isinstance(param, dict) and param.get("type") == "mobiles":
                mobiles += [str(v) for v in param.get("values") or []]
        return Accepted(robot, content, tuple(mobiles), body)

    def ok(self) -> dict:
        return {"success": True, "errorCode": 0, "error": None, "data": None}

    def too_fast(self) -> dict:
        return {"success": False, "errorCode": 429, "error": "too many requests"}


def callback(
    credentials: dict, *, sender: str, sender_name: str, text: str, msg_id: str, time_ms: int | None = None
) -> tuple[dict, bytes]:
    """The headers and body Yunzhijia POSTs to the robot's callback URL."""
    body = {
        "type": 2,
        "robotId": "standin-robot",
        "robotName": "SuccessHub",
        "operatorOpenid": sender,
        "operatorName": sender_name,
        "time": int(time.time() * 1000) if time_ms is None else time_ms,
        "msgId": msg_id,
        "content": text,
        "groupId": "standin-group",
    }
    headers = {"sign": sign(body, credentials["callback_secret"]), "content-type": "application/json"}
    return headers, json.dumps(body, ensure_ascii=False).encode()


def creation_test(time_ms: int | None = None) -> tuple[dict, bytes]:
    """The request Yunzhijia sends when a conversational robot is created with our address: signed with
    the fixed ``test-secret``; the robot is created only if the answer comes in its format within 3 s."""
    body = {
        "type": 2,
        "robotId": TEST_ROBOT_ID,
        "robotName": "test-robotName",
        "operatorOpenid": "test-userId",
        "operatorName": "test-userName",
        "time": int(time.time() * 1000) if time_ms is None else time_ms,
        "msgId": "test-msgId",
        "content": "你好，你能做什么呢?",
    }
    headers = {"sign": sign(body, TEST_SECRET), "content-type": "application/json; charset=utf-8"}
    return headers, json.dumps(body, ensure_ascii=False).encode()
