"""Highlighted, escaped snippets; the search page and the API."""

from __future__ import annotations

from successhub.search.indexing import index_doc
from successhub.search.selectors import _highlighter, search, snippet_html


def test_snippets_escape_html_and_mark_the_query_terms():
    snippet = str(
        snippet_html("<script>alert(1)</script> 凭证断号的处理办法", _highlighter(["凭证", "断号"]))
    )
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>凭证</mark><mark>断号</mark>" in snippet


def test_a_long_body_is_cut_around_the_matches():
    body = "无关内容。" * 80 + "这里讲热线次数。" + "其他内容。" * 80
    snippet = str(snippet_html(body, _highlighter(["热线"])))
    assert "<mark>热线</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < 200


def _index_hotline():
    index_doc(
        {
            "kind": "faq",
            "object_id": 1,
            "title": "标准服务的热线每年能打几次？",
            "body": "标准服务热线每年不超过 4 次，仅限致命故障。",
            "url": "/faq/#hotline",
            "product": None,
            "organisation_id": None,
        }
    )


def test_the_search_page_lists_highlighted_results(client, db):
    _index_hotline()
    response = client.get("/search/", {"q": "热线次数"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/faq/#hotline"' in body
    assert "<mark>热线</mark>" in body


def test_the_api_answers_visitors_with_public_results(client, db):
    _index_hotline()
    response = client.get("/api/v1/search", {"q": "热线", "kind": "faq"})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 1
    assert data["results"][0]["url"] == "/faq/#hotline"
    assert "<mark>热线</mark>" in data["results"][0]["snippet_html"]


def test_paging_continues_from_all_words_to_some_words(db):
    for n in range(5):
        index_doc(
            {
                "kind": "article",
                "object_id": n,
                "title": f"结账 凭证 {n}",
                "body": "",
                "url": f"/kb/{n}/",
                "product": None,
                "organisation_id": None,
            }
        )
    for n in range(5, 10):
        index_doc(
            {
                "kind": "article",
                "object_id": n,
                "title": f"结账 {n}",
                "body": "",
                "url": f"/kb/{n}/",
                "product": None,
                "organisation_id": None,
            }
        )
    pages = [search(None, "结账 凭证", page=p, per_page=6) for p in (1, 2)]
    seen = [r.object_id for page in pages for r in page.results]
    assert all(page.total == 10 for page in pages)
    assert sorted(seen) == list(range(10))
    assert set(seen[:5]) == set(range(5))
