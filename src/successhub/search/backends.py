"""Full-text queries against the database's own index: SQLite FTS5 or PostgreSQL tsvector.

Both build their query language from already-analysed terms (``all_of``,
``any_of``, ``any_but_not_all``) and rank with the title weighted above the body. Filters (visibility, product, kind) arrive as one SQL condition on
the ``search_searchdocument`` row ``d``.

Every search is bounded, however common its words: the index finds the
matching documents the user may see, but only the first ``max_candidates`` of
them are ranked, and the total is counted up to ``MAX_COUNT``. Ranking is the
costly part: finding and counting walk the index, ranking reads each
candidate's own entry (PostgreSQL: its tsvector, ~10 kB stored out of line;
FTS5: its position lists and length). A query matching fewer documents is
ranked in full, so a precise query is unaffected; a broad one is ranked among
the first documents found (the oldest first).

Documents whose title holds every word are not looked for first: FTS5's
``bm25()`` pays a pass over each term's whole document list per statement, so
a separate title query doubles that cost, and PostgreSQL's GIN index does not
record the title weight, so a title-only query would re-read every match.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
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

    def any_but_not_all(self, any_terms: list[str], all_terms: list[str]) -> str:
        if not all_terms:
            return self.any_of(any_terms)
        return f"({self.any_of(any_terms)}) NOT ({self.all_of(all_terms)})"

    def search(self, match: str, where: Condition, limit: int, offset: int):
        """Ranked ``(id, score)`` rows of one page and the (capped) total."""
        title_weight, body_weight = SQLITE_WEIGHTS
        base = (
            "FROM search_fts JOIN search_searchdocument d ON d.id = search_fts.rowid "
            f"WHERE search_fts MATCH %s AND ({where.sql})"
        )
        params = (match, *where.params)
        with connection.cursor() as cursor:
            if limit <= 0:
                cursor.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {MAX_COUNT}) AS capped", params)
                return [], cursor.fetchone()[0]
            # bm25() is computed as FTS5 hands out each row, so the inner LIMIT bounds the ranking.
            cursor.execute(
                f"SELECT id, -bm25_score FROM (SELECT d.id AS id, bm25(search_fts, {title_weight}, {body_weight}) "
                f"AS bm25_score {base} LIMIT {self.max_candidates}) AS candidates "
                "ORDER BY bm25_score, id LIMIT %s OFFSET %s",
                (*params, limit, offset),
            )
            rows = cursor.fetchall()
            if offset == 0 and len(rows) < limit:
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

    def any_but_not_all(self, any_terms: list[str], all_terms: list[str]) -> Tsquery:
        if not all_terms:
            return self.any_of(any_terms)
        text = f"({self.any_of(any_terms).text}) & !({self.all_of(all_terms).text})"
        return self._query(text, [*any_terms, *all_terms])

    def search(self, query: Tsquery, where: Condition, limit: int, offset: int):
        """Ranked ``(id, score)`` rows of one page and the (capped) total."""
        # The match is alone in a subquery that the planner may not merge (OFFSET 0), so it can only be
        # answered by the GIN index; the filters then apply to the rows found.
        matches = f"SELECT * FROM search_searchdocument WHERE tsv @@ {query.sql()} OFFSET 0"
        base = f"FROM ({matches}) AS d WHERE ({where.sql})"
        params = (query.text, *where.params)
        with connection.cursor() as cursor, _index_scans_only(cursor):
            if limit > 0:
                # One pass over the index: up to MAX_COUNT matches are counted (reading their rows, not
                # their tsvectors), the first max_candidates of them ranked.
                cursor.execute(
                    f"SELECT w.id, ts_rank_cd(w.tsv, {query.sql()}, 1) AS score, w.total "
                    "FROM (SELECT c.id, c.tsv, c.n, count(*) OVER () AS total "
                    f"FROM (SELECT d.id, d.tsv, row_number() OVER () AS n {base} LIMIT {MAX_COUNT}) AS c) AS w "
                    f"WHERE w.n <= {self.max_candidates} ORDER BY score DESC, w.id LIMIT %s OFFSET %s",
                    (query.text, *params, limit, offset),
                )
                found = cursor.fetchall()
                if found or offset == 0:
                    return [(doc_id, score) for doc_id, score, _total in found], found[0][2] if found else 0
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {MAX_COUNT}) AS capped", params)
            return [], cursor.fetchone()[0]


@contextmanager
def _index_scans_only(cursor):
    """Keep the planner on the GIN index for the statements inside.

    With a LIMIT and a common word, PostgreSQL prefers to scan the table (or
    the visibility column's index) until enough rows match, testing ``tsv @@
    query`` row by row: every test reads a tsvector stored out of line, which
    its cost model does not see, so that plan is many times slower than the
    bitmap scan of the GIN index (which needs no such test). The setting is
    transaction-local and put back afterwards, so an enclosing transaction's
    later statements plan as before.
    """
    with transaction.atomic():
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        previous = cursor.fetchone()[0]
        yield
        cursor.execute("SELECT set_config('enable_seqscan', %s, true)", (previous,))


def backend():
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"no full-text search backend for {connection.vendor}")
