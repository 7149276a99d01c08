"""需求聆听 on every channel the plan names: Advanced through the bot, the hotline desk and a ticket
category as well as the innovation square, each demand recorded with its channel; Standard only through
the innovation square, with the engine's explanation elsewhere. And the bot knows where patches are."""

from __future__ import annotations

import pytest
from django.test import Client

from successhub.assistant import services as bot
from successhub.assistant.models import Conversation
from successhub.community.errors import NotEligible
from successhub.community.models import Idea
from successhub.community.services import file_demand
from successhub.contracts.selectors import entitlement_for
from successhub.core.entitlements import Request
from successhub.tickets.errors import FilingRefused
from successhub.tickets.models import Ticket
from successhub.tickets.services import filing as tickets


def _explanation(organisation, channel: str) -> str:
    return entitlement_for(organisation, Request("demand_listening", channel=channel)).explanation


def _ask(user, text: str):
    conversation = Conversation.objects.create(user=user, organisation=user.organisation)
    return bot.ask(conversation, text), conversation


# --- the bot ---------------------------------------------------------------------------------------


def test_advanced_customer_files_a_demand_through_the_bot(world):
    reply, conversation = _ask(world.customer, "我要提需求：希望应收单支持按客户批量核销")
    idea = Idea.objects.get()
    assert (idea.channel, idea.organisation, idea.author) == ("bot", world.advanced, world.customer)
    assert idea.description == "希望应收单支持按客户批量核销"
    assert idea.reference == f"assistant:{conversation.pk}"
    assert idea.product.code == "galaxy"
    assert reply.handoff.options[0].url == f"/ideas/{idea.pk}/"
    assert conversation.messages.count() == 2


def test_standard_customer_is_told_why_and_sent_to_the_square(world):
    reply, _ = _ask(world.standard_customer, "我要提需求：希望 POS 支持离线退货")
    assert not Idea.objects.exists()
    assert reply.text == _explanation(world.standard, "bot")
    assert "创新广场" in reply.text
    assert reply.handoff.options[0].url == "/ideas/new/"


@pytest.mark.parametrize(
    ("text", "filed"),
    [
        ("我要提需求", False),
        ("我要提需求：", False),
        ("怎么提需求？", False),
        ("我要提需求，报表支持导出 PDF", True),
    ],
)
def test_the_trigger_phrase(world, text, filed):
    reply, _ = _ask(world.customer, text)
    assert Idea.objects.exists() is filed
    if text.startswith("我要提需求") and not filed:
        assert "我要提需求：" in reply.text  # says how to write it


def test_an_unverified_user_is_asked_to_verify_first(world):
    reply, _ = _ask(world.unverified, "我要提需求：希望支持多币种")
    assert not Idea.objects.exists()
    assert reply.handoff.kind == "verify"


# --- the hotline desk (issue 12 builds the desk; this is the service it calls) ----------------------


def test_the_hotline_desk_files_a_demand_for_an_advanced_customer(world):
    idea = file_demand(
        world.engineer,
        "hotline",
        "希望凭证支持批量打印",
        "来电客户提出……",
        organisation=world.advanced,
        product="galaxy",
        reference="CALL-20260301-0001",
    )
    assert (idea.channel, idea.organisation, idea.author, idea.reference) == (
        "hotline",
        world.advanced,
        world.engineer,
        "CALL-20260301-0001",
    )


def test_the_hotline_desk_cannot_file_for_a_standard_customer(world):
    with pytest.raises(NotEligible) as refused:
        file_demand(world.engineer, "hotline", "需求", "描述", organisation=world.standard)
    assert refused.value.code == "channel_not_eligible"
    assert str(refused.value) == _explanation(world.standard, "hotline")
    assert not Idea.objects.exists()


# --- a ticket category ---------------------------------------------------------------------------------


def test_a_demand_ticket_lands_in_the_square_with_the_ticket_number(world):
    ticket = tickets.file_ticket(
        requester=world.customer,
        filed_by=world.customer,
        product_code="galaxy",
        category="product_demand",
        title="希望支持电子发票批量下载",
        description="每月几百张发票，逐张下载太慢。",
    )
    idea = Idea.objects.get()
    assert (idea.channel, idea.reference, idea.title) == ("ticket_site", ticket.number, ticket.title)
    assert ticket.service == "demand_listening"


def test_a_demand_filed_at_the_hotline_desk_as_a_ticket_keeps_the_hotline_channel(world):
    ticket = tickets.file_ticket(
        requester=world.customer,
        filed_by=world.engineer,
        product_code="galaxy",
        category="product_demand",
        title="需求",
        description="描述",
        channel="hotline",
    )
    assert Idea.objects.get().channel == "hotline"
    assert Idea.objects.get().reference == ticket.number


def test_a_standard_customer_cannot_file_a_demand_ticket(world):
    with pytest.raises(FilingRefused) as refused:
        tickets.file_ticket(
            requester=world.standard_customer,
            filed_by=world.standard_customer,
            product_code="cosmic",
            category="product_demand",
            title="需求",
            description="描述",
        )
    assert refused.value.code == "channel_not_eligible"
    assert refused.value.message_zh == _explanation(world.standard, "ticket_site")
    assert not Ticket.objects.exists() and not Idea.objects.exists()


def test_the_square_shows_each_demands_channel(world):
    idea = file_demand(world.engineer, "hotline", "热线需求", "描述", organisation=world.advanced)
    client = Client()
    client.force_login(world.standard_customer)
    page = client.get(f"/ideas/{idea.pk}/").content.decode()
    assert "热线 4008-836-836" in page  # the catalog's name for the channel, not its code


# --- the bot's knowledge -------------------------------------------------------------------------


def test_the_bot_says_where_patches_and_licenses_are_with_links(world):
    from successhub.assistant.retrieval import forget_knowledge_base
    from tests.search_index.demo_docs import load_demo_index

    load_demo_index()
    forget_knowledge_base()
    for question, path in [
        ("补丁包在哪里下载？", "/updates/"),
        ("许可文件在哪里下载？", "/updates/licenses/"),
    ]:
        reply, _ = _ask(world.customer, question)
        assert reply.confident, question
        assert path in reply.text, reply.text
    forget_knowledge_base()
