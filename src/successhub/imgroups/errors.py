"""Refusals of the dedicated-group services: a machine code, a Chinese sentence and its English."""

from __future__ import annotations


class GroupError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, message_en: str = "", code: str | None = None):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        if code:
            self.code = code


class NotEntitled(GroupError):
    """The organisation's plan does not include the group, or the member cap is reached (engine's reason)."""

    status = 403


class NotAllowed(GroupError):
    code = "not_allowed"
    status = 403


class InvalidInput(GroupError):
    code = "invalid_input"


class WrongState(GroupError):
    code = "wrong_state"
    status = 409
