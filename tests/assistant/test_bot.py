"""The bot answers from the knowledge base with sources, says when it does not know, and hands off."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from successhub.assistant.models import Message
from successhub.assistant.services import NOT_SURE, ask, conversation_for, handoff_for, rate
from successhub.search.indexing import index_doc, remove_doc
from tests.assistant.conftest import HOTLINE_FAQ, beijing


def _conversation(user=None):
    return conversation_for(user, "session-1")


def test_answers_from_the_knowledge_base_quoting_and_linking_the_source(knowledge):
    reply = ask(_conversation(), "标准服务的热线每年能打几次?")
    assert reply.confident
    assert reply.sources[0]["url"] == HOTLINE_FAQ["url"]
    assert reply.sources[0]["kind"] == "faq"
    assert "每年不超过 4 次" in reply.text and "[1]" in reply.text
    assert reply.handoff is None


def test_says_it_does_not_know_rather_than_guess(knowledge):
    reply = ask(_conversation(), "红烧肉怎么做才好吃")
    assert not reply.confident
    assert reply.text == NOT_SURE
    assert reply.sources == []
    assert reply.handoff.kind == "login"


def test_conversations_and_ratings_are_kept(knowledge, advanced_customer):
    conversation = _conversation(advanced_customer)
    reply = ask(conversation, "凭证断号怎么办")
    rate(conversation, reply.message_id, -1)
    roles = list(conversation.messages.values_list("role", "rating"))
    assert roles == [("user", None), ("bot", -1)]
    assert Message.objects.get(pk=reply.message_id).in_reply_to.text == "凭证断号怎么办"


def test_another_organisations_private_content_is_never_quoted(knowledge, make_org, make_user, add_contract):
    mine, theirs = make_org(), make_org()
    for organisation in (mine, theirs):  # the bot serves customers with a contract
        add_contract(organisation, plan="standard", amount="0")
    index_doc(
        {
            **HOTLINE_FAQ,
            "kind": "article",
            "object_id": 50,
            "title": "南方零售专用：收银机日结对账步骤",
            "body": "收银机日结对账：先导出收银流水，再核对门店日报。",
            "url": "/kb/private/",
            "organisation_id": theirs.pk,
        }
    )
    outsider = ask(_conversation(make_user(mine)), "收银机日结对账怎么做")
    insider = ask(conversation_for(make_user(theirs), "s2"), "收银机日结对账怎么做")
    assert all(s["url"] != "/kb/private/" for s in outsider.sources)
    assert insider.sources[0]["url"] == "/kb/private/"


def test_the_knowledge_follows_the_index(knowledge):
    assert ask(_conversation(), "标准服务的热线每年能打几次?").confident
    remove_doc("faq", HOTLINE_FAQ["object_id"])
    assert not ask(_conversation(), "标准服务的热线每年能打几次?").confident


def test_a_standard_customers_fatal_fault_gets_the_hotline_and_the_calls_left(knowledge, standard_customer):
    reply = ask(_conversation(standard_customer), "系统宕机了，所有人都无法登录")
    assert reply.fatal
    assert reply.handoff.kind == "hotline"
    assert reply.handoff.hotline_number == "4008-836-836"
    assert reply.handoff.hotline_remaining == "2"
    assert Message.objects.filter(role="bot", fatal=True).count() == 1


def test_a_standard_customers_ordinary_question_goes_to_the_community(knowledge, standard_customer):
    reply = ask(_conversation(standard_customer), "红烧肉怎么做才好吃")
    assert reply.handoff.kind == "community"
    assert reply.handoff.options[0].url.startswith("/community/questions/new/")


@pytest.mark.parametrize(("hour", "expected"), [(10, "im_service"), (22, "ticket")])
def test_an_advanced_customer_gets_im_in_its_hours_and_a_ticket_outside(
    knowledge, advanced_customer, hour, expected
):
    conversation = _conversation(advanced_customer)
    ask(conversation, "红烧肉怎么做才好吃")
    handoff = handoff_for(conversation, at=beijing(1, hour))
    assert handoff.kind == expected
    assert "ticket" in [option.kind for option in handoff.options]


def test_the_ticket_is_prefilled_from_the_conversation(knowledge, advanced_customer):
    conversation = _conversation(advanced_customer)
    ask(conversation, "月末结账后报表数据对不上")
    handoff = handoff_for(conversation, at=beijing(1, 22))
    ticket = next(option for option in handoff.options if option.kind == "ticket")
    url = urlsplit(ticket.url)
    params = parse_qs(url.query)
    assert url.path.endswith("/new/")
    assert params["title"] == ["月末结账后报表数据对不上"]
    assert "用户：月末结账后报表数据对不上" in params["description"][0]
    assert params["product"] == ["galaxy"]
