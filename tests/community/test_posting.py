"""Who may post, and how often: the service, the API and the pages agree."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from successhub.community import services
from successhub.community.errors import NotSignedIn, NotVerified, RateLimited
from successhub.community.models import Answer, Idea, Question

ACTORS = ["anonymous", "unverified", "verified", "staff"]


def actor(people, name):
    from django.contrib.auth.models import AnonymousUser

    return {
        "anonymous": AnonymousUser(),
        "unverified": people.unverified,
        "verified": people.customer,
        "staff": people.engineer,
    }[name]


POSTS = {
    "ask": lambda user, p, q: services.ask_question(user, "标题", "内容"),
    "answer": lambda user, p, q: services.answer_question(user, q, "回答"),
    "comment": lambda user, p, q: services.add_comment(user, q, "评论"),
    "vote": lambda user, p, q: services.vote(user, q, 1),
    "report": lambda user, p, q: services.report_content(user, q, "广告"),
    "idea": lambda user, p, q: services.propose_idea(
        user,
        "galaxy",
        "需求",
        "描述",
        organisation=None if user.is_authenticated and user.is_customer else p.advanced_org,
    ),
}

EXPECTED = {"anonymous": NotSignedIn, "unverified": NotVerified, "verified": None, "staff": None}


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("who", ACTORS)
def test_posting_needs_a_verified_customer_or_staff(people, make_question, who, post):
    question = make_question(people.colleague)
    user = actor(people, who)
    expected = EXPECTED[who]
    if expected is None:
        POSTS[post](user, people, question)
    else:
        with pytest.raises(expected):
            POSTS[post](user, people, question)


@pytest.mark.parametrize(
    "who, status, code",
    [
        ("anonymous", 401, "not_authenticated"),
        ("unverified", 403, "not_verified"),
        ("verified", 201, None),
        ("staff", 201, None),
    ],
    ids=[
        "anonymous_is_asked_to_sign_in",
        "unverified_is_asked_to_verify",
        "verified_customer_posts",
        "staff_posts",
    ],
)
def test_api_post_question_permissions(client, people, who, status, code):
    if who != "anonymous":
        client.force_login(actor(people, who))
    response = client.post(
        "/api/v1/community/questions",
        data=json.dumps({"title": "星空如何反结账", "body": "请教", "product": "galaxy", "tags": ["结账"]}),
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
    else:
        assert Question.objects.get(pk=response.json()["id"]).tags.get().name == "结账"


def test_page_tells_an_unverified_user_to_verify_with_a_link(client, people, make_question):
    question = make_question(people.colleague)
    client.force_login(people.unverified)
    response = client.post(f"/community/questions/{question.pk}/answer/", {"body": "我来答"}, follow=True)
    assert not Answer.objects.exists()
    page = response.content.decode()
    assert "注册认证" in page and 'href="/me/verify/"' in page


def test_page_sends_an_anonymous_poster_to_login(client, people, make_question):
    question = make_question(people.colleague)
    response = client.post(f"/community/questions/{question.pk}/answer/", {"body": "我来答"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@override_settings(COMMUNITY_POST_LIMIT=3, COMMUNITY_POST_WINDOW_SECONDS=600)
def test_rate_limit_refuses_the_post_after_the_limit(people):
    for n in range(3):
        services.ask_question(people.customer, f"问题{n}", "内容")
    with pytest.raises(RateLimited) as refused:
        services.ask_question(people.customer, "第四个", "内容")
    assert "10 分钟" in str(refused.value)
    assert Question.objects.count() == 3


@override_settings(COMMUNITY_POST_LIMIT=2)
def test_rate_limit_is_per_user_and_staff_are_not_limited(people):
    for n in range(2):
        services.ask_question(people.customer, f"问题{n}", "内容")
    services.ask_question(people.colleague, "同事的问题", "内容")
    for n in range(3):
        services.ask_question(people.engineer, f"官方{n}", "内容")
    assert Question.objects.count() == 6


@override_settings(COMMUNITY_POST_LIMIT=1)
def test_rate_limit_over_the_api_is_429(client, people):
    client.force_login(people.customer)
    payload = json.dumps({"title": "标题", "body": "内容"})
    assert (
        client.post("/api/v1/community/questions", payload, content_type="application/json").status_code
        == 201
    )
    response = client.post("/api/v1/community/questions", payload, content_type="application/json")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


@override_settings(COMMUNITY_POST_LIMIT=1)
def test_rate_limit_on_the_ask_page_is_429_with_a_chinese_message(client, people):
    client.force_login(people.customer)
    client.post("/community/questions/new/", {"title": "一", "body": "内容"})
    response = client.post("/community/questions/new/", {"title": "二", "body": "内容"})
    assert response.status_code == 429
    assert "发帖过于频繁" in response.content.decode()


def test_refused_posts_do_not_count_against_the_limit(people, settings):
    settings.COMMUNITY_POST_LIMIT = 1
    with pytest.raises(Exception):  # noqa: B017 - empty title is refused
        services.ask_question(people.customer, "", "内容")
    services.ask_question(people.customer, "标题", "内容")


def test_voting_twice_withdraws_and_own_content_cannot_be_voted(people, make_question):
    question = make_question(people.colleague)
    assert services.vote(people.customer, question, 1) == 1
    assert services.vote(people.customer, question, 1) == 0
    assert services.vote(people.customer, question, -1) == -1
    with pytest.raises(services.Forbidden):
        services.vote(people.colleague, question, 1)


def test_only_the_asker_or_staff_accept_an_answer(people, make_question):
    question = make_question(
        people.customer, answers=[(people.engineer, "答案一"), (people.colleague, "答案二")]
    )
    first, second = question.answers.order_by("id")
    with pytest.raises(services.Forbidden):
        services.accept_answer(people.colleague, first)
    services.accept_answer(people.customer, first)
    services.accept_answer(people.engineer, second)
    assert list(question.answers.filter(is_accepted=True)) == [second]


def test_idea_post_over_the_api_needs_verification(client, people):
    client.force_login(people.unverified)
    response = client.post(
        "/api/v1/community/ideas",
        json.dumps({"title": "需求", "description": "描述"}),
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "not_verified"
    assert not Idea.objects.exists()
