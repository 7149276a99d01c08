"""钉钉 custom robot: ``POST https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=MS&sign=S``.

With 加签 (signing) on, S is the URL-encoded base64 of HMAC-SHA256, keyed with the secret, over
``timestamp + "\\n" + secret``; the timestamp (milliseconds) must be within an hour of DingTalk's
clock. Body ``{"msgtype": "text", "text": {"content": ...}, "at": {"atMobiles": [...]}}``; a mobile
is highlighted only when "@<mobile>" also appears in the content. A robot may send 20 messages a
minute (over that it is throttled for 10 minutes). The answer is ``{"errcode": 0, "errmsg": "ok"}``;
310000 means the signature, keyword or IP check failed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from successhub.integrations.base import Prepared, Result, fit

MAX_CONTENT_BYTES = 20000
PER_MINUTE = 20
RATE_LIMITED = {130101, 410100}  # send too fast / robot throttled
PERMANENT = {310000, 300001, 300005, 400102}  # sign/keyword/IP mismatch, bad token, robot missing or stopped


def sign(timestamp_ms: int | str, secret: str) -> str:
    """base64(HMAC-SHA256(secret, "{timestamp}\\n{secret}")) — before URL-encoding."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(url: str, secret: str, now_ms: int) -> str:
    if not secret:
        return url
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in {"timestamp", "sign"}
    ]
    query_text = urlencode(query)
    extra = f"timestamp={now_ms}&sign={quote_plus(sign(now_ms, secret))}"
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path, f"{query_text}&{extra}" if query_text else extra, "")
    )


def prepare(
    url: str, secret: str, text: str, mentions: Sequence[str] = (), now_ms: int | None = None
) -> Prepared:
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    mobiles = [m for m in mentions if m]
    tail = "".join(f" @{m}" for m in mobiles)
    body: dict = {
        "msgtype": "text",
        "text": {"content": fit(text, MAX_CONTENT_BYTES - len(tail.encode())) + tail},
    }
    if mobiles:
        body["at"] = {"atMobiles": mobiles, "isAtAll": False}
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Prepared(
        url=signed_url(url, secret, now_ms),
        body=data,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


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
