"""Refusals raised by the ticket services: a machine code, a Chinese sentence and an English one.

The HTTP edge turns them into ``{"code", "message"}`` with ``status``; the portal shows ``message_zh``,
or ``message_en`` when the page is in English.
"""

from __future__ import annotations


class TicketError(Exception):
    status = 422
    code = "ticket_error"

    def __init__(
        self, message_zh: str, message_en: str = "", *, code: str | None = None, status: int | None = None
    ):
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(message_zh)


class FilingRefused(TicketError):
    """The entitlement engine (or the category's scope) refused the ticket; ``code`` is the reason."""

    status = 403

    def __init__(self, code: str, message_zh: str, message_en: str, decision: dict | None = None):
        super().__init__(message_zh, message_en, code=code)
        self.decision = decision or {}


class NotVerified(TicketError):
    status = 403
    code = "not_verified"


class ActionNotAllowed(TicketError):
    status = 403
    code = "forbidden"


class InvalidTransition(TicketError):
    status = 409
    code = "invalid_transition"


class AttachmentRejected(TicketError):
    status = 422
    code = "attachment_type_not_allowed"


class InvalidInput(TicketError):
    status = 422
    code = "invalid_input"
