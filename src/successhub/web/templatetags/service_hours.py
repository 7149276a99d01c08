"""``{% service_hours "hotline" %}``: a service's hours as the catalog defines them, in the page's language.

The schedule's name (``7×24 小时``), or with ``spelt_out=True`` its label with the days and hours
written out (``7×24 小时（周一至周日 0:00-24:00）``); empty when the service has no hours.
"""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from successhub.catalog.loader import get_catalog

register = template.Library()


@register.simple_tag
def service_hours(service: str, spelt_out: bool = False) -> str:
    catalog = get_catalog()
    item = catalog.any_definition(service)
    if item is None or item.schedule is None:
        return ""
    language = "en" if (get_language() or "zh").startswith("en") else "zh"
    return catalog.labels.name("schedules" if spelt_out else "schedule_names", item.schedule, language)
