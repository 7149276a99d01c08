"""A loopback stand-in of 企业微信: the group-robot webhook, and the app callbacks WeCom would send."""

from __future__ import annotations

import os
import time

from successhub.integrations.standin import Accepted, Refusal, StandIn
from successhub.integrations.wecom import inbound
from successhub.integrations.wecom.transport import MAX_CONTENT_BYTES


class WeComStandIn(StandIn):
    path = "/cgi-bin/webhook/send"

    def webhook_url(self, key: str) -> str:
        return f"{self.base_url}{self.path}?key={key}"

    def robot_of(self, query: dict) -> str:
        return query.get("key", "")

    def check(self, robot, query, headers, body, now_ms):
        if robot not in self.robots:
            return Refusal(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        if body.get("msgtype") != "text" or not isinstance(body.get("text"), dict):
            return Refusal(200, {"errcode": 40008, "errmsg": "invalid message type"})
        content = body["text"].get("content")
        if not isinstance(content, str) or not content:
            return Refusal(200, {"errcode": 44004, "errmsg": "empty content"})
        if len(content.encode()) > MAX_CONTENT_BYTES:
            return Refusal(200, {"errcode": 40058, "errmsg": "content exceed max length"})
        mobiles = body["text"].get("mentioned_mobile_list") or []
        if not isinstance(mobiles, list) or not all(isinstance(m, str) for m in mobiles):
            return Refusal(
                200, {"errcode": 40058, "errmsg": "mentioned_mobile_list must be a list of strings"}
            )
        return Accepted(robot, content, tuple(mobiles), body)

    def ok(self) -> dict:
        return {"errcode": 0, "errmsg": "ok"}

    def too_fast(self) -> dict:
        return {"errcode": 45009, "errmsg": "api freq out of limit"}


def callback(
    credentials: dict,
    *,
    sender: str,
    text: str,
    msg_id: str,
    timestamp: int | None = None,
    nonce: str = "1372623149",
) -> tuple[dict, bytes]:
    """The query and body WeCom POSTs to an app's callback URL for a text message."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    plain = (
        f"<xml><ToUserName><![CDATA[{credentials['corp_id']}]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName><CreateTime>{timestamp}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        f"<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )
    encrypted = inbound.encrypt(
        plain, credentials["encoding_aes_key"], credentials["corp_id"], os.urandom(16)
    )
    query = {
        "msg_signature": inbound.signature(credentials["token"], str(timestamp), nonce, encrypted),
        "timestamp": str(timestamp),
        "nonce": nonce,
    }
    body = (
        f"<xml><ToUserName><![CDATA[{credentials['corp_id']}]]></ToUserName>"
        f"<AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    ).encode()
    return query, body


def url_check(credentials: dict, *, echo: str, timestamp: int | None = None, nonce: str = "5381") -> dict:
    """The query of WeCom's GET when the callback URL is saved (answer: the decrypted echostr)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    echostr = inbound.encrypt(echo, credentials["encoding_aes_key"], credentials["corp_id"], os.urandom(16))
    return {
        "msg_signature": inbound.signature(credentials["token"], str(timestamp), nonce, echostr),
        "timestamp": str(timestamp),
        "nonce": nonce,
        "echostr": echostr,
    }
