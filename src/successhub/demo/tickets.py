"""A dozen tickets in various states for the demo organisations, and engineers' product skills."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from successhub.accounts.models import User
from successhub.contracts.models import Product
from successhub.tickets.models import Channel, EngineerSkill, Status, Ticket
from successhub.tickets.services import filing, working

SKILLS = {
    "engineer": ["galaxy", "eas_cloud", "cosmic"],
    "engineer2": ["galaxy", "constellation", "eas_cloud"],
}

# (customer, product, category, title, description, hours ago, channel, what happened next)
TICKETS = [
    (
        "customer",
        "galaxy",
        "application_problem",
        "凭证保存时提示科目余额不平",
        "总账凭证录入后保存，提示借贷不平，但金额核对无误。",
        2,
        Channel.TICKET_SITE,
        "new",
    ),
    (
        "customer",
        "galaxy",
        "data_problem",
        "存货核算期末余额与明细账不一致",
        "11 月期末结账后，存货核算余额表与明细账相差 3.2 万元。",
        30,
        Channel.IN_PRODUCT,
        "replied",
    ),
    (
        "customer",
        "galaxy",
        "patch_install",
        "补丁 PT-2026-118 安装指导",
        "计划本周六晚安装补丁，请提供安装步骤和注意事项。",
        50,
        Channel.TICKET_SITE,
        "waiting",
    ),
    (
        "customer",
        "galaxy",
        "outage",
        "应用服务器无法访问",
        "今早 8 点起所有用户无法登录，应用服务器 502。",
        6,
        Channel.HOTLINE,
        "phone",
    ),
    (
        "customer-admin",
        "galaxy",
        "license_import",
        "新许可导入失败",
        "导入许可文件时提示签名校验失败。",
        120,
        Channel.TICKET_SITE,
        "resolved",
    ),
    (
        "customer-admin",
        "galaxy",
        "custom_dev_advice",
        "定制审批流与标准流程的集成方案",
        "希望在采购订单审批中加入自定义校验，请给出方案建议。",
        200,
        Channel.COMMUNITY,
        "rated",
    ),
    (
        "customer",
        "galaxy",
        "service_restart",
        "重启服务后定时任务未恢复",
        "按手册重启服务后，夜间定时任务没有执行。",
        100,
        Channel.TICKET_SITE,
        "closed",
    ),
    (
        "customer",
        "galaxy",
        "application_problem",
        "报表打印模板错位",
        "套打模板在新打印机上内容整体下移。",
        20,
        Channel.TICKET_SITE,
        "breached",
    ),
    (
        "harbour",
        "eas_cloud",
        "application_problem",
        "s-HR 考勤导入报错",
        "导入考勤数据时第 35 行提示日期格式错误。",
        4,
        Channel.IN_PRODUCT,
        "new",
    ),
    (
        "harbour",
        "eas_cloud",
        "install_guidance",
        "测试环境安装指导",
        "需要搭建一套与生产一致的测试环境。",
        70,
        Channel.TICKET_SITE,
        "replied",
    ),
    (
        "energy",
        "constellation",
        "application_problem",
        "人力云薪资计算结果异常",
        "本月薪资计算个税为 0。",
        3,
        Channel.TICKET_SITE,
        "new",
    ),
    (
        "energy",
        "constellation",
        "data_problem",
        "组织架构调整后历史数据丢失",
        "调整组织后历史考勤记录不可见。",
        45,
        Channel.COMMUNITY,
        "merged",
    ),
]


def load() -> list[str]:
    products = {p.code: p for p in Product.objects.all()}
    for username, codes in SKILLS.items():
        engineer = User.objects.filter(username=username).first()
        if engineer is None:
            continue
        for code in codes:
            EngineerSkill.objects.get_or_create(engineer=engineer, product=products[code])
    if Ticket.objects.filter(requester__username__in={t[0] for t in TICKETS}).exists():
        return []
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[*{t[0] for t in TICKETS}, "engineer", "engineer2"])
    }
    engineer = users.get("engineer")
    now = timezone.now()
    filed: list[Ticket] = []
    for username, product, category, title, description, hours_ago, channel, story in TICKETS:
        requester = users.get(username)
        if requester is None or engineer is None:
            continue
        at = now - dt.timedelta(hours=hours_ago)
        desk = engineer if channel == Channel.HOTLINE else requester
        ticket = filing.file_ticket(
            requester=requester,
            filed_by=desk,
            product_code=product,
            category=category,
            title=title,
            description=description,
            channel=channel,
            now=at,
        )
        _play(ticket, story, requester, engineer, at, filed)
        filed.append(ticket)
    return [f"{len(filed)} 个演示工单（工作台：engineer；我的工单：customer）"] if filed else []


def _play(
    ticket: Ticket, story: str, customer: User, engineer: User, at: dt.datetime, filed: list[Ticket]
) -> None:
    def later(hours: float) -> dt.datetime:
        return at + dt.timedelta(hours=hours)

    if story == "new" or story == "breached":
        return
    if story == "phone":
        working.log_contact(
            ticket, engineer, "phone_contact", "已电话联系客户，正在远程排查应用服务器。", now=later(0.2)
        )
        working.log_contact(
            ticket,
            engineer,
            "remote_assistance",
            "远程协助：重启 Nginx 与应用服务后恢复访问。",
            details={"tool": "向日葵", "duration_minutes": "35"},
            now=later(1),
        )
        return
    working.reply(ticket, engineer, "您好，已收到您的问题，正在分析，请稍候。", now=later(1))
    if story == "replied":
        return
    if story == "waiting":
        working.reply(ticket, engineer, "请提供补丁安装日志和当前版本号。", now=later(2))
        working.change_status(ticket, engineer, Status.WAITING_ON_CUSTOMER, now=later(2))
        return
    if story == "merged":
        target = next((t for t in filed if t.organisation_id == ticket.organisation_id), None)
        if target is not None:
            working.merge(ticket, target, engineer, now=later(2))
        return
    working.reply(ticket, engineer, "问题已处理，请您确认。", now=later(3))
    working.change_status(ticket, engineer, Status.RESOLVED, now=later(3))
    if story == "rated":
        working.rate(ticket, customer, 5, "响应及时，方案清晰。", now=later(4))
        working.confirm_resolved(ticket, customer, now=later(4))
    if story == "closed":
        working.confirm_resolved(ticket, customer, now=later(5))
