"""The chat's pages: the entries (bot 转人工, community), the console, attachments, transcripts, who sees what."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from successhub.accounts.models import Role
from successhub.chat import services
from successhub.chat.models import ChatMessage, ChatSession

from .conftest import NIGHT

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_bots_transfer_link_reaches_a_working_chat_page(customer):
    from successhub.assistant.services import conversation_for, handoff_for

    conversation = conversation_for(customer, "s")
    option = next(o for o in handoff_for(conversation).options if o.kind == "im_service")
    assert option.url.startswith("/chat/start/?") and f"conversation={conversation.pk}" in option.url
    client = login(customer)
    assert "开始咨询" in client.get(option.url).content.decode()
    response = client.post(
        option.url, {"product": "galaxy", "entry": "in_product", "conversation": str(conversation.pk)}
    )
    session = ChatSession.objects.get()
    assert response["Location"] == f"/chat/{session.pk}/"
    assert session.bot_conversation == conversation and session.entry == "in_product"


def test_community_entry(customer):
    client = login(customer)
    page = client.get("/community/contact/").content.decode()
    assert 'data-testid="chat-from-community"' in page
    client.post("/chat/start/?entry=community", {"product": "galaxy", "entry": "community"})
    assert ChatSession.objects.get().entry == "community"


def test_closed_hours_show_the_next_opening_and_the_message_form(clock, customer):
    clock.set(NIGHT)
    page = login(customer).get("/chat/start/").content.decode()
    assert "非服务时间" in page and "2026-03-08 08:30" in page and "留言并转为工单" in page


def test_not_entitled_sees_the_explanation(make_org, add_contract, add_deployment, make_user):
    import datetime as dt

    org = make_org()
    add_deployment(org, "galaxy", "public_cloud")
    add_contract(org, "standard", start=dt.date(2026, 1, 1), end=dt.date(2028, 12, 31), amount="0")
    client = login(make_user(org))
    page = client.get("/chat/start/").content.decode()
    assert "不可用" in page and "高级成功服务" in page
    client.post("/chat/start/", {"product": "galaxy"})
    assert not ChatSession.objects.exists()


def test_attachments_go_through_the_content_checks(agent, customer):
    session = services.start_chat(customer, "galaxy")
    services.accept(agent, session)
    client = login(customer)
    ok = client.post(f"/chat/{session.pk}/upload/", {"file": SimpleUploadedFile("截图.png", PNG)})
    assert ok.status_code == 201
    renamed = client.post(
        f"/chat/{session.pk}/upload/", {"file": SimpleUploadedFile("evil.png", b"MZ\x90\x00")}
    )
    assert renamed.status_code == 422 and renamed.json()["code"] == "attachment_type_not_allowed"
    message = ChatMessage.objects.get(attachment_name="截图.png")
    assert login(agent).get(f"/chat/files/{message.pk}/").status_code == 200
    assert Client().get(f"/chat/files/{message.pk}/").status_code == 302


def test_customers_see_only_their_own_chats(customer, advanced, make_user):
    session = services.start_chat(customer, "galaxy")
    other = login(make_user(advanced))
    for url in [f"/chat/{session.pk}/", f"/chat/{session.pk}/state/"]:
        assert other.get(url).status_code == 404
    for url in ["/chat/agent/", "/chat/transcripts/", f"/chat/agent/{session.pk}/"]:
        assert other.get(url).status_code == 403


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.OPS_ENGINEER])
def test_only_support_staff_use_the_console(role, make_user):
    assert login(make_user(role=role)).get("/chat/agent/").status_code == 403


def test_console_accept_context_and_transcript_search(agent, customer):
    session = services.start_chat(customer, "galaxy", topic="凭证")
    client = login(agent)
    assert f'data-testid="accept-{session.pk}"' in client.get("/chat/agent/").content.decode()
    client.post(f"/chat/agent/{session.pk}/accept/")
    services.post_message(session, customer, "月结时凭证断号怎么处理", "c1")
    page = client.get(f"/chat/agent/{session.pk}/").content.decode()
    assert customer.organisation.name in page and "IM 人工服务" in page
    assert f"#{session.pk}" in client.get("/chat/transcripts/", {"q": "断号"}).content.decode()
    assert f"#{session.pk}" not in client.get("/chat/transcripts/", {"q": "不存在的词"}).content.decode()


def test_end_and_csat_through_the_pages(agent, customer):
    session = services.start_chat(customer, "galaxy")
    services.accept(agent, session)
    client = login(customer)
    client.post(f"/chat/{session.pk}/end/")
    assert "请为本次服务评分" in client.get(f"/chat/{session.pk}/").content.decode()
    client.post(f"/chat/{session.pk}/rate/", {"score": "4", "comment": "不错"})
    session.refresh_from_db()
    assert session.csat == 4
    assert client.post(f"/chat/{session.pk}/rate/", {"score": "x"}).status_code == 302
