"""The widget's endpoints and the staff insights page, through HTTP."""

from __future__ import annotations

import pytest

from successhub.accounts.models import Role
from successhub.assistant.models import Conversation, Message
from successhub.assistant.selectors import deflection_rate


def test_a_visitor_asks_and_rates(client, knowledge):
    response = client.post(
        "/assistant/ask", {"text": "标准服务的热线每年能打几次?"}, content_type="application/json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["confident"] is True
    assert data["sources"][0]["url"] == "/faq/#faq-hotline-standard-quota"
    rated = client.post(
        "/assistant/rate", {"message_id": data["message_id"], "rating": 1}, content_type="application/json"
    )
    assert rated.status_code == 200
    assert Message.objects.get(pk=data["message_id"]).rating == 1


def test_a_visitor_cannot_rate_someone_elses_answer(client, knowledge):
    other = Conversation.objects.create(session_key="other")
    message = Message.objects.create(conversation=other, role="bot", text="x")
    client.post("/assistant/ask", {"text": "凭证断号"}, content_type="application/json")
    response = client.post(
        "/assistant/rate", {"message_id": message.pk, "rating": -1}, content_type="application/json"
    )
    assert response.status_code == 404


def test_asking_for_a_person_records_the_handoff(client, knowledge, advanced_customer):
    client.force_login(advanced_customer)
    client.post("/assistant/ask", {"text": "凭证断号"}, content_type="application/json")
    response = client.post("/assistant/handoff", {}, content_type="application/json")
    assert response.json()["handoff"]["kind"] in {"im_service", "ticket"}
    conversation = Conversation.objects.get()
    assert conversation.handed_off_at is not None
    assert deflection_rate(7).handed_off == 1


def test_deflection_rate_counts_conversations_without_a_handoff(db, knowledge, client):
    client.post("/assistant/ask", {"text": "标准服务的热线每年能打几次?"}, content_type="application/json")
    rate = deflection_rate(30)
    assert (rate.conversations, rate.handed_off, rate.percent) == (1, 0, "100.0%")


def test_the_insights_page_is_for_staff(client, make_user, knowledge):
    customer = make_user(None, role=Role.SUPPORT_ENGINEER)
    client.post("/assistant/ask", {"text": "红烧肉怎么做才好吃"}, content_type="application/json")
    client.force_login(customer)
    response = client.get("/assistant/insights/")
    assert response.status_code == 200
    assert "红烧肉怎么做才好吃" in response.content.decode()


def test_customers_may_not_see_insights(client, advanced_customer):
    client.force_login(advanced_customer)
    assert client.get("/assistant/insights/").status_code == 403


def test_an_unanswered_question_becomes_an_faq_the_bot_then_answers(client, make_user, knowledge):
    pytest.importorskip("successhub.community.models")
    from successhub.community.models import Faq

    client.post("/assistant/ask", {"text": "发票打印机怎么设置纸张大小"}, content_type="application/json")
    unanswered = Message.objects.get(role="bot")
    assert unanswered.confident is False
    client.force_login(make_user(None, role=Role.SERVICE_ADMIN))
    response = client.post(
        f"/assistant/insights/{unanswered.pk}/faq",
        {
            "question": "发票打印机怎么设置纸张大小？",
            "answer": "在打印设置中选择发票专用纸张模板，纸张大小设为 241×140 毫米。",
        },
    )
    assert response.status_code == 302
    assert Faq.objects.filter(question="发票打印机怎么设置纸张大小？").exists()
    unanswered.refresh_from_db()
    assert unanswered.resolved_faq_id is not None
    client.logout()
    data = client.post(
        "/assistant/ask", {"text": "发票打印机怎么设置纸张大小"}, content_type="application/json"
    ).json()
    assert data["confident"] is True
    assert "241×140" in data["text"]
