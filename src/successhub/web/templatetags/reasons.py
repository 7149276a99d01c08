"""``{{ code|reason_label }}``: the reason table's short name for a reason code, in the page's language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from successhub.core.reasons import reason_of

register = template.Library()


@register.filter
def reason_label(code: str) -> str:
    reason = reason_of(str(code or ""))
    if reason is None:
        return ""
    return reason.label.get(get_language() or "zh")
