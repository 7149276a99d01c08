"""Template context shared by every portal page."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_noop

# Staff whose work includes the API (integrations, the in-product entry, the hotline desk): the
# menu offers them the API documentation; business users (customers, managers) do not see it.
API_DOC_ROLES = frozenset({"support_engineer", "ops_engineer", "service_admin"})


def can_use_admin(user) -> bool:
    """Whether the menu offers 后台管理: superusers, and service admins whom the admin would show something.

    Other staff work in the workspace; asking the permission tables for them would cost every staff
    page two queries for a link they do not use (they may still be granted the admin by URL).
    """
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return user.role == "service_admin" and bool(user.get_all_permissions())


def portal(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "is_customer": signed_in and user.is_customer,
        "is_staff_user": signed_in and not user.is_customer,
        # Callables: the template calls them only where it asks (a page without the menu pays nothing).
        "can_use_admin": lambda: can_use_admin(user),
        "can_read_api_docs": lambda: signed_in and (user.is_superuser or user.role in API_DOC_ROLES),
        "LANGUAGES": settings.LANGUAGES,
        "portal_nav": _nav_entries(),
        "nav_badges": NAV_BADGES,
    }


# Apps add their navigation entries here (label, url name, who sees it); labels are marked with
# gettext_noop and translated by the template's {% translate label %}.
NAV_ENTRIES: list[tuple[str, str, str]] = [
    (gettext_noop("通知"), "notifications:list", "all"),
    (gettext_noop("我的工单"), "tickets:portal_list", "customer"),
    (gettext_noop("工单工作台"), "tickets:workspace", "staff"),
    (gettext_noop("专属 IM 服务群"), "imgroups:portal", "customer"),
    (gettext_noop("IM 服务群"), "imgroups:workspace", "staff"),
    (gettext_noop("智能客服"), "assistant:insights", "staff"),
    (gettext_noop("社区"), "community:index", "all"),
    (gettext_noop("知识库"), "community:kb", "all"),
    (gettext_noop("创新广场"), "community:ideas", "all"),
    (gettext_noop("热线坐席"), "hotline:desk", "staff"),
    (gettext_noop("IM 坐席"), "chat:console", "staff"),
    (gettext_noop("补丁与许可"), "updates:index", "all"),
    (gettext_noop("API 令牌"), "accounts:tokens", "all"),
    (gettext_noop("公有云运维"), "ops:index", "all"),
    (gettext_noop("专属服务"), "success:mine", "customer"),
    (gettext_noop("技术经理工作台"), "success:home", "staff"),
]


def _nav_entries() -> list[tuple[str, str, str]]:
    return NAV_ENTRIES


# Badges beside navigation entries: url name -> the url name of a small htmx fragment with the count
# (fetched after the page loads, so no page pays a query for it).
NAV_BADGES: dict[str, str] = {
    "notifications:list": "notifications:badge",
}
