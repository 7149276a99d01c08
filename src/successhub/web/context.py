"""Template context shared by every portal page."""

from __future__ import annotations

from django.conf import settings


def portal(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "is_customer": bool(user and user.is_authenticated and user.is_customer),
        "is_staff_user": bool(user and user.is_authenticated and not user.is_customer),
        "LANGUAGES": settings.LANGUAGES,
        "portal_nav": _nav_entries(),
    }


# Apps add their navigation entries here (label, url name, who sees it).
NAV_ENTRIES: list[tuple[str, str, str]] = []


def _nav_entries() -> list[tuple[str, str, str]]:
    return NAV_ENTRIES
