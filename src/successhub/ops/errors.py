"""Refusals in public-cloud operations: one machine code each, a Chinese sentence for people."""

from __future__ import annotations


class OpsError(Exception):
    """A refusal: ``code`` is machine-readable, ``status`` the HTTP status, the message Chinese."""

    status = 422

    def __init__(self, code: str, message: str, status: int | None = None):
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        super().__init__(message)


class MalformedNotification(OpsError):
    """An Alertmanager payload that is not webhook version 4 JSON."""

    status = 400


class WindowRefused(OpsError):
    """An upgrade window that cannot be planned as given."""


class AdvisoryRefused(OpsError):
    """A security advisory change that cannot be made."""
