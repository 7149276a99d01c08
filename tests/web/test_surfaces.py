"""The region and verification rules, decided by the engine, hold the same on every surface:
我的服务权益, the community, the bot, ideas and tickets."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from successhub.contracts.selectors import decisions_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def customer_in(make_org, make_user, add_deployment, add_contract):
    def make(region="mainland", verified=True, plan="advanced"):
        organisation = make_org(region=region)
        add_deployment(organisation, "galaxy", "private_cloud_subscription")
        add_contract(organisation, plan=plan)
        return make_user(organisation, verified=verified)

    return make


def _post_question(client):
    return client.post(
        "/community/questions/new/", {"title": "凭证断号怎么处理", "body": "保存后编号不连续。"}
    )


def _ask_bot(client):
    return client.post("/assistant/ask", {"text": "凭证断号怎么处理"}, content_type="application/json").json()


def _propose_idea(client):
    return client.post("/ideas/new/", {"title": "希望支持批量打印", "description": "月底打印凭证很多。"})


@pytest.mark.parametrize(
    ("region", "verified", "allowed", "reason"),
    [
        ("mainland", True, True, "ok"),
        ("overseas", True, False, "region_not_covered"),
        ("mainland", False, False, "not_verified"),
    ],
    ids=["verified_mainland_uses_everything", "overseas_uses_nothing", "unverified_verifies_first"],
)
def test_every_surface_follows_the_engine(client, customer_in, region, verified, allowed, reason):
    from successhub.community.models import Idea, Question

    user = customer_in(region=region, verified=verified)
    decisions = decisions_for_user(user)
    assert (decisions["community"].reason, decisions["smart_service"].reason) == (reason, reason)
    client.force_login(user)

    entitlements = client.get("/me/entitlements/").content.decode()
    assert f'data-service="community" data-reason="{reason}"' in entitlements
    assert f'data-service="smart_service" data-reason="{reason}"' in entitlements

    _post_question(client)
    assert Question.objects.filter(author=user).exists() is allowed

    reply = _ask_bot(client)
    assert (reply["text"] == decisions["smart_service"].explanation) is not allowed

    _propose_idea(client)
    assert Idea.objects.filter(author=user).exists() is allowed

    ticket_form = client.get("/tickets/new/").content.decode()
    assert ('data-testid="ticket-form"' in ticket_form) is (region == "mainland")


def test_an_unverified_user_is_offered_verification_by_the_bot(client, customer_in):
    client.force_login(customer_in(verified=False))
    reply = _ask_bot(client)
    assert reply["handoff"]["kind"] == "verify"


def test_a_visitor_still_gets_answers_from_public_knowledge(client):
    reply = _ask_bot(client)
    assert "请先完成手机或邮箱认证" not in reply["text"]
