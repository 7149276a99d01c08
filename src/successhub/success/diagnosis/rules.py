"""Business-diagnosis rule packs (业务诊断), one pack per dimension of the seed:
应用概况、完整性、合规性、准确性、及时性、有效性.

A rule is one read-only query that counts the rows showing a problem (and names a few of them),
with its severity and recommendation. The SQL is portable (SQLite and PostgreSQL); dates are ISO
text parameters. Thresholds are the rules' own parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop

DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("overview", gettext_noop("应用概况")),
    ("integrity", gettext_noop("完整性")),
    ("compliance", gettext_noop("合规性")),
    ("accuracy", gettext_noop("准确性")),
    ("timeliness", gettext_noop("及时性")),
    ("effectiveness", gettext_noop("有效性")),
)
DIMENSION_NAMES = dict(DIMENSIONS)

CLOSE_DEADLINE_DAYS = 10  # a period should be closed within this many days after it ends
UNCLOSED_AFTER_DAYS = 30  # a period still open this long after it ended is flagged
STALE_ORDER_DAYS = 90
INACTIVE_USER_DAYS = 90


@dataclass(frozen=True)
class Rule:
    code: str
    dimension: str
    severity: str
    title: str
    recommendation: str
    # SELECT returning one row per problem; the first column identifies it. Named parameters: see runner.
    sql: str
    # For what portable SQL cannot say (date arithmetic): keep only the rows this accepts.
    keep: Callable[[tuple], bool] | None = None
    # The title and recommendation are msgids (English in the app's catalogue); these fill the title.
    title_fields: Mapping[str, object] = field(default_factory=dict)

    def title_text(self) -> str:
        """The title as the catalogue has it in the active language."""
        return gettext(self.title) % self.title_fields if self.title_fields else gettext(self.title)


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _closed_late(row: tuple) -> bool:
    return (_day(row[2]) - _day(row[1])).days > CLOSE_DEADLINE_DAYS


RULES: tuple[Rule, ...] = (
    Rule(
        "no_recent_purchasing",
        "overview",
        "info",
        gettext_noop("近 90 天没有采购订单，采购模块可能未在使用"),
        gettext_noop("确认采购业务是否在系统中处理；未使用的模块可停用以简化操作。"),
        "SELECT 'purchasing' WHERE NOT EXISTS (SELECT 1 FROM purchase_orders WHERE order_date >= :stale_before)",
    ),
    Rule(
        "suppliers_missing_tax_number",
        "integrity",
        "warning",
        gettext_noop("供应商缺少纳税人识别号"),
        gettext_noop("补全供应商的纳税人识别号，保证发票校验与税务申报数据完整。"),
        "SELECT code FROM suppliers WHERE tax_number IS NULL OR tax_number = ''",
    ),
    Rule(
        "customers_missing_tax_number",
        "integrity",
        "warning",
        gettext_noop("客户缺少纳税人识别号"),
        gettext_noop("补全客户的纳税人识别号，避免开票信息缺失。"),
        "SELECT code FROM customers WHERE tax_number IS NULL OR tax_number = ''",
    ),
    Rule(
        "materials_missing_unit",
        "integrity",
        "warning",
        gettext_noop("物料缺少计量单位"),
        gettext_noop("为物料维护计量单位，否则出入库与成本计算可能出错。"),
        "SELECT code FROM materials WHERE unit IS NULL OR unit = ''",
    ),
    Rule(
        "unbalanced_vouchers",
        "compliance",
        "critical",
        gettext_noop("凭证借贷不平衡"),
        gettext_noop("立即检查并修正借贷不平的凭证，修正后重新过账并复核相关期间的报表。"),
        "SELECT v.number FROM vouchers v JOIN voucher_lines l ON l.voucher_id = v.id "
        "GROUP BY v.id, v.number HAVING SUM(l.debit_cents) <> SUM(l.credit_cents)",
    ),
    Rule(
        "unposted_in_closed_period",
        "compliance",
        "critical",
        gettext_noop("已结账期间存在未过账凭证"),
        gettext_noop("反结账后审核并过账这些凭证，或按制度作废；结账前应检查未过账凭证。"),
        "SELECT v.number FROM vouchers v JOIN periods p ON p.id = v.period_id WHERE p.closed = 1 AND v.posted = 0",
    ),
    Rule(
        "duplicate_suppliers",
        "accuracy",
        "warning",
        gettext_noop("疑似重复的供应商档案"),
        gettext_noop("合并重复的供应商档案，并在新增供应商时按纳税人识别号查重。"),
        "SELECT s.code FROM suppliers s WHERE EXISTS (SELECT 1 FROM suppliers o WHERE o.id < s.id AND "
        "((s.tax_number IS NOT NULL AND s.tax_number <> '' AND o.tax_number = s.tax_number) OR TRIM(o.name) = TRIM(s.name)))",
    ),
    Rule(
        "voucher_date_outside_period",
        "accuracy",
        "warning",
        gettext_noop("凭证日期不在所属会计期间内"),
        gettext_noop("核对这些凭证的业务日期与期间，必要时冲销后在正确期间重新录入。"),
        "SELECT v.number FROM vouchers v JOIN periods p ON p.id = v.period_id "
        "WHERE v.voucher_date < p.start_date OR v.voucher_date > p.end_date",
    ),
    Rule(
        "period_closed_late",
        "timeliness",
        "warning",
        gettext_noop("会计期间结账晚于期末后 %(days)s 天"),
        gettext_noop("制定月结时间表并跟踪执行；可预约关键时刻支持协助月结。"),
        "SELECT year || '-' || month, end_date, closed_on FROM periods WHERE closed = 1 AND closed_on IS NOT NULL",
        keep=_closed_late,
        title_fields={"days": CLOSE_DEADLINE_DAYS},
    ),
    Rule(
        "period_not_closed",
        "timeliness",
        "critical",
        gettext_noop("期末已过 %(days)s 天仍未结账的会计期间"),
        gettext_noop("尽快完成这些期间的结账，避免后续期间的数据无法确认。"),
        "SELECT year || '-' || month FROM periods WHERE closed = 0 AND end_date < :unclosed_before",
        title_fields={"days": UNCLOSED_AFTER_DAYS},
    ),
    Rule(
        "stale_open_orders",
        "timeliness",
        "warning",
        gettext_noop("超过 %(days)s 天仍未关闭的采购订单"),
        gettext_noop("逐一确认这些订单是否仍需执行，不再执行的及时关闭，释放占用的预算与库存预测。"),
        "SELECT number FROM purchase_orders WHERE status = 'open' AND order_date < :stale_before",
        title_fields={"days": STALE_ORDER_DAYS},
    ),
    Rule(
        "licensed_never_logged_in",
        "effectiveness",
        "info",
        gettext_noop("已分配许可但从未登录的用户"),
        gettext_noop("确认这些用户是否需要系统账号；不需要的收回许可，分配给实际使用者。"),
        "SELECT login FROM users WHERE licensed = 1 AND last_login IS NULL",
    ),
    Rule(
        "licensed_inactive",
        "effectiveness",
        "info",
        gettext_noop("已分配许可但超过 %(days)s 天未登录的用户"),
        gettext_noop("了解这些用户不再使用系统的原因，必要时安排培训或收回许可。"),
        "SELECT login FROM users WHERE licensed = 1 AND last_login IS NOT NULL AND last_login < :inactive_before",
        title_fields={"days": INACTIVE_USER_DAYS},
    ),
)

# Figures for 应用概况 (application overview): counts only.
OVERVIEW_QUERIES: tuple[tuple[str, str, str], ...] = (
    ("vouchers", gettext_noop("凭证数"), "SELECT COUNT(*) FROM vouchers"),
    ("periods_closed", gettext_noop("已结账期间"), "SELECT COUNT(*) FROM periods WHERE closed = 1"),
    ("suppliers", gettext_noop("供应商"), "SELECT COUNT(*) FROM suppliers"),
    ("customers", gettext_noop("客户"), "SELECT COUNT(*) FROM customers"),
    ("materials", gettext_noop("物料"), "SELECT COUNT(*) FROM materials"),
    ("purchase_orders", gettext_noop("采购订单"), "SELECT COUNT(*) FROM purchase_orders"),
    ("licensed_users", gettext_noop("许可用户"), "SELECT COUNT(*) FROM users WHERE licensed = 1"),
)

RULES_BY_CODE = {rule.code: rule for rule in RULES}
OVERVIEW_LABELS = {code: label for code, label, _ in OVERVIEW_QUERIES}
