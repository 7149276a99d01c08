"""Why a service is allowed or refused: one table, read by every layer.

Pure Python (no Django). Each member of ``Reason`` is one row: the machine code (the value the API,
the CLI and the ticket records carry), a short name for pages, the explanation templates in Chinese
and English, and the hand-off route: the service to offer instead when this reason refuses.

- The engine (``core/entitlements.py``) decides the reason and writes the sentence from the row's
  templates; the ticket filing service does the same for the refusals it adds (``out_of_scope``,
  ``no_response_target``).
- The API declares ``Reason`` as an enum in the OpenAPI schema.
- Pages show ``label`` instead of the code, and offer ``handoff`` (first available) as a link.
- The bot (``assistant/handoff.py``) hands a customer whose preferred channel is refused to the
  reason's ``handoff`` service, and says why first when ``tell`` is set.
- The hotline: the voice menu (``hotline/ivr.py``) speaks the engine's explanation; the desk's
  refusal scripts (``hotline/data/scripts.yaml``) are keyed by reason code and quote it.

Code compares with members (``decision.reason == Reason.QUOTA_EXHAUSTED``), not with strings;
``tests/core/test_reasons.py`` scans the source, the templates and the scripts for any reason code
that has no row here.

A new reason is one rule in ``Engine._verdict`` plus one row here. The engine's reasons come first,
in the order the engine checks them (``ENGINE_ORDER``): when every contract refuses, the refusal that
got furthest down the list explains best why.

Templates are ``str.format`` strings; the fields they may use are the engine's explanation fields
(``core.entitlements.EXPLANATION_FIELDS``): ``{service}``, ``{plan}``, ``{quota}``, ``{region}``, …
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from successhub.core.catalog import Text


@dataclass(frozen=True)
class ReasonRow:
    label: Text
    zh: str
    en: str
    # The service code to offer instead (None: nothing to hand off to); the community serves everyone.
    handoff: str | None = None
    # Whether the bot says why before handing off elsewhere (the customer expected this channel).
    tell: bool = False


class Reason(StrEnum):
    """The reason codes, each with its row (``Reason.X.row``)."""

    row: ReasonRow

    def __new__(cls, code: str, row: ReasonRow):
        member = str.__new__(cls, code)
        member._value_ = code
        member.row = row
        return member

    # --- decided by the entitlement engine, in the order it checks ---------------------------------
    NO_ACTIVE_CONTRACT = (
        "no_active_contract",
        ReasonRow(
            Text("无生效中的服务合同", "No contract in force"),
            "您的组织当前没有生效中的服务合同，暂不能使用{service}。",
            "Your organisation has no service contract in force, so {service} is not available.",
            handoff="community",
        ),
    )
    REGION_NOT_COVERED = (
        "region_not_covered",
        ReasonRow(
            Text("服务区域不适用", "Region not covered"),
            "服务仅适用于在{covered_regions}使用产品的场景，您的组织服务区域为{region}。",
            "Services cover use of the products in {covered_regions} only; your organisation's region is {region}.",
            handoff="community",
        ),
    )
    NOT_VERIFIED = (
        "not_verified",
        ReasonRow(
            Text("需认证后使用", "Verify first"),
            "{service}面向经注册认证的产品实际使用者：请先完成手机或邮箱认证。",
            "{service} is for verified users of the products: please confirm your phone or e-mail first.",
        ),
    )
    NOT_IN_PLAN = (
        "not_in_plan",
        ReasonRow(
            Text("不在您的服务计划中", "Not in your plan"),
            "{service}不在您的{plan}中{offered_by}。",
            "{service} is not part of your {plan}{offered_by}.",
            handoff="online_ticket",
        ),
    )
    DEPLOYMENT_NOT_ELIGIBLE = (
        "deployment_not_eligible",
        ReasonRow(
            Text("部署方式不适用", "Deployment not eligible"),
            "{service}仅面向{deployment_types}客户，您的组织没有符合条件的部署。",
            "{service} is for {deployment_types} customers, and your organisation has no such deployment.",
            handoff="online_ticket",
        ),
    )
    PRODUCT_NOT_ELIGIBLE = (
        "product_not_eligible",
        ReasonRow(
            Text("产品不适用", "Product not eligible"),
            "{service}目前仅适用于{products}。",
            "{service} is available for {products} only for now.",
            handoff="online_ticket",
        ),
    )
    CHANNEL_NOT_ELIGIBLE = (
        "channel_not_eligible",
        ReasonRow(
            Text("提交渠道不适用", "Channel not eligible"),
            "您的{plan}中，{service}只能通过{allowed_channels}提交，不支持{channel}。",
            "Under your {plan}, {service} goes through {allowed_channels} only, not {channel}.",
            handoff="online_ticket",
        ),
    )
    FATAL_ONLY = (
        "fatal_only",
        ReasonRow(
            Text("仅限致命故障", "Fatal faults only"),
            "您的{plan}中，{service}仅面向致命故障（系统大面积不可用或异常阻塞，导致日常业务无法进行）；"
            "一般问题请使用金蝶云社区或智能客服。",
            "Under your {plan}, the {service} is for fatal faults only (the system is widely unavailable or "
            "blocked); please use the community or the support bot for other questions.",
            handoff="community",
        ),
    )
    OUTSIDE_FIRST_YEAR = (
        "outside_first_year",
        ReasonRow(
            Text("超出首年服务期", "Outside the first year"),
            "{service}仅限首次购买高级成功服务后的第一年{first_year}使用。{suggestion}",
            "{service} is only for the first year after the first Advanced purchase{first_year}. {suggestion}",
            handoff="online_ticket",
        ),
    )
    CONTRACT_AMOUNT_BELOW_MINIMUM = (
        "contract_amount_below_minimum",
        ReasonRow(
            Text("合同金额低于下限", "Contract amount below the minimum"),
            "合同金额低于 {minimum_amount} 元的{plan}订单不包含{service}。{suggestion}",
            "{plan} orders under {minimum_amount} yuan do not include {service}. {suggestion}",
            handoff="online_ticket",
        ),
    )
    QUOTA_EXHAUSTED = (
        "quota_exhausted",
        ReasonRow(
            Text("本服务年度额度已用完", "Quota used up"),
            "{service}{quota}{shortfall}。",
            "{service}: {quota}{shortfall}.",
            handoff="im_service",
            tell=True,
        ),
    )
    MEMBER_LIMIT_REACHED = (
        "member_limit_reached",
        ReasonRow(
            Text("群成员已满", "Group is full"),
            "{service}不超过 {max_members} 个用户加入（服务方人员不计入），您的组织已有 {max_members} 人；"
            "请先移除一位成员再添加。",
            "The {service} admits at most {max_members} users (the vendor's staff do not count) and your "
            "organisation already has {max_members}; remove a member before adding another.",
        ),
    )
    OK = (
        "ok",
        ReasonRow(
            Text("可以使用", "Available"),
            "您的{plan}包含{service}{fatal_only_note}{quota_clause}。",
            "Your {plan} includes {service}{fatal_only_note}{quota_clause}.",
        ),
    )

    # --- decided by the ticket filing service, before a ticket is written ------------------------------
    OUT_OF_SCOPE = (
        "out_of_scope",
        ReasonRow(
            Text("不在服务范围内", "Out of scope"),
            "该类问题不在服务范围内。",
            "This kind of problem is out of scope.",
            handoff="community",
        ),
    )
    NO_RESPONSE_TARGET = (
        "no_response_target",
        ReasonRow(
            Text("无工单响应时限", "No response target"),
            "您的服务计划没有在线工单响应时限，暂不能通过工单受理该类问题。",
            "Your plan has no online-ticket response target, so tickets of this kind cannot be accepted.",
            handoff="im_service",
        ),
    )

    @property
    def label(self) -> Text:
        return self.row.label

    @property
    def handoff(self) -> str | None:
        return self.row.handoff

    def template(self, language: str) -> str:
        return self.row.en if language.startswith("en") else self.row.zh

    def render(self, language: str, fields: dict[str, str] | None = None) -> str:
        """The explanation in ``language`` with ``fields`` filled in (surrounding blanks trimmed)."""
        return self.template(language).format(**(fields or {})).strip()


# The engine's reasons in the order it checks them (``ok`` last: allowed beats every refusal).
ENGINE_ORDER: tuple[Reason, ...] = tuple(Reason)[: tuple(Reason).index(Reason.OK) + 1]


def reason_of(code: str) -> Reason | None:
    """The row for a code, or None for a code that is not a reason (``forbidden``, …)."""
    try:
        return Reason(code)
    except ValueError:
        return None


@cache
def template_fields(reason: Reason) -> frozenset[str]:
    """The fields a reason's templates use (both languages), so only those are computed."""
    return frozenset(
        name
        for template in (reason.row.zh, reason.row.en)
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    )


def handoff_for(reason: str, available) -> str | None:
    """The service to offer instead of one refused for ``reason``: its route if ``available(code)``,
    else the community (which serves everyone). None for a code that is not a refusal."""
    row = reason_of(reason)
    if row is None or row is Reason.OK:
        return None
    if row.handoff is not None and available(row.handoff):
        return row.handoff
    return "community"
