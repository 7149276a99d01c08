"""The live-support desks in use: callers' phones, hotline calls (accepted, refused, missed, one
turned into a demand), engineers online for IM with canned replies, and a finished chat with its
transcript and rating."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from successhub.accounts.models import Organisation, User
from successhub.chat import services as chat
from successhub.chat.models import CannedReply, ChatMessage, ChatSession, Sender, SessionStatus
from successhub.hotline import services as hotline
from successhub.hotline.errors import HotlineError
from successhub.hotline.models import Call, CallStatus

PHONES = {"customer": "13800000001", "retail": "13800000002", "customer-new": "13800000003"}
CANNED = [
    ("问候", "您好，我是金蝶技术支持工程师，很高兴为您服务。请问遇到了什么问题？"),
    ("请求截图", "方便的话，请把报错界面截图发给我，我帮您进一步分析。"),
    ("结束语", "如果没有其他问题，本次会话就先到这里。感谢您的耐心，祝您工作顺利！"),
]
MARK = "【演示】"


def load() -> list[str]:
    for username, phone in PHONES.items():
        User.objects.filter(username=username, phone="").update(phone=phone)
    for title, body in CANNED:
        CannedReply.objects.get_or_create(title=title, defaults={"body": body})
    engineer = User.objects.filter(username="engineer").first()
    engineer2 = User.objects.filter(username="engineer2").first()
    for agent in (engineer, engineer2):
        if agent is not None:
            chat.set_presence(agent, "online", 3)
    if engineer is None or Call.objects.filter(summary__startswith=MARK).exists():
        return []
    lines = [*_calls(engineer), *_chat(engineer)]
    return lines


def _calls(engineer: User) -> list[str]:
    nanfang = Organisation.objects.filter(code="nanfang").first()
    huadong = Organisation.objects.filter(code="huadong").first()
    retail = User.objects.filter(username="retail").first()
    customer = User.objects.filter(username="customer").first()
    if not (nanfang and huadong and retail and customer):
        return []
    now = timezone.now()
    for fatal, summary in [(True, "全员无法登录系统，门店无法开单"), (False, "报表取数与总账不一致")]:
        try:
            hotline.take_call(
                engineer=engineer,
                organisation=nanfang,
                caller=retail,
                fatal=fatal,
                summary=MARK + summary,
                at=now - dt.timedelta(days=2),
            )
        except HotlineError:
            pass  # the Standard refusal (or no quota left) is recorded as a refused call
    taken = hotline.take_call(
        engineer=engineer,
        organisation=huadong,
        caller=customer,
        fatal=False,
        summary=MARK + "希望凭证打印支持自定义模板",
        at=now - dt.timedelta(days=1),
    )
    try:
        hotline.call_to_idea(engineer, taken.call, title="凭证打印支持自定义模板", product="galaxy")
    except HotlineError:
        pass
    Call.objects.create(
        cti_call_id="demo-missed-1",
        caller_phone="13900009999",
        dialled="4008836836",
        status=CallStatus.MISSED,
        started_at=now - dt.timedelta(hours=3),
        ended_at=now - dt.timedelta(hours=3) + dt.timedelta(seconds=25),
        hangup_cause="cancel",
        summary=MARK + "未接来电",
    )
    return [
        "   热线坐席 /hotline/（engineer）：3 通已处理来电（受理、婉拒、转需求）和 1 通未接来电；"
        "来电号码 13800000001（华东精密，高级）、13800000002（南方零售，标准）"
    ]


def _chat(engineer: User) -> list[str]:
    customer = User.objects.filter(username="customer").first()
    if customer is None or ChatSession.objects.filter(Q(customer=customer) & ~Q(topic="")).exists():
        return []
    started = timezone.now() - dt.timedelta(days=1, hours=2)
    session = ChatSession.objects.create(
        customer=customer,
        organisation=customer.organisation,
        product="galaxy",
        topic="月结时凭证断号",
        status=SessionStatus.ENDED,
        agent=engineer,
        created_at=started,
        accepted_at=started + dt.timedelta(minutes=1),
        ended_at=started + dt.timedelta(minutes=9),
        csat=5,
        csat_comment="回复很快，问题解决了",
    )
    script = [
        (Sender.SYSTEM, None, "您已进入排队，工程师接入后会立即回复您。"),
        (Sender.SYSTEM, None, f"工程师 {engineer} 已接入，为您服务。"),
        (Sender.CUSTOMER, customer, "你好，月结时发现凭证号不连续，中间缺了几号，怎么处理？"),
        (Sender.AGENT, engineer, "您好，凭证断号可以在【凭证整理】中按期间重新排序补号。"),
        (Sender.CUSTOMER, customer, "整理后已审核的凭证会受影响吗？"),
        (Sender.AGENT, engineer, "已审核、已过账的凭证不会被修改内容，只调整凭证号。建议先备份账套。"),
        (Sender.CUSTOMER, customer, "好的，已经处理好了，谢谢！"),
        (Sender.SYSTEM, None, "会话已结束。欢迎对本次服务进行评价。"),
    ]
    for seq, (sender, author, body) in enumerate(script, start=1):
        ChatMessage.objects.create(
            session=session,
            seq=seq,
            sender=sender,
            author=author,
            body=body,
            created_at=started + dt.timedelta(minutes=seq),
        )
    ChatSession.objects.filter(pk=session.pk).update(last_seq=len(script))
    return [
        "   IM 人工服务：customer 从智能客服“转人工”或社区“联系我们”发起；engineer 在 /chat/agent/ 接待；"
        "聊天记录 /chat/transcripts/（含 1 段已评价的对话）"
    ]
