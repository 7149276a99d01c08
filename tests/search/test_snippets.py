"""Which stretch of a long body the snippet shows (no database)."""

from __future__ import annotations

from successhub.search.selectors import _highlighter, snippet_html


def test_the_snippet_is_the_stretch_holding_the_most_query_terms():
    body = "凭证" + "。无关内容" * 40 + "凭证断号整理" + "。其他内容" * 40
    snippet = str(snippet_html(body, _highlighter(["凭证", "断号"])))
    assert "<mark>凭证</mark><mark>断号</mark>" in snippet
    assert snippet.startswith("…")


def test_among_equally_dense_stretches_the_first_is_shown():
    body = "断号处理" + "。无关内容" * 40 + "断号整理" + "。其他内容" * 40
    snippet = str(snippet_html(body, _highlighter(["断号"])))
    assert snippet.startswith("<mark>断号</mark>处理")
