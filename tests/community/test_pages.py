"""Every community page answers, without login for reading; list pages cost a fixed number of queries."""

from __future__ import annotations

import pytest

from successhub.community import services
from successhub.community.models import Article, Course, Faq, KbCatalogue, Lesson, Topic


@pytest.fixture
def site(people, make_question):
    catalogue = KbCatalogue.objects.create(key="galaxy", title="金蝶云·星空")
    Topic.objects.create(key="month-end", title="月结专题").articles.add(
        Article.objects.create(slug="close", title="结账指南", body="正文", catalogue=catalogue)
    )
    Faq.objects.create(key="hotline", question="热线号码是多少？", answer="4008-836-836")
    course = Course.objects.create(slug="start", title="快速入门", kind="quick_start")
    lesson = Lesson.objects.create(course=course, position=1, title="第一课")
    question = make_question(people.customer, title="星空如何反结账", answers=[(people.engineer, "官方回答")])
    idea = services.propose_idea(people.customer, "galaxy", "结账检查清单", "描述")
    return {"question": question, "idea": idea, "lesson": lesson}


def urls(site):
    return [
        "/community/",
        "/community/?product=galaxy",
        "/community/questions/",
        "/community/questions/?q=反结账&unanswered=1",
        "/community/questions/new/",
        "/community/questions/similar/?title=星空反结账",
        f"/community/questions/{site['question'].pk}/",
        "/community/tags/结账/",
        "/kb/",
        "/kb/catalogue/galaxy/",
        "/kb/topics/month-end/",
        "/kb/close/",
        "/faq/",
        "/faq/?product=general",
        "/courses/",
        "/courses/start/",
        f"/courses/start/lessons/{site['lesson'].pk}/",
        "/ideas/",
        "/ideas/?status=submitted&sort=new",
        "/ideas/new/",
        f"/ideas/{site['idea'].pk}/",
    ]


@pytest.mark.parametrize("who", ["anonymous", "customer", "engineer"])
def test_pages_answer(client, people, site, who):
    if who != "anonymous":
        client.force_login(getattr(people, who))
    for url in urls(site):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_see_community_links_in_the_header(client, site):
    page = client.get("/community/").content.decode()
    assert 'href="/kb/"' in page and 'href="/ideas/"' in page and 'href="/faq/"' in page


def test_question_page_shows_staff_badge_and_accepted_first(client, people, make_question):
    question = make_question(
        people.customer, answers=[(people.colleague, "客户回答"), (people.engineer, "官方回答")]
    )
    services.accept_answer(people.customer, question.answers.get(body="官方回答"))
    page = client.get(f"/community/questions/{question.pk}/").content.decode()
    assert page.index("官方回答") < page.index("客户回答")
    assert "金蝶官方" in page


def test_similar_questions_while_typing(client, site):
    page = client.get("/community/questions/similar/?title=星空反结账怎么做").content.decode()
    assert "星空如何反结账" in page


def test_ask_page_posts_and_redirects(client, people):
    client.force_login(people.customer)
    response = client.post(
        "/community/questions/new/",
        {"title": "星空怎么反过账", "body": "请教", "product": "galaxy", "tags": "过账"},
    )
    assert response.status_code == 302 and response["Location"].startswith("/community/questions/")


def test_idea_page_for_staff_offers_channels_and_organisations(client, people):
    client.force_login(people.engineer)
    page = client.get("/ideas/new/").content.decode()
    assert "代客户登记" in page and people.advanced_org.name in page
    response = client.post(
        "/ideas/new/",
        {
            "organisation": people.standard_org.pk,
            "channel": "hotline",
            "title": "需求",
            "description": "描述",
        },
    )
    assert response.status_code == 403
    assert "创新广场" in response.content.decode()


def test_question_list_query_count_does_not_grow(
    client, people, make_question, django_assert_max_num_queries
):
    for n in range(3):
        make_question(people.customer, title=f"问题{n}")
    with django_assert_max_num_queries(12) as few:
        client.get("/community/questions/")
    for n in range(15):
        make_question(people.customer, title=f"更多问题{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/community/questions/")


def test_ideas_list_query_count_does_not_grow(client, people, django_assert_max_num_queries):
    for n in range(3):
        services.propose_idea(people.engineer, "galaxy", f"需求{n}", "描述", organisation=people.advanced_org)
    with django_assert_max_num_queries(12) as few:
        client.get("/ideas/")
    for n in range(10):
        services.propose_idea(
            people.engineer, "galaxy", f"更多需求{n}", "描述", organisation=people.advanced_org
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/ideas/")
