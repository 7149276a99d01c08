"""Reads for accounts, scoped to the acting user."""

from __future__ import annotations

from django.db.models import QuerySet

from successhub.accounts.models import ApiToken, User


def api_tokens_for(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (revoked ones too, marked by ``revoked_at``)."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")
