"""Refusals raised by the updates services: a machine code, an HTTP status and a Chinese sentence."""

from __future__ import annotations


class UpdatesError(Exception):
    code = "invalid_input"
    status = 422

    def __init__(self, message: str, code: str | None = None, explanation_en: str = ""):
        if code is not None:
            self.code = code
        self.explanation_en = explanation_en
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self)


class InvalidInput(UpdatesError):
    code = "invalid_input"
    status = 422


class Forbidden(UpdatesError):
    code = "forbidden"
    status = 403


class NotVerified(UpdatesError):
    code = "not_verified"
    status = 403


class NotEntitled(UpdatesError):
    """The entitlement engine refused; ``code`` is its reason (``deployment_not_eligible`` ...)."""

    status = 403


class NotFound(UpdatesError):
    code = "not_found"
    status = 404


class Gone(UpdatesError):
    """A withdrawn package, or a download link past its time."""

    code = "gone"
    status = 410


class Conflict(UpdatesError):
    code = "conflict"
    status = 409


class AdditionalPurchase(UpdatesError):
    """增购: more modules or users than the current license is a purchase, not an upgrade."""

    code = "additional_purchase"
    status = 422
