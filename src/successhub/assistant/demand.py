"""需求聆听 through the bot: "我要提需求：…" files the demand in the innovation square (channel ``bot``)
when the organisation's plan names the bot as a channel; otherwise the engine's explanation and the way
to the innovation square."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils.translation import gettext as _

DEMAND_TRIGGER = re.compile(r"^\s*(?:我要提需求|I want to propose)[\s:：,，。.!！]*(.*)$", re.S | re.I)
TITLE_MAX = 60
DEMAND = "demand"


def demand_text(text: str) -> str | None:
    """The demand after the trigger phrase ("" when only the phrase was said); ``None`` if not a demand."""
    match = DEMAND_TRIGGER.match(text or "")
    return match.group(1).strip() if match else None


def file_from_bot(conversation, content: str):
    """Returns ``(answer, handoff)`` for the bot's reply; files the demand when allowed."""
    from successhub.assistant.services import LOGIN, VERIFY, Handoff, HandoffOption, _reverse_or
    from successhub.community.errors import CommunityError, NotEligible, NotSignedIn, NotVerified
    from successhub.community.services import file_demand

    user = conversation.user
    square = HandoffOption(DEMAND, _("去创新广场提需求"), _reverse_or("community:idea_new", "/ideas/new/"))
    if not content:
        message = _("请在“我要提需求”后面写下您的需求，例如：我要提需求：希望应收单支持批量核销。")
        return message, Handoff(DEMAND, message, (square,))
    title = content.replace("\n", " ")
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    try:
        idea = file_demand(
            user,
            "bot",
            title,
            content,
            product=_product(conversation),
            reference=f"assistant:{conversation.pk}",
        )
    except NotSignedIn:
        message = _("登录并完成认证后，才能通过智能客服提交需求。")
        return message, Handoff(LOGIN, message, (HandoffOption(LOGIN, _("登录"), _reverse_or("login", "")),))
    except NotVerified as exc:
        return str(exc), Handoff(
            VERIFY, str(exc), (HandoffOption(VERIFY, _("完成认证"), _reverse_or("verify", "")),)
        )
    except NotEligible as exc:
        return str(exc), Handoff(DEMAND, str(exc), (square,))
    except CommunityError as exc:
        return str(exc), Handoff(DEMAND, str(exc), (square,))
    url = reverse("community:idea", args=[idea.pk])
    message = _(
        "您的需求已提交到创新广场（来源：智能客服），产品团队评估后会在需求页回复，状态变化会通知您。"
    )
    return message, Handoff(
        DEMAND, message, (HandoffOption(DEMAND, _("查看需求：%(title)s") % {"title": idea.title}, url),)
    )


def _product(conversation) -> str | None:
    organisation = conversation.organisation
    if organisation is None:
        return None
    codes = list(organisation.deployments.values_list("product__code", flat=True).distinct()[:2])
    return codes[0] if len(codes) == 1 else None
