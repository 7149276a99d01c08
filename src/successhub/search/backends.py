"""Full-text queries against the database's own indexes: SQLite FTS5 or PostgreSQL tsvector.

There are two indexes over the same analysed terms: the whole document, title weighted above
the body (migration ``0002``), and the title alone (``0003``). ``search`` asks the first,
``search_titles`` the second; both take a query built from already-analysed terms (``all_of``,
``any_of``) and the filters (visibility, product, kind) as one SQL condition on the
``search_searchdocument`` row ``d``.

Every search is bounded, however common its words: the index finds the
matching documents the user may see, but only the first ``max_candidates`` of
them are ranked, and the total is counted up to ``MAX_COUNT``. Ranking is the
costly part: finding and counting walk the index, ranking reads each
candidate's own entry (PostgreSQL: its tsvector, ~10 kB stored out of line;
FTS5: its position lists and length). A query matching fewer documents is
ranked in full, so a precise query is unaffected; a broad one is ranked among
the first documents found (the oldest first).

Why "some of the query's terms" is asked of the titles only: a query's terms
include single characters and character bigrams (不, 数据, 据不), and between
them these are in nearly every body. On 100,000 articles such an OR over the
whole documents matched 95% of them: PostgreSQL built a bitmap of every match
(up to ~50 ms of server time) and FTS5's ``bm25()`` walked every term's whole
document list, only to rank the oldest few hundred. A title's terms are few,
so their lists are short, and a title holding the query's terms is the
partial match worth showing.

Documents whose title holds every word are not looked for first: a broad
query is ranked among the first documents found. The title index could find
them cheaply, as a group of its own before the rest.
"""

from __future__ import annotations

import re
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.db import connection, transaction

# Totals are counted up to this many matches ("1000+"): counting every match of a common word costs more
# than the page itself.
MAX_COUNT = 1000


# FTS5 bm25 column weights (title_tokens, tokens); lower bm25 is better.
SQLITE_WEIGHTS = (3.0, 1.0)


@dataclass(frozen=True)
class Condition:
    sql: str
    params: tuple


class SqliteBackend:
    # At most this many matching documents are ranked for one query (a common word matches tens of
    # thousands); also the deepest result a user can page to. Measured on 100,000 articles (bench/search.py).
    max_candidates = 500

    @staticmethod
    def _quote(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    def all_of(self, terms: list[str]) -> str:
        return " AND ".join(map(self._quote, terms))

    def any_of(self, terms: list[str]) -> str:
        return " OR ".join(map(self._quote, terms))

    def reading(self):
        """As ``PostgresBackend.reading``; FTS5 needs nothing around its searches."""
        return nullcontext()

    def search(self, match: str, where: Condition, limit: int, offset: int):
        """Ranked ``(id, score)`` rows of one page from the whole documents, and the (capped) total."""
        title_weight, body_weight = SQLITE_WEIGHTS
        return self._search(
            "search_fts", f"bm25(search_fts, {title_weight}, {body_weight})", match, where, limit, offset
        )

    def search_titles(self, match: str, where: Condition, limit: int, offset: int):
        """As ``search``, from the titles alone."""
        return self._search("search_title_fts", "bm25(search_title_fts)", match, where, limit, offset)

    def _search(self, table: str, bm25: str, match: str, where: Condition, limit: int, offset: int):
        base = (
            f"FROM {table} JOIN search_searchdocument d ON d.id = {table}.rowid "
            f"WHERE {table} MATCH %s AND ({where.sql})"
        )
        params = (match, *where.params)
        with connection.cursor() as cursor:
            if limit <= 0:
                cursor.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {MAX_COUNT}) AS capped", params)
                return [], cursor.fetchone()[0]
            # bm25() is computed as FTS5 hands out each row, so the inner LIMIT bounds the ranking.
            cursor.execute(
                f"SELECT id, -bm25_score FROM (SELECT d.id AS id, {bm25} AS bm25_score {base} "
                f"LIMIT {self.max_candidates}) AS candidates ORDER BY bm25_score, id LIMIT %s OFFSET %s",
                (*params, limit, offset),
            )
            rows = cursor.fetchall()
            if offset == 0 and len(rows) < min(limit, self.max_candidates):
                return rows, len(rows)
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {MAX_COUNT}) AS capped", params)
            total = cursor.fetchone()[0]
        return rows, total


# Terms PostgreSQL's text parser keeps as one lexeme, also in the documents (Chinese words, plain Latin
# words and numbers, hyphenated words whose every part holds a letter: "s-hr" -> 's-hr', 's', 'hr').
_WHOLE_LEXEME = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+|[a-z0-9]*[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)+"
)


@dataclass(frozen=True)
class Tsquery:
    """A tsquery in PostgreSQL's syntax, and whether its quoted terms can be read as lexemes as they are."""

    text: str
    verbatim: bool

    def sql(self) -> str:
        # to_tsquery() runs every term through the text parser, which turns "s-hr" into the phrase
        # 's-hr' <-> 's' <-> 'hr': correct, but a phrase makes the index recheck every match against its
        # tsvector. When no term would be cut up, the text is cast as it is: the same query, no phrase.
        return "%s::tsquery" if self.verbatim else "to_tsquery('simple', %s)"


class PostgresBackend:
    # As for SQLite; fewer, as reading a candidate's tsvector costs more than FTS5's bm25 of one row.
    max_candidates = 200

    def __init__(self) -> None:
        self._reading = False

    @contextmanager
    def reading(self):
        """The searches inside share one transaction that keeps them on the GIN indexes (each search
        opens it by itself otherwise): fewer round trips for a search that asks both indexes."""
        if self._reading:
            yield
            return
        self._reading = True
        try:
            with _index_scans_only():
                yield
        finally:
            self._reading = False

    @staticmethod
    def _quote(term: str) -> str:
        return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"

    @staticmethod
    def _query(text: str, terms: list[str]) -> Tsquery:
        return Tsquery(text, all(_WHOLE_LEXEME.fullmatch(term) for term in terms))

    def all_of(self, terms: list[str]) -> Tsquery:
        return self._query(" & ".join(map(self._quote, terms)), terms)

    def any_of(self, terms: list[str]) -> Tsquery:
        return self._query(" | ".join(map(self._quote, terms)), terms)

    def search(self, query: Tsquery, where: Condition, limit: int, offset: int):
        """Ranked ``(id, score)`` rows of one page from the whole documents, and the (capped) total."""
        return self._search("tsv", query, where, limit, offset)

    def search_titles(self, query: Tsquery, where: Condition, limit: int, offset: int):
        """As ``search``, from the titles alone."""
        return self._search("title_tsv", query, where, limit, offset)

    def _search(self, vector: str, query: Tsquery, where: Condition, limit: int, offset: int):
        # The match is alone in a subquery that the planner may not merge (OFFSET 0), so it can only be
        # answered by the GIN index; the filters then apply to the rows found.
        matches = f"SELECT * FROM search_searchdocument WHERE {vector} @@ {query.sql()} OFFSET 0"
        base = f"FROM ({matches}) AS d WHERE ({where.sql})"
        params = (query.text, *where.params)
        with self.reading(), connection.cursor() as cursor:
            if limit > 0:
                # One pass over the index: up to MAX_COUNT matches are counted (reading their rows, not
                # their tsvectors), the first max_candidates of them ranked.
                cursor.execute(
                    f"SELECT w.id, ts_rank_cd(w.vector, {query.sql()}, 1) AS score, w.total "
                    "FROM (SELECT c.id, c.vector, c.n, count(*) OVER () AS total "
                    f"FROM (SELECT d.id, d.{vector} AS vector, row_number() OVER () AS n {base} "
                    f"LIMIT {MAX_COUNT}) AS c) AS w "
                    f"WHERE w.n <= {self.max_candidates} ORDER BY score DESC, w.id LIMIT %s OFFSET %s",
                    (query.text, *params, limit, offset),
                )
                found = cursor.fetchall()
                if found or offset == 0:
                    return [(doc_id, score) for doc_id, score, _total in found], found[0][2] if found else 0
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {MAX_COUNT}) AS capped", params)
            return [], cursor.fetchone()[0]


@contextmanager
def _index_scans_only():
    """Keep the planner on the GIN indexes for the statements inside (one transaction).

    With a LIMIT and a common word, PostgreSQL prefers to scan the table (or
    the visibility column's index) until enough rows match, testing ``tsv @@
    query`` row by row: every test reads a tsvector stored out of line, which
    its cost model does not see, so that plan is many times slower than the
    bitmap scan of the GIN index (which needs no such test). The setting is
    transaction-local: it ends with the transaction opened here, or, inside an
    enclosing transaction, is put back so that its later statements plan as before.
    """
    enclosed = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        previous = cursor.fetchone()[0]
        yield
        if enclosed:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", (previous,))


def backend():
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"no full-text search backend for {connection.vendor}")
