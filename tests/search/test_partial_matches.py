"""When too few documents hold every word, those whose title holds some of the query's terms follow.

They come from the title index (migration ``0003``): never a document already listed, never one the
user may not see, and never one that only its body relates to the query.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import connection

from successhub.search import backends
from successhub.search.indexing import index_doc, remove_doc
from successhub.search.selectors import search


def _doc(object_id: int, title: str, body: str = "", organisation_id=None) -> dict:
    return {
        "kind": "article",
        "object_id": object_id,
        "title": title,
        "body": body,
        "url": f"/kb/{object_id}/",
        "product": None,
        "organisation_id": organisation_id,
    }


def _titles(query: str, user=None) -> list[str]:
    return [r.title for r in search(user or AnonymousUser(), query).results]


def test_titles_holding_some_of_the_words_follow_the_documents_holding_all(db):
    index_doc(_doc(1, "凭证打印设置", body="凭证断号时先整理凭证。"))
    index_doc(_doc(2, "凭证整理"))
    page = search(AnonymousUser(), "凭证断号")
    assert [r.title for r in page.results] == ["凭证打印设置", "凭证整理"]
    assert page.total == 2


def test_a_body_holding_some_of_the_words_is_not_a_partial_match(db):
    index_doc(_doc(1, "工资表导出", body="导出前先检查凭证。"))
    assert _titles("凭证断号") == []


def test_partial_matches_are_only_documents_the_user_may_see(db, make_org, make_user):
    mine, theirs = make_org(), make_org()
    index_doc(_doc(1, "凭证整理：公开"))
    index_doc(_doc(2, "凭证整理：华东专用", organisation_id=mine.pk))
    index_doc(_doc(3, "凭证整理：南方专用", organisation_id=theirs.pk))
    assert set(_titles("凭证断号", make_user(mine))) == {"凭证整理：公开", "凭证整理：华东专用"}
    page = search(AnonymousUser(), "凭证断号")
    assert [r.title for r in page.results] == ["凭证整理：公开"]
    assert page.total == 1


def test_the_title_index_follows_a_new_title_and_a_removal(db):
    index_doc(_doc(1, "凭证整理"))
    index_doc(_doc(1, "工资表导出"))  # the same article, retitled
    assert _titles("凭证断号") == []
    assert _titles("工资断号") == ["工资表导出"]
    remove_doc("article", 1)
    assert _titles("工资断号") == []


def test_every_page_of_a_broad_query_reports_the_full_total(db, monkeypatch):
    monkeypatch.setattr(backends.SqliteBackend, "max_candidates", 3)
    monkeypatch.setattr(backends.PostgresBackend, "max_candidates", 3)
    for n in range(1, 9):
        index_doc(_doc(n, f"结账检查清单 {n}"))
    assert [search(None, "结账检查清单", page=p, per_page=2).total for p in (1, 2, 3)] == [8, 8, 8]


def test_a_search_asks_each_index_once(db, django_assert_num_queries):
    index_doc(_doc(1, "凭证打印设置", body="凭证断号时先整理凭证。"))
    index_doc(_doc(2, "凭证整理"))
    # Whole documents, titles, the page's rows. On PostgreSQL both searches share one savepoint (the
    # test runs inside a transaction) and one planner setting, set and put back: 4 more.
    expected = {"sqlite": 3, "postgresql": 7}[connection.vendor]
    with django_assert_num_queries(expected):
        search(None, "凭证断号")
