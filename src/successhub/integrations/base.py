"""What every IM tool folder provides, as plain values (no Django models here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

TRUNCATION_MARK = "…"


@dataclass(frozen=True)
class Prepared:
    """One HTTP request ready to go: exactly what the tool receives."""

    url: str
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Result:
    """How the tool answered a message.

    ``code`` is the tool's own result code (``errcode`` for WeCom and DingTalk, ``errorCode`` for
    Yunzhijia); ``rate_limited`` means try again later without counting an attempt; ``permanent``
    means retrying cannot help (bad signature, unknown robot), so the message goes to the
    dead-letter list at once.
    """

    ok: bool
    status: int | None
    code: str = ""
    message: str = ""
    rate_limited: bool = False
    permanent: bool = False


@dataclass(frozen=True)
class InboundRequest:
    """A callback as received over HTTP (the raw body, before any parsing)."""

    method: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class InboundMessage:
    """A message someone wrote in the group, as the tool reported it."""

    message_id: str
    sender_id: str
    sender_name: str
    text: str
    sent_at_ms: int | None = None


@dataclass(frozen=True)
class Handshake:
    """A request that checks our address (WeCom's GET with ``echostr``, Yunzhijia's test request when
    a robot is created): answer ``body`` and store nothing."""

    body: str
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Acknowledgement:
    """What the tool expects back for a message we took (stored now or before): some tools show an
    error in the group, or retry, when the answer is not in their format."""

    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"


class InboundRejected(Exception):
    """A callback that must not be believed or stored: ``code`` is machine-readable, never a secret."""

    def __init__(self, code: str, message: str, status: int = 403):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Tool:
    """One IM tool: its names, limits and the functions of its folder."""

    code: str
    name_zh: str
    name_en: str
    # The content limit of one text message, in ``content_unit`` ("bytes" of UTF-8 or "chars");
    # ``prepare`` cuts longer texts.
    max_content: int
    # The tool's rate limit for one robot: ``per_minute`` messages in any 60 seconds.
    per_minute: int
    # prepare(url, secret, text, mentions, now_ms) -> Prepared
    prepare: Callable[..., Prepared]
    # interpret(status, body bytes) -> Result
    interpret: Callable[[int | None, bytes], Result]
    # verify(request, credentials, now_s) -> InboundMessage | Handshake (raises InboundRejected)
    verify: Callable[..., Any]
    # The setup form (a Django form class) and the names of its secret fields.
    setup_form: Any
    # The loopback stand-in server class (tests, benches, demos).
    standin: Any
    # How a webhook URL of this tool looks, for the setup form's check.
    url_hint: str = ""
    credential_fields: tuple[str, ...] = field(default_factory=tuple)
    content_unit: str = "bytes"
    # The answer to a callback we took; None: a short JSON of our own (``{"code": "ok", ...}``).
    acknowledgement: Acknowledgement | None = None

    def name(self, language: str = "zh") -> str:
        return self.name_en if language.startswith("en") else self.name_zh


def fit(text: str, max_bytes: int, tail: str = "") -> str:
    """``text`` cut to ``max_bytes`` UTF-8 bytes (``tail`` kept after the cut), never mid-character."""
    encoded = text.encode()
    if len(encoded) <= max_bytes:
        return text
    room = max_bytes - len((TRUNCATION_MARK + tail).encode())
    cut = encoded[: max(0, room)].decode(errors="ignore")
    return cut + TRUNCATION_MARK + tail


def fit_chars(text: str, max_chars: int, tail: str = "") -> str:
    """``text`` cut to ``max_chars`` characters (for tools that count characters, not bytes)."""
    if len(text) <= max_chars:
        return text
    return text[: max(0, max_chars - len(TRUNCATION_MARK + tail))] + TRUNCATION_MARK + tail


def header(request: InboundRequest, name: str) -> str:
    return request.headers.get(name.lower(), "")
