"""However common the query's words, a search ranks a bounded set of candidates (see ``backends``)."""

from __future__ import annotations

import pytest
from django.db import connection

from successhub.search import backends
from successhub.search.indexing import index_doc
from successhub.search.selectors import _without_implied, search


def _index_articles(count: int, title: str, organisation_id=None, first_id: int = 1) -> None:
    for n in range(first_id, first_id + count):
        index_doc(
            {
                "kind": "article",
                "object_id": n,
                "title": f"{title} {n}",
                "body": "月末结账前请先检查凭证。",
                "url": f"/kb/{n}/",
                "product": None,
                "organisation_id": organisation_id,
            }
        )


@pytest.fixture
def three_candidates(monkeypatch):
    monkeypatch.setattr(backends.SqliteBackend, "max_candidates", 3)
    monkeypatch.setattr(backends.PostgresBackend, "max_candidates", 3)


def test_a_broad_query_pages_only_through_the_ranked_candidates(db, three_candidates):
    _index_articles(8, "结账检查清单")
    first, second = (search(None, "结账检查清单", page=p, per_page=2) for p in (1, 2))
    assert first.total == 8  # counted in full (up to MAX_COUNT) ...
    assert first.pages == 2  # ... but only the 3 ranked candidates are reachable
    seen = [r.object_id for r in [*first.results, *second.results]]
    assert len(seen) == len(set(seen)) == 3


def test_candidates_are_only_documents_the_user_may_see(db, three_candidates):
    _index_articles(5, "结账检查清单", organisation_id=424242)
    _index_articles(2, "结账检查清单", first_id=100)
    page = search(None, "结账检查清单")
    assert sorted(r.object_id for r in page.results) == [100, 101]
    assert page.total == 2


@pytest.mark.parametrize(
    ("words", "needed"),
    [
        (
            ["科目", "余额", "科目余额表", "零"],
            ["科目余额表", "零"],
        ),  # dictionary sub-words are stored with the word
        (["s-hr", "hr", "个税"], ["s-hr", "个税"]),  # so are a Latin token's parts
        (["user", "用户"], ["user"]),  # and a Latin word's Chinese synonym
        (["用户", "许可"], ["用户", "许可"]),  # unrelated words all stay
    ],
    ids=["sub-words", "latin-parts", "synonym", "unrelated"],
)
def test_the_all_words_query_leaves_out_words_implied_by_another(words, needed):
    assert _without_implied(words) == needed


def test_postgres_planner_setting_is_restored_inside_a_transaction(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    _index_articles(2, "结账检查清单")
    search(None, "结账检查清单")
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("s-HR 薪酬核算说明", "s-HR 薪酬"),
        ("热线 4008-836-836 人工服务", "4008-836-836"),
        ("升级到 V8.0 之后", "v8.0"),
    ],
    ids=["hyphenated-word", "phone-number", "version"],
)
def test_latin_terms_with_joiners_are_found(db, text, query):
    index_doc(
        {
            "kind": "faq",
            "object_id": 1,
            "title": text,
            "body": "",
            "url": "/faq/",
            "product": None,
            "organisation_id": None,
        }
    )
    assert [r.title for r in search(None, query).results] == [text]
