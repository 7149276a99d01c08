"""企业微信 group robot: ``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY``.

Body ``{"msgtype": "text", "text": {"content": ..., "mentioned_mobile_list": [...]}}``; the content
is at most 2048 UTF-8 bytes; a robot may send 20 messages a minute. The key in the URL is the only
credential (the group robot has no signing secret). The answer is ``{"errcode": 0, "errmsg": "ok"}``;
45009 means the robot is over its rate limit, 93000 an invalid webhook key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from successhub.integrations.base import Prepared, Result, fit

MAX_CONTENT_BYTES = 2048
PER_MINUTE = 20
RATE_LIMITED = {45009}
PERMANENT = {93000, 93004, 40001, 40008}  # invalid key, robot disabled, bad credential, bad msgtype


def prepare(
    url: str, secret: str, text: str, mentions: Sequence[str] = (), now_ms: int | None = None
) -> Prepared:
    content: dict = {"content": fit(text, MAX_CONTENT_BYTES)}
    mobiles = [m for m in mentions if m]
    if mobiles:
        content["mentioned_mobile_list"] = mobiles
    body = json.dumps(
        {"msgtype": "text", "text": content}, ensure_ascii=False, separators=(",", ":")
    ).encode()
    return Prepared(url=url, body=body, headers={"Content-Type": "application/json; charset=utf-8"})


def interpret(status: int | None, body: bytes) -> Result:
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    code = answer.get("errcode") if isinstance(answer, dict) else None
    message = str(answer.get("errmsg", ""))[:300] if isinstance(answer, dict) else ""
    if status == 200 and code == 0:
        return Result(True, status, "0", message)
    return Result(
        False,
        status,
        "" if code is None else str(code),
        message or f"HTTP {status}",
        rate_limited=code in RATE_LIMITED,
        permanent=code in PERMANENT,
    )
