"""Numbers from query strings and forms, parsed once and safely for every view.

``str.isdigit()`` accepts "²" and "٣", ``int()`` accepts "1_000" and " 7", and a 21-digit number
overflows SQLite and PostgreSQL's bigint alike: each of those gave a 500. These parsers take ASCII
digits only, bounded, and either fall back to a default (filters) or raise :class:`BadParameter`,
which the HTTP edge turns into a 400 (``successhub.security.middleware``, ``successhub.api.base``).
"""

from __future__ import annotations

from collections.abc import Mapping

MAX_ID = 2**63 - 1  # a primary key (bigint) never exceeds this
MAX_PAGE = 100_000  # no list is that long; also bounds OFFSET
MAX_DIGITS = 19


class BadParameter(ValueError):
    """A query or form value that is not a number in the allowed range."""

    def __init__(self, name: str, value: object):
        self.name = name
        self.value = value
        super().__init__(f"{name!r} must be a whole number in range, not {str(value)[:40]!r}")


def _ascii_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def parse_int(
    value: object, *, default: int | None = None, minimum: int = 0, maximum: int = MAX_ID
) -> int | None:
    """A whole number in [minimum, maximum] written in ASCII digits, else ``default``."""
    number = _ascii_int(value)
    if number is None or number < minimum or number > maximum:
        return default
    return number


def parse_id(value: object) -> int | None:
    """A primary key (1 .. 2^63-1), else None: a filter on an impossible id is no filter."""
    return parse_int(value, minimum=1, maximum=MAX_ID)


def parse_page(value: object) -> int:
    """A page number, 1 when missing or out of range."""
    return parse_int(value, default=1, minimum=1, maximum=MAX_PAGE) or 1


def require_int(
    data: Mapping, name: str, *, minimum: int = 0, maximum: int = MAX_ID, default: int | None = None
) -> int:
    """``data[name]`` as a bounded whole number; raise :class:`BadParameter` (→ 400) when it is not."""
    raw = data.get(name)
    if raw in (None, "") and default is not None:
        return default
    number = parse_int(raw, minimum=minimum, maximum=maximum)
    if number is None:
        raise BadParameter(name, raw)
    return number


def require_id(data: Mapping, name: str) -> int:
    return require_int(data, name, minimum=1, maximum=MAX_ID)
