"""What a customer does with each right: one row per service item code.

``RIGHTS`` maps a service item code (the catalog's fixed codes) to the action a customer takes when
the entitlement engine allows the right: a URL name and a Chinese label (translated by gettext).
The entitlement page, the home page and the ticket form read this table; nothing else names the
pages a right leads to.

To add a row for your feature, write one line::

    "patch_download": Action(gettext_noop("下载补丁"), "updates:patches"),

- ``url_name`` is a Django URL name; ``query`` is appended to it (``"category=outage"``).
- A URL name that does not resolve (the feature is not built yet, its app is not installed) shows
  no link rather than an error: the right is listed, with its decision, and without an action.
- ``special`` covers actions that are not a page: ``"phone"`` dials the item's catalog number,
  ``"assistant"`` opens the bot on the page, ``"technical_manager"`` writes to the organisation's own
  technical manager (when ``url_name`` does not resolve).
- A refused right's route (what to do instead) is not here: it is the reason table's hand-off
  (``core/reasons.py``, turned into a link by ``web/handoff.py``); a refusal for want of
  verification leads to the verification page (``verify_instead``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class Action:
    label: str
    url_name: str | None = None
    query: str = ""
    special: str = ""


RIGHTS: dict[str, Action] = {
    "community": Action(gettext_noop("去社区提问"), "community:ask"),
    "smart_service": Action(gettext_noop("问智能客服"), special="assistant"),
    "public_cloud_ops": Action(gettext_noop("进入运维平台"), "ops:index"),
    "private_cloud_ops": Action(
        gettext_noop("提交运维工单"), "tickets:portal_new", "category=install_guidance"
    ),
    "patch_download": Action(gettext_noop("下载补丁"), "updates:index"),
    "demand_listening": Action(gettext_noop("提交需求建议"), "community:idea_new"),
    "license_upgrade": Action(gettext_noop("查看许可"), "updates:licenses"),
    "hotline": Action(gettext_noop("拨打热线"), special="phone"),
    "online_ticket": Action(gettext_noop("提交工单"), "tickets:portal_new"),
    "im_service": Action(gettext_noop("发起在线咨询"), "chat:start"),
    "custom_dev_maintenance": Action(
        gettext_noop("提交定制开发工单"), "tickets:portal_new", "category=custom_dev_advice"
    ),
    "critical_moment_support": Action(gettext_noop("预约关键时刻支持"), "success:mine"),
    "technical_manager": Action(gettext_noop("联系技术经理"), "success:mine", special="technical_manager"),
    "dedicated_im_group": Action(gettext_noop("进入专属服务群"), "imgroups:portal"),
    "service_report": Action(gettext_noop("查看服务报告"), "success:mine"),
    "health_check": Action(gettext_noop("查看健康检查"), "success:mine"),
}


@dataclass(frozen=True)
class Link:
    """A resolved action: where it goes and what it says (already translated)."""

    service: str
    label: str
    href: str
    # "assistant" links open the bot on the page (static/successhub/portal.js) instead of navigating.
    opens: str = ""


def _resolve(code: str, action: Action, organisation=None, decision=None) -> Link | None:
    if action.url_name:
        try:
            href = reverse(action.url_name)
        except NoReverseMatch:
            href = ""
        if href:
            return Link(code, _(action.label), f"{href}?{action.query}" if action.query else href)
    if action.special == "phone":
        phone = getattr(getattr(decision, "item", None), "phone", "") or ""
        return Link(code, f"{_(action.label)} {phone}", f"tel:{phone.replace('-', '')}") if phone else None
    if action.special == "assistant":
        return Link(code, _(action.label), "#assistant-panel", opens="assistant")
    if action.special == "technical_manager":
        return manager_link(organisation, "technical_manager", code)
    return None


MANAGER_ROLES = {
    "technical_manager": gettext_noop("联系专属技术经理 %(name)s"),
    "account_manager": gettext_noop("联系客户经营人员 %(name)s"),
}


def manager_link(organisation, role: str, service: str = "") -> Link | None:
    """Reach the organisation's technical or account manager: e-mail first, then phone."""
    person = getattr(organisation, role, None) if organisation is not None else None
    if person is None:
        return None
    label = _(MANAGER_ROLES[role]) % {"name": person}
    if person.email:
        return Link(service, label, f"mailto:{person.email}")
    if person.phone:
        return Link(service, label, f"tel:{person.phone.replace('-', '')}")
    return None


def action_for(code: str, organisation=None, decision=None) -> Link | None:
    """The link for an allowed right (``None`` when its feature is not built yet)."""
    action = RIGHTS.get(code)
    return _resolve(code, action, organisation, decision) if action else None


def verify_instead(language: str = "zh"):
    """The route for a right refused for want of verification: the verification page."""
    from successhub.web.handoff import Instead

    return Instead("verify", _("去认证"), reverse("verify"))
