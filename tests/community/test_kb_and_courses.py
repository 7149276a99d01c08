"""Knowledge base (revisions, feedback, related articles), courses (progress), Markdown safety."""

from __future__ import annotations

import pytest

from successhub.community import selectors, services
from successhub.community.errors import Forbidden
from successhub.community.markup import plain_text, render_markdown
from successhub.community.models import Article, ArticleFeedback, Course, KbCatalogue, Lesson, Topic


@pytest.fixture
def kb(db):
    root = KbCatalogue.objects.create(key="galaxy", title="金蝶云·星空")
    gl = KbCatalogue.objects.create(key="galaxy-gl", title="总账", parent=root)
    fa = KbCatalogue.objects.create(key="galaxy-fa", title="固定资产", parent=root)
    month_end = Topic.objects.create(key="month-end", title="月结专题")
    articles = {
        "close": Article.objects.create(slug="close", title="结账", body="正文", catalogue=gl),
        "fx": Article.objects.create(slug="fx", title="期末调汇", body="正文", catalogue=gl),
        "depr": Article.objects.create(slug="depr", title="折旧", body="正文", catalogue=fa),
        "other": Article.objects.create(slug="other", title="资产卡片", body="正文", catalogue=fa),
    }
    articles["close"].topics.add(month_end)
    articles["depr"].topics.add(month_end)
    return {"root": root, "gl": gl, "fa": fa, "articles": articles}


def test_publishing_a_revision_numbers_it_and_updates_the_article(people, kb):
    article = kb["articles"]["close"]
    first = services.publish_article_revision(people.engineer, article, "结账（修订）", "新正文", "补充步骤")
    second = services.publish_article_revision(people.engineer, article, "结账（第二版）", "更新正文")
    article.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert article.title == "结账（第二版）" and article.body == "更新正文"
    with pytest.raises(Forbidden):
        services.publish_article_revision(people.customer, article, "改", "改")


def test_feedback_is_one_per_user_and_replaced(people, kb):
    article = kb["articles"]["close"]
    services.record_feedback(article, False, "步骤不全", user=people.customer)
    services.record_feedback(article, True, "", user=people.customer)
    services.record_feedback(article, False, "", session_key="anon-session")
    services.record_feedback(article, False, "还是不行", session_key="anon-session")
    assert ArticleFeedback.objects.count() == 2
    assert selectors.feedback_summary(article) == {"yes": 1, "no": 1}


def test_feedback_through_the_page_works_without_login(client, kb):
    response = client.post("/kb/close/feedback/", {"helpful": "yes", "comment": "清楚"})
    assert response.status_code == 302
    assert ArticleFeedback.objects.get().helpful is True


def test_related_articles_share_topics_first_then_catalogue(kb):
    related = selectors.related_articles(None, kb["articles"]["close"])
    assert [a.slug for a in related] == ["depr", "fx"]


def test_catalogue_tree_counts_articles_below_each_node(kb):
    (root,) = selectors.catalogue_tree(None)
    assert root.article_count == 4
    assert {child.catalogue.key: child.article_count for child in root.children} == {
        "galaxy-gl": 2,
        "galaxy-fa": 2,
    }


def test_catalogue_page_lists_articles_of_sub_catalogues(client, kb):
    page = client.get("/kb/catalogue/galaxy/").content.decode()
    assert all(title in page for title in ["结账", "期末调汇", "折旧", "资产卡片"])


def test_article_page_has_tree_related_and_feedback(client, kb, people):
    page = client.get("/kb/close/").content.decode()
    assert "知识目录" in page and "相关文章" in page and "这篇文章对您有帮助吗" in page
    assert "修订记录" not in page
    client.force_login(people.engineer)
    assert "修订记录" in client.get("/kb/close/").content.decode()
    assert client.get("/kb/close/revisions/").status_code == 200


def test_course_progress_per_user(client, people):
    course = Course.objects.create(slug="start", title="快速入门", kind="quick_start", summary="简介")
    lessons = [Lesson.objects.create(course=course, position=n, title=f"第{n}课") for n in range(1, 5)]
    services.complete_lesson(people.customer, lessons[0])
    services.complete_lesson(people.customer, lessons[0])
    services.complete_lesson(people.customer, lessons[1])
    assert selectors.course_progress(people.customer, [course]) == {course.pk: (2, 4, 50)}
    assert selectors.course_progress(people.colleague, [course]) == {course.pk: (0, 4, 0)}
    client.force_login(people.colleague)
    response = client.post(f"/courses/start/lessons/{lessons[0].pk}/complete/")
    assert response["Location"] == f"/courses/start/lessons/{lessons[1].pk}/"
    assert "已完成 1/4 课时" in client.get("/courses/start/").content.decode()


def test_course_search_document_lists_lessons(db):
    course = Course.objects.create(slug="s", title="月结", kind="scenario", summary="**按顺序**月结")
    Lesson.objects.create(course=course, position=1, title="存货核算")
    doc = course.as_search_doc()
    assert doc["body"] == "按顺序月结\n存货核算" and doc["kind"] == "course"


def test_markdown_escapes_html_and_renders_the_subset():
    html = render_markdown(
        "## 标题\n\n<script>alert(1)</script> **粗体**\n\n- 一\n- 二\n\n| a | b |\n| --- | --- |\n| 1 | 2 |"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>粗体</strong>" in html and "<ul>\n<li>一</li>\n<li>二</li>\n</ul>" in html
    assert "<td>1</td>" in html and "<h4>标题</h4>" in html
    assert 'href="javascript' not in render_markdown("[x](javascript:alert(1))")
    assert plain_text("| a | b |\n| --- | --- |\n| 1 | 2 |") == "a b\n1 2"
