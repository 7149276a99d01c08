"""云之家 group robot: ``POST https://www.yunzhijia.com/gateway/robot/webhook/send?yzjtype=0&yzjtoken=TOKEN``.

Body ``{"content": "..."}`` (UTF-8 JSON); the token in the URL is the credential. Members are
@-mentioned by mobile with ``notifyParams: [{"type": "mobiles", "values": [...]}]`` (at most 100,
members of the group only). The answer is JSON with ``success`` and ``errorCode``.

Limits from Yunzhijia's open-platform docs: ``content`` at most 3,000 characters; a robot may send
60 messages a minute by the robot tutorial, 30 by the IM robot API page: we keep to the lower one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from successhub.integrations.base import Prepared, Result, fit_chars

MAX_CONTENT_CHARS = 3000
MAX_MENTIONS = 100
PER_MINUTE = 30
RATE_LIMITED = {429}


def prepare(
    url: str, secret: str, text: str, mentions: Sequence[str] = (), now_ms: int | None = None
) -> Prepared:
    body: dict = {"content": fit_chars(text, MAX_CONTENT_CHARS)}
    mobiles = list(dict.fromkeys(m for m in mentions if m))[:MAX_MENTIONS]
    if mobiles:
        body["notifyParams"] = [{"type": "mobiles", "values": mobiles}]
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Prepared(url=url, body=data, headers={"Content-Type": "application/json; charset=utf-8"})


def interpret(status: int | None, body: bytes) -> Result:
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    code = answer.get("errorCode")
    message = str(answer.get("error") or "")[:300]
    if status == 200 and answer.get("success") is True:
        return Result(True, status, str(code if code is not None else 0), message)
    return Result(
        False,
        status,
        "" if code is None else str(code),
        message or f"HTTP {status}",
        rate_limited=status == 429 or code in RATE_LIMITED,
        permanent=status in (401, 403, 404),
    )
