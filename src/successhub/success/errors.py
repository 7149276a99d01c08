"""Refusals raised by the value services: a machine code, a Chinese sentence and an English one.

The API turns them into ``{"code", "message"}`` with ``status``; the portal shows the sentence in the
page's language.
"""

from __future__ import annotations


class SuccessError(Exception):
    status = 422
    code = "invalid_input"

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

    def message(self, english: bool) -> str:
        return self.message_en if english else self.message_zh


class NotAllowed(SuccessError):
    status = 403
    code = "forbidden"


class InvalidState(SuccessError):
    status = 409
    code = "invalid_state"


class EntitlementDenied(SuccessError):
    """The entitlement engine refused (``code`` is its reason, e.g. ``quota_exhausted``)."""

    status = 403


class ReportAlreadyPublished(SuccessError):
    status = 409
    code = "report_already_published"


class BundleRejected(SuccessError):
    """An inspection bundle was malformed, too large or from another organisation."""

    status = 422


class DiagnosisFailed(SuccessError):
    """The customer's ERP database could not be read."""

    status = 422
    code = "diagnosis_connection_failed"
