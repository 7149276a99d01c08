"""Hidden content and another organisation's private content never reach public lists, pages,
the API or the search documents."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from successhub.community import selectors, services
from successhub.community.models import Article, Faq, KbCatalogue, Question


@pytest.fixture
def content(people, make_question):
    catalogue = KbCatalogue.objects.create(key="galaxy", title="金蝶云·星空")
    return {
        "public": make_question(people.customer, title="公开的问题"),
        "hidden": make_question(people.customer, title="被隐藏的问题", is_hidden=True),
        "private": make_question(people.customer, title="高级客户内部问题", organisation=people.advanced_org),
        "merged": make_question(people.customer, title="已合并的问题"),
        "article_public": Article.objects.create(
            slug="public", title="公开文章", body="正文", catalogue=catalogue
        ),
        "article_hidden": Article.objects.create(
            slug="hidden", title="隐藏文章", body="正文", catalogue=catalogue, is_hidden=True
        ),
        "article_private": Article.objects.create(
            slug="private",
            title="内部文章",
            body="正文",
            catalogue=catalogue,
            organisation=people.advanced_org,
        ),
        "article_draft": Article.objects.create(
            slug="draft", title="草稿文章", body="正文", catalogue=catalogue, is_published=False
        ),
    }


def _merge(people, content):
    services.merge_questions(people.engineer, content["merged"], content["public"])


VIEWERS = {
    "anonymous": lambda p: AnonymousUser(),
    "other_organisation": lambda p: p.standard_customer,
    "same_organisation": lambda p: p.colleague,
    "staff": lambda p: p.engineer,
}
SEES_PRIVATE = {"anonymous": False, "other_organisation": False, "same_organisation": True, "staff": True}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_question_lists_hide_hidden_merged_and_foreign_private(people, content, viewer):
    _merge(people, content)
    user = VIEWERS[viewer](people)
    titles = set(selectors.question_list(user).values_list("title", flat=True))
    assert "公开的问题" in titles
    assert "被隐藏的问题" not in titles and "已合并的问题" not in titles
    assert ("高级客户内部问题" in titles) is SEES_PRIVATE[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_article_lists_hide_hidden_drafts_and_foreign_private(people, content, viewer):
    user = VIEWERS[viewer](people)
    slugs = set(selectors.visible_articles(user).values_list("slug", flat=True))
    assert "public" in slugs and "hidden" not in slugs and "draft" not in slugs
    assert ("private" in slugs) is SEES_PRIVATE[viewer]


def test_api_lists_never_include_hidden_or_private_for_outsiders(client, people, content):
    client.force_login(people.standard_customer)
    titles = {q["title"] for q in client.get("/api/v1/community/questions").json()}
    assert titles == {"公开的问题", "已合并的问题"}
    slugs = {a["slug"] for a in client.get("/api/v1/community/articles").json()}
    assert slugs == {"public"}
    for url in [
        f"/api/v1/community/questions/{content['hidden'].pk}",
        f"/api/v1/community/questions/{content['private'].pk}",
        "/api/v1/community/articles/hidden",
        "/api/v1/community/articles/private",
        "/api/v1/community/articles/draft",
    ]:
        assert client.get(url).status_code == 404, url


def test_api_shows_private_content_to_the_organisation(client, people, content):
    client.force_login(people.colleague)
    titles = {q["title"] for q in client.get("/api/v1/community/questions").json()}
    assert "高级客户内部问题" in titles
    assert client.get("/api/v1/community/articles/private").status_code == 200


def test_api_reading_needs_no_sign_in(client, content):
    assert client.get("/api/v1/community/questions").status_code == 200
    assert {a["slug"] for a in client.get("/api/v1/community/articles").json()} == {"public"}


@pytest.mark.parametrize(
    "key, viewer, status",
    [
        ("hidden", "anonymous", 404),
        ("hidden", "same_organisation", 404),
        ("hidden", "staff", 200),
        ("private", "anonymous", 404),
        ("private", "other_organisation", 404),
        ("private", "same_organisation", 200),
        ("private", "staff", 200),
        ("public", "anonymous", 200),
    ],
)
def test_question_pages(client, people, content, key, viewer, status):
    if viewer != "anonymous":
        client.force_login(VIEWERS[viewer](people))
    assert client.get(f"/community/questions/{content[key].pk}/").status_code == status


def test_hidden_answers_are_not_shown_nor_in_the_question_document(people, make_question, client):
    question = make_question(
        people.customer, answers=[(people.engineer, "可见的回答"), (people.colleague, "不当回答")]
    )
    bad = question.answers.get(body="不当回答")
    services.hide_content(people.engineer, bad)
    question.refresh_from_db()
    assert question.answer_count == 1
    assert "不当回答" not in question.as_search_doc()["body"]
    assert "可见的回答" in question.as_search_doc()["body"]
    page = client.get(f"/community/questions/{question.pk}/").content.decode()
    assert "可见的回答" in page and "不当回答" not in page
    api = client.get(f"/api/v1/community/questions/{question.pk}").json()
    assert [a["body"] for a in api["answers"]] == ["可见的回答"]


def test_search_documents(people, content):
    _merge(people, content)
    for key in ("hidden", "merged", "article_hidden", "article_draft"):
        content[key].refresh_from_db()
        assert content[key].as_search_doc() is None, key
    doc = content["private"].as_search_doc()
    assert doc["organisation_id"] == people.advanced_org.pk and doc["kind"] == "question"
    public = content["article_public"].as_search_doc()
    assert (
        public["organisation_id"] is None and public["url"] == "/kb/public/" and public["kind"] == "article"
    )
    faq = Faq.objects.create(key="k", question="热线几点？", answer="**7×24** 小时")
    assert faq.as_search_doc()["body"] == "热线几点？\n7×24 小时"
    faq.is_hidden = True
    assert faq.as_search_doc() is None


def test_hiding_saves_the_row_so_search_signals_fire(people, content):
    from django.db.models.signals import post_save

    seen = []

    def record(sender, instance, **kwargs):
        seen.append((sender, instance.pk))

    post_save.connect(record, sender=Question)
    try:
        services.hide_content(people.engineer, content["public"])
    finally:
        post_save.disconnect(record, sender=Question)
    assert (Question, content["public"].pk) in seen


def test_indexed_models_are_listed():
    from successhub.community.models import Course
    from successhub.community.search import INDEXED_MODELS

    assert INDEXED_MODELS == [Question, Article, Faq, Course]


def test_similar_questions_respect_visibility(people, content):
    found = selectors.similar_questions(AnonymousUser(), "问题")
    titles = {q.title for q in found}
    assert "被隐藏的问题" not in titles and "高级客户内部问题" not in titles
