"""Ticket categories: which service item each one is filed under, and which are out of scope.

This table is the one place that maps what a customer says their problem is to the
catalog's service items (catalog/plans/*.yaml). Urgent categories jump the queue; out-of-scope
categories name a code from the catalog item's ``out_of_scope`` list and are refused
at filing, with the reason shown before the customer types the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy, gettext_noop

from successhub.core.catalog import Text


@dataclass(frozen=True)
class Category:
    code: str
    service: str
    name: Text
    urgent: bool = False
    # A code in the service item's ``out_of_scope`` list: such a category is never accepted.
    out_of_scope: str | None = None
    hint: Text | None = None
    # The hint for a customer who cannot take the route ``hint`` suggests (``route_service`` refused,
    # e.g. past the first year of custom-development maintenance, or not on a plan that has it).
    hint_without_route: Text | None = None
    route_service: str | None = None


CATEGORIES: tuple[Category, ...] = (
    Category("application_problem", "online_ticket", Text(gettext_noop("应用问题"), "Application problem")),
    Category("data_problem", "online_ticket", Text(gettext_noop("数据问题"), "Data problem")),
    Category(
        "install_guidance",
        "private_cloud_ops",
        Text(gettext_noop("标准环境安装指导"), "Installation guidance"),
    ),
    Category(
        "patch_install",
        "private_cloud_ops",
        Text(gettext_noop("标准产品补丁安装指导"), "Patch-installation guidance"),
    ),
    Category("license_import", "private_cloud_ops", Text(gettext_noop("产品许可导入"), "License import")),
    Category(
        "service_restart",
        "private_cloud_ops",
        Text(gettext_noop("系统服务启动/停止/重启"), "Service start/stop/restart"),
    ),
    Category(
        "outage", "private_cloud_ops", Text(gettext_noop("系统宕机响应"), "Outage response"), urgent=True
    ),
    Category(
        "custom_dev_advice",
        "custom_dev_maintenance",
        Text(gettext_noop("定制开发方案咨询与指导"), "Custom-development advice"),
    ),
    Category(
        "custom_function_error",
        "custom_dev_maintenance",
        Text(gettext_noop("定制功能运行异常与报错分析"), "Custom-function error analysis"),
    ),
    Category(
        "secondary_dev_interface",
        "custom_dev_maintenance",
        Text(gettext_noop("二开接口维护"), "Secondary-development interface upkeep"),
    ),
    # 需求聆听 through a ticket: filed as a ticket and, in the same transaction, as a demand in the
    # innovation square with its channel (the hotline's when the desk files it, the ticket site's otherwise).
    Category(
        "product_demand",
        "demand_listening",
        Text(gettext_noop("产品需求与建议"), "Product demand or suggestion"),
    ),
    Category(
        "secondary_development",
        "online_ticket",
        Text(gettext_noop("二次开发导致的问题"), "Problem caused by secondary development"),
        out_of_scope="secondary_development",
        hint=Text(
            "在线工单不处理二次开发导致的问题。首次购买高级服务后的第一年内，可选择“定制开发”类别提交；"
            "之后建议购买“定制开发维护”专项服务。",
            "Online tickets do not cover problems caused by secondary development. In the first year after the "
            "first Advanced purchase, file under a custom-development category; after that, consider the "
            "specialised custom-development maintenance service.",
        ),
        hint_without_route=Text(
            "在线工单不处理二次开发导致的问题。如需支持，建议购买“定制开发维护”专项服务。",
            "Online tickets do not cover problems caused by secondary development. For support, consider the "
            "specialised custom-development maintenance service.",
        ),
        route_service="custom_dev_maintenance",
    ),
    Category(
        "third_party_product",
        "online_ticket",
        Text(gettext_noop("第三方产品问题"), "Third-party product problem"),
        out_of_scope="third_party_product",
        hint=Text(
            "在线工单不处理第三方产品导致的问题，请联系该产品的供应商。",
            "Online tickets do not cover problems caused by third-party products; please contact that vendor.",
        ),
    ),
)

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
# Category names are marked for translation above (gettext_noop); shown translated wherever they appear.
CATEGORY_CHOICES: list[tuple[str, str]] = [(c.code, gettext_lazy(c.name.zh)) for c in CATEGORIES]


def category(code: str) -> Category:
    try:
        return BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown ticket category {code!r}") from None
