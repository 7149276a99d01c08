"""Refusals in IM human service: a machine code, a Chinese and an English sentence, a status."""

from __future__ import annotations


class ChatError(Exception):
    status = 422
    code = "chat_error"

    def __init__(
        self,
        message_zh: str,
        message_en: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        detail: dict | None = None,
    ):
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.detail = detail or {}
        super().__init__(message_zh)

    def message(self, language: str = "zh") -> str:
        return self.message_en if language.startswith("en") else self.message_zh


class NotAllowed(ChatError):
    status = 403
    code = "forbidden"
