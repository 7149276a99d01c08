"""The value services in use (高级成功服务 3.4): the technical manager's desk with escalations, an
important event, a sent monthly ticket analysis; critical moments (delivered, confirmed and a fresh
request); a completed health check with both reports; a draft annual report to edit and publish, and
last year's published report of a renewed customer.

Everything goes through the services (the same quota reservations and ledger entries as real use),
with instants in the past where the story happened earlier. Idempotent: nothing is added once the
demo customer has an escalation.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.utils import timezone

from successhub.accounts.models import Organisation, User
from successhub.core.entitlements import BEIJING
from successhub.success import services
from successhub.success.erp import sample
from successhub.success.errors import SuccessError
from successhub.success.models import Escalation
from successhub.tickets.models import Ticket


def load() -> list[str]:
    manager = User.objects.filter(username="manager").first()
    huadong = Organisation.objects.filter(code="huadong", technical_manager=manager).first()
    if manager is None or huadong is None or Escalation.objects.filter(organisation=huadong).exists():
        return []
    people = {
        u.username: u for u in User.objects.filter(username__in=["customer", "customer-admin", "engineer"])
    }
    if len(people) < 3:
        return []
    now = timezone.now()
    lines = [
        *_desk(manager, huadong, people, now),
        *_moments(manager, huadong, people["customer"], now),
        *_health_checks(manager, huadong, people["customer-admin"], now),
        *_reports(manager, huadong, now),
    ]
    return ["技术经理工作台 /success/（manager）：", *lines]


def _ago(now: dt.datetime, days: float, hour: int = 10) -> dt.datetime:
    """``days`` ago at ``hour`` o'clock Beijing time (inside the 5×8 hours, for a readable story)."""
    day = (now - dt.timedelta(days=days)).astimezone(BEIJING).date()
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING)


def _desk(manager: User, huadong: Organisation, people: dict, now: dt.datetime) -> list[str]:
    engineer, customer = people["engineer"], people["customer"]
    ticket = (
        Ticket.objects.filter(organisation=huadong, title="存货核算期末余额与明细账不一致").first()
        or Ticket.objects.filter(organisation=huadong).order_by("created_at").first()
    )
    raised = services.raise_escalation(
        engineer,
        huadong,
        ticket.title if ticket else "存货核算余额差异",
        "客户 11 月结账后存货核算余额与明细账相差 3.2 万元，已排查出入库单据无误，怀疑成本计算参数问题，需要成本专家介入。",
        ticket=ticket,
        now=_ago(now, 1, 9),
    )
    services.record_escalation_action(
        manager,
        raised,
        "expert",
        "已约存货核算专家今天下午远程查看成本计算日志。",
        expert="存货核算专家 周工",
        now=_ago(now, 1, 11),
    )
    asked = services.raise_escalation(
        customer,
        huadong,
        "月结前确认新增仓库的核算参数",
        "下月起新增两个外协仓库，想请技术经理确认存货核算参数怎么设置，避免月结出错。",
        now=_ago(now, 6, 10),
    )
    services.record_escalation_action(
        manager,
        asked,
        "reply",
        "外协仓库建议单独设置核算范围，并在月结前运行一次成本试算；详细步骤已发到您的邮箱。",
        now=_ago(now, 5, 15),
    )
    services.close_escalation(manager, asked, now=_ago(now, 5, 16))

    event = services.open_event(manager, huadong, "upgrade", "星空 V9.1 补丁升级", now=_ago(now, 12, 9))
    services.post_event_update(manager, event, "测试环境升级完成，回归测试通过 95%。", now=_ago(now, 11, 17))
    services.post_event_update(
        manager, event, "生产环境于周六 22:00 开始升级，预计 2 小时。", now=_ago(now, 9, 15)
    )
    services.publish_event_summary(
        manager,
        event,
        "生产环境升级顺利完成，用时 1.5 小时；升级后凭证打印模板错位 1 例，已通过工单处理。",
        now=_ago(now, 8, 10),
    )
    last_month = (now.astimezone(BEIJING).date().replace(day=1)) - dt.timedelta(days=1)
    analysis = services.generate_analysis(manager, huadong, last_month, now=_ago(now, 2, 9))
    services.annotate_and_send_analysis(
        manager,
        analysis,
        "本月工单以应用问题为主，响应及时；存货核算类问题建议安排一次月结前的操作培训。",
        now=_ago(now, 2, 10),
    )
    return [
        "   升级事项（工程师从工单升级、客户直接提问）、重要事件“星空 V9.1 补丁升级”及总结、已发送的月度工单分析"
    ]


def _moments(manager: User, huadong: Organisation, customer: User, now: dt.datetime) -> list[str]:
    today = now.astimezone(BEIJING).date()
    # Delivered a month ago (0.5 person-days used), confirmed for next month (1 reserved), a new request.
    past = services.request_moment(
        customer,
        kind="month_end",
        start_date=today - dt.timedelta(days=30),
        end_date=today - dt.timedelta(days=29),
        scope="月结：存货核算与成本计算",
        contact_name="张伟",
        contact_phone="13800000001",
        now=_ago(now, 40),
    )
    services.plan_moment(manager, past, experts="成本专家 周工", half_days=1, mode="remote")
    services.confirm_moment(manager, past, now=_ago(now, 38))
    services.deliver_moment(
        manager,
        past,
        days="0.5",
        work_done="远程值守月结，协助处理 2 张出库单成本为零的问题。",
        summary="月结按时完成，成本计算无异常。",
        now=_ago(now, 29, 17),
    )
    go_live = today + dt.timedelta(days=20)
    confirmed = services.request_moment(
        customer,
        kind="go_live",
        start_date=go_live,
        end_date=go_live + dt.timedelta(days=1),
        scope="外协仓库上线：期初数据导入与首次出入库",
        contact_name="周婷",
        contact_phone="13800000004",
        now=_ago(now, 3),
    )
    services.plan_moment(
        manager,
        confirmed,
        experts="供应链专家 吴工",
        half_days=2,
        mode="on_site",
        notes="上线当天现场支持，次日远程跟进。",
    )
    services.confirm_moment(manager, confirmed, now=_ago(now, 2))
    month_end = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=1) - dt.timedelta(days=1)
    services.request_moment(
        customer,
        kind="year_end" if month_end.month == 12 else "month_end",
        start_date=month_end,
        end_date=month_end + dt.timedelta(days=2),
        scope="结账与合并报表",
        contact_name="张伟",
        contact_phone="13800000001",
        now=now,
    )
    return [
        "   关键时刻支持：已交付（0.5 人天）、已确认（预留 1 人天，见 /success/calendar/）、待规划的新申请；"
        "港湾物流（harbour，合同 4800 元）申请时看到不适用的原因"
    ]


def _health_checks(manager: User, huadong: Organisation, customer_admin: User, now: dt.datetime) -> list[str]:
    check = services.propose_check(customer_admin, huadong, _ago(now, 15, 14), now=_ago(now, 20))
    services.confirm_check(manager, check, now=_ago(now, 19))
    services.upload_inspection(
        customer_admin,
        check,
        json.dumps(_bundle(huadong.code, _ago(now, 15, 14))).encode(),
        now=_ago(now, 15, 14),
    )
    erp = settings.VAR_DIR / "demo" / "erp-huadong.sqlite3"
    erp.parent.mkdir(parents=True, exist_ok=True)
    sample.generate(erp, as_of=_ago(now, 15).date())
    services.run_diagnosis(manager, check, f"sqlite:///{erp}", now=_ago(now, 15, 15))
    services.complete_check(manager, check, now=_ago(now, 14))
    harbour = Organisation.objects.filter(code="harbour", technical_manager=manager).first()
    if harbour is not None:
        try:
            services.propose_check(manager, harbour, _ago(now, -7, 14), now=now)
        except SuccessError:
            pass  # the plan has no health check left: nothing to show there
    return [
        f"   系统健康检查：华东精密已出具业务诊断报告与系统巡检报告（样例 ERP 库 {erp}）；港湾物流的检查时间待客户（harbour）确认"
    ]


def _bundle(code: str, at: dt.datetime) -> dict:
    """What the inspection agent would have sent from the customer's application server."""
    gib = 1024**3
    return {
        "schema": "successhub.inspection/1",
        "agent_version": "1.0",
        "organisation": code,
        "collected_at": at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "os": {"system": "Linux", "release": "4.18.0-513.el8", "machine": "x86_64", "hostname": "kd-app-01"},
        "cpu": {"count": 16, "model": "Intel(R) Xeon(R) Silver 4314", "load": [3.1, 4.2, 3.8]},
        "memory": {
            "total_bytes": 64 * gib,
            "available_bytes": 21 * gib,
            "swap_total_bytes": 0,
            "swap_free_bytes": 0,
        },
        "disks": [
            {"path": "/", "total_bytes": 200 * gib, "free_bytes": 61 * gib},
            {"path": "/data", "total_bytes": 1000 * gib, "free_bytes": 96 * gib},
        ],
        "database": {
            "kind": "mssql",
            "reachable": True,
            "version": "SQL Server 2019",
            "size_bytes": 412 * gib,
        },
        "services": [
            {"name": "kingdee-app", "state": "active"},
            {"name": "kingdee-scheduler", "state": "inactive"},
            {"name": "nginx", "state": "active"},
        ],
        "logs": [{"path": "/opt/kingdee/logs/app.log", "lines": 184000, "errors": 312, "warnings": 1250}],
        "config": [
            {"check": "timezone_beijing", "ok": True, "value": "Asia/Shanghai"},
            {"check": "swap_configured", "ok": False, "value": 0},
        ],
    }


def _reports(manager: User, huadong: Organisation, now: dt.datetime) -> list[str]:
    lines = []
    draft = services.generate_report(huadong, now.astimezone(BEIJING).date(), actor=manager, now=now)
    lines.append(f"   专属服务报告：华东精密本服务年度草稿 /success/reports/{draft.pk}/（可编辑建议并发布）")
    veteran = Organisation.objects.filter(code="veteran", technical_manager=manager).first()
    first = veteran.contracts.order_by("start").first() if veteran else None
    if first is not None:
        try:
            report = services.generate_report(
                veteran, first.start + dt.timedelta(days=30), actor=manager, now=now
            )
            services.publish_report(manager, report, now=now)
        except SuccessError:
            return lines
        lines.append("   北方能源（energy）上一服务年度的报告已发布，客户可在 /success/my/ 查看与下载 PDF")
    return lines
