"""Refusals raised by community services: a machine code, an HTTP status and a Chinese sentence."""

from __future__ import annotations


class CommunityError(Exception):
    code = "invalid_input"
    status = 422

    def __init__(self, message: str, code: str | None = None):
        if code is not None:
            self.code = code
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self)


class NotSignedIn(CommunityError):
    code = "not_authenticated"
    status = 401


class NotVerified(CommunityError):
    code = "not_verified"
    status = 403


class RateLimited(CommunityError):
    code = "rate_limited"
    status = 429


class Forbidden(CommunityError):
    code = "forbidden"
    status = 403


class InvalidTransition(CommunityError):
    code = "invalid_transition"
    status = 409


class NotEligible(CommunityError):
    """The entitlement engine refused (``code`` is the engine's reason, e.g. ``channel_not_eligible``)."""

    status = 403


class InvalidInput(CommunityError):
    code = "invalid_input"
    status = 422
