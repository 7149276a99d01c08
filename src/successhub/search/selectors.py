"""Reading the search index, always through the acting user's visibility.

Public documents (no organisation) are for everyone; an organisation's private
documents only for its members and for service staff. Hidden content is never
in the index at all (see ``indexing``).
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from successhub.search import analysis
from successhub.search.backends import MAX_COUNT, Condition, backend
from successhub.search.models import SearchDocument

KIND_LABELS = {
    "question": _("问答"),
    "article": _("知识库"),
    "faq": _("常见问题"),
    "course": _("课程"),
}
MAX_PER_PAGE = 50
SNIPPET_LENGTH = 120
MAX_SNIPPET_MATCHES = 300  # query terms looked at in one body when choosing its snippet
MAX_QUERY_TERMS = 32


@dataclass(frozen=True)
class SearchResult:
    kind: str
    object_id: int
    title: str
    title_html: SafeString
    url: str
    product: str
    snippet: SafeString
    score: float
    updated_at: object

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


@dataclass(frozen=True)
class SearchPage:
    query: str
    results: list[SearchResult]
    total: int
    page: int
    per_page: int
    terms: tuple[str, ...] = ()
    reachable: int | None = None  # results the pages reach: ranking stops at the backend's candidate cap

    @property
    def pages(self) -> int:
        shown = self.total if self.reachable is None else min(self.total, self.reachable)
        return max(1, math.ceil(shown / self.per_page)) if self.per_page else 1

    @property
    def total_label(self) -> str:
        """``1000+`` when the count stopped at the backend's cap."""
        return f"{self.total}+" if self.total >= MAX_COUNT else str(self.total)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def visibility_condition(user) -> Condition:
    """Which rows ``user`` may see, as SQL on the row ``d``."""
    if user is None or not user.is_authenticated:
        return Condition("d.organisation_id IS NULL", ())
    if not user.is_customer:
        return Condition("1 = 1", ())
    return Condition("(d.organisation_id IS NULL OR d.organisation_id = %s)", (user.organisation_id,))


def visible_documents(user):
    """The index rows ``user`` may see, as a queryset (for the bot and for listings)."""
    qs = SearchDocument.objects.all()
    if user is None or not user.is_authenticated:
        return qs.filter(organisation_id__isnull=True)
    if not user.is_customer:
        return qs
    from django.db.models import Q

    return qs.filter(Q(organisation_id__isnull=True) | Q(organisation_id=user.organisation_id))


def search(
    user,
    query: str,
    product: str | None = None,
    kinds: Iterable[str] | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Ranked, visible documents matching ``query``.

    Documents holding every query word come first, ranked by the database's
    relevance score; when fewer than a page of them exist, documents whose
    title holds some of the query's terms (words or character bigrams) follow,
    ranked by their title. However common the words, each group ranks at most
    the backend's ``max_candidates`` documents, and the total is counted up to
    ``MAX_COUNT`` (see ``backends``).
    """
    query = (query or "").strip()[:200]
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    page = max(1, int(page))
    parsed = analysis.analyze(query)
    words = _without_implied(_unique(parsed.words)[:MAX_QUERY_TERMS])
    loose = _unique([*parsed.words, *parsed.bigrams])[:MAX_QUERY_TERMS]
    if not loose:
        return SearchPage(query, [], 0, page, per_page)
    where = _where(user, product, kinds)
    engine = backend()
    offset = (page - 1) * per_page
    ranked, total = [], 0
    with engine.reading():
        if words:
            # From the first result, not from this page's: when all of them fit on one page, the partial
            # matches below must leave every one of them out.
            ranked, total = engine.search(engine.all_of(words), where, offset + per_page, 0)
        rows = ranked[offset:]
        reachable = min(total, engine.max_candidates)
        if total < per_page and len(ranked) == total:
            # Too few documents hold every word: add those whose title holds some of the query's terms.
            # (When enough hold every word, the partial matches are left out, which keeps the common
            # case to one indexed AND query. ``ranked`` is short of ``total`` only when the backend
            # ranks fewer candidates than a page, as in tests.)
            others = _excluding(where, [doc_id for doc_id, _score in ranked])
            more, more_total = engine.search_titles(
                engine.any_of(loose), others, per_page - len(rows), max(0, offset - total)
            )
            rows = [*rows, *more]
            total += more_total
            reachable += min(more_total, engine.max_candidates)
    # Not the index columns: tokens and the tsvector are several kB a row, and only the ranking needs them.
    documents = SearchDocument.objects.defer("title_tokens", "tokens", "tsv", "title_tsv").in_bulk(
        [row[0] for row in rows]
    )
    highlight = _highlighter(loose)
    results = []
    for doc_id, score in rows:
        doc = documents.get(doc_id)
        if doc is None:
            continue
        results.append(
            SearchResult(
                kind=doc.kind,
                object_id=doc.object_id,
                title=doc.title,
                title_html=highlight_html(doc.title, highlight),
                url=doc.url,
                product=doc.product,
                snippet=snippet_html(doc.body, highlight),
                score=float(score or 0),
                updated_at=doc.updated_at,
            )
        )
    return SearchPage(query, results, total, page, per_page, tuple(loose), reachable)


def similar_questions(user, text: str, limit: int = 5) -> list[SearchResult]:
    """Questions (and FAQ entries) like ``text``: for "has this been asked before?" while typing."""
    return search(user, text, kinds=["question", "faq"], per_page=limit).results


def _where(user, product: str | None, kinds: Iterable[str] | None) -> Condition:
    visible = visibility_condition(user)
    parts = [visible.sql]
    params = list(visible.params)
    if product:
        parts.append("d.product = %s")
        params.append(product)
    kinds = [k for k in (kinds or []) if k]
    if kinds:
        parts.append("d.kind IN (" + ", ".join(["%s"] * len(kinds)) + ")")
        params.extend(kinds)
    return Condition(" AND ".join(parts), tuple(params))


def _excluding(where: Condition, doc_ids: Sequence[int]) -> Condition:
    if not doc_ids:
        return where
    placeholders = ", ".join(["%s"] * len(doc_ids))
    return Condition(f"{where.sql} AND d.id NOT IN ({placeholders})", (*where.params, *doc_ids))


def _unique(terms: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(t for t in terms if t))


def _without_implied(words: list[str]) -> list[str]:
    """``words`` less those that every document holding another of them holds too.

    The index stores a word's dictionary sub-words and synonyms beside it (科目余额表 → 科目, 余额;
    s-hr → hr), so requiring the whole word already requires them. The documents holding every word
    stay the same, and the query has fewer terms to look up and rank.
    """
    implied: set[str] = set()
    for word in words:
        terms = analysis.analyze(word).words
        if word in terms:  # the word is stored as itself, not cut up or replaced by a synonym
            implied.update(term for term in terms if term != word)
    return [word for word in words if word not in implied]


# --- highlighting ------------------------------------------------------------------


def _highlighter(terms: Sequence[str]) -> re.Pattern | None:
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)


def highlight_html(text: str, pattern: re.Pattern | None) -> SafeString:
    """``text`` HTML-escaped, with ``<mark>`` around every query term."""
    if pattern is None:
        return mark_safe(html.escape(text))
    # html.escape is what django.utils.html.escape applies, without its per-call wrapper (a body has
    # hundreds of pieces).
    out = []
    last = 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return mark_safe("".join(out))


def snippet_html(body: str, pattern: re.Pattern | None, length: int = SNIPPET_LENGTH) -> SafeString:
    """The stretch of ``body`` densest in query terms, escaped and highlighted."""
    text = re.sub(r"\s+", " ", body or "").strip()
    if len(text) <= length:
        return highlight_html(text, pattern)
    start = _best_window(text, pattern, length)
    end = min(len(text), start + length)
    piece = text[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + highlight_html(piece, pattern) + suffix)


def _best_window(text: str, pattern: re.Pattern | None, length: int) -> int:
    """Where the snippet starts: a little before the match that opens the window holding the most
    distinct query terms (the first such window)."""
    if pattern is None:
        return 0
    matches = [
        (m.start(), m.group().lower()) for m in itertools.islice(pattern.finditer(text), MAX_SNIPPET_MATCHES)
    ]
    if not matches:
        return 0
    best_start, best_count = matches[0][0], 0
    # One pass: the window opened by match i ends no earlier than the one opened by match i - 1, so
    # the matches inside it (matches[i:end], their terms counted in ``inside``) slide along.
    inside: dict[str, int] = {}
    end = 0
    for i, (position, term) in enumerate(matches):
        window_start = max(0, position - length // 6)
        window_end = window_start + length - 10
        end = max(end, i)
        while end < len(matches) and matches[end][0] < window_end:
            inside[matches[end][1]] = inside.get(matches[end][1], 0) + 1
            end += 1
        if len(inside) > best_count:
            best_start, best_count = window_start, len(inside)
        if end > i:  # match i leaves the window before the next one opens
            inside[term] -= 1
            if not inside[term]:
                del inside[term]
    return min(best_start, max(0, len(text) - length))
