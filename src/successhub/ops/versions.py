"""Product version strings (``V9.1``, ``6.0``, ``8.8.1``) compared by their numeric parts."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d+")


def version_key(version: str) -> tuple[int, ...]:
    """``"V9.1"`` -> ``(9, 1)``; trailing zeros do not count (``6.0`` == ``6``)."""
    parts = [int(n) for n in _NUMBER.findall(version or "")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def in_range(version: str, lowest: str = "", highest: str = "", below: str = "") -> bool:
    """Whether ``version`` is within [lowest, highest] (blank ends are open) and below ``below`` if given."""
    key = version_key(version)
    if not version or not key:
        return False
    if lowest and key < version_key(lowest):
        return False
    if highest and key > version_key(highest):
        return False
    return not (below and key >= version_key(below))
