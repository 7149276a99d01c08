"""Refusals at the hotline desk: a machine code, a Chinese sentence and an English one, and a status."""

from __future__ import annotations

from successhub.core.reasons import Reason


class HotlineError(Exception):
    status = 422
    code = "hotline_error"

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


class CallRefused(HotlineError):
    """The entitlement engine refused the call; ``code`` is its reason, ``call`` the refused record."""

    status = 403

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        *,
        call=None,
        decision=None,
        detail: dict | None = None,
    ):
        super().__init__(
            message_zh,
            message_en,
            code=code,
            status=409 if code == Reason.QUOTA_EXHAUSTED else 403,
            detail=detail,
        )
        self.call = call
        self.decision = decision


class NotDeskStaff(HotlineError):
    status = 403
    code = "forbidden"


class CallerNotVerified(HotlineError):
    status = 403
    code = "not_verified"


class InvalidInput(HotlineError):
    status = 422
    code = "invalid_input"


class CtiRejected(HotlineError):
    """A CTI or IVR request that is not signed, not well-formed, or stale."""

    status = 400
    code = "invalid_event"
