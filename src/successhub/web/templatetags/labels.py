"""Names for the catalog's codes in templates: ``{% load labels %}{{ code|label:"products" }}``.

Codes (products, channels, regions, deployment types, schedules, units) stay in URLs and data
attributes; people read the catalog's names, in the page's language.
"""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from successhub.catalog.loader import get_catalog

register = template.Library()


@register.filter
def label(code, kind: str) -> str:
    if not code:
        return ""
    language = "en" if (get_language() or "").startswith("en") else "zh"
    return get_catalog().labels.name(kind, str(code), language)
