"""Out-of-scope problems in the group: the seed's wording and the route that applies.

Which problems are out of scope is catalog data (``dedicated_im_group.out_of_scope``); this table
only says, for each such code, how to tell the customer and where to go instead. The route for
secondary-development problems is decided by the engine: within the first year of the first
Advanced purchase, custom-development maintenance through tickets; after it, the catalog's
suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from successhub.core import entitlements as core

# The seed (3.4.4): 客户使用软件产品中出现的应用类问题、数据问题（不包含二次开发及第三方产品导致的问题）.
SCOPE_SENTENCE = (
    "专属 IM 服务群处理软件产品使用中的应用类问题、数据问题，不包含二次开发及第三方产品导致的问题。"
)


@dataclass(frozen=True)
class OutOfScope:
    code: str
    label: str
    reason: str


REASONS: dict[str, OutOfScope] = {
    "secondary_development": OutOfScope(
        "secondary_development",
        gettext_noop("二次开发导致的问题"),
        "您反馈的问题由二次开发导致，不在本群的服务范围内。",
    ),
    "third_party_product": OutOfScope(
        "third_party_product",
        gettext_noop("第三方产品问题"),
        "您反馈的问题由第三方产品导致，不在本群的服务范围内。",
    ),
}


def route(code: str, organisation, at) -> str:
    """Where the customer should take this problem instead (one Chinese sentence)."""
    if code == "third_party_product":
        return "请联系该产品的供应商获取支持。"
    if code == "secondary_development":
        from successhub.contracts.selectors import entitlement_for

        decision = entitlement_for(organisation, core.Request(service="custom_dev_maintenance"), at)
        if decision.allowed:
            return "您仍在首次购买高级成功服务后的第一年内，可通过在线工单的“定制开发”类别提交，由定制开发维护服务处理。"
        return decision.explanation
    return ""


def reply_text(code: str, organisation, at) -> str:
    reason = REASONS[code]
    return f"{reason.reason}{SCOPE_SENTENCE}{route(code, organisation, at)}"
