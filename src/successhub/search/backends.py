"""Full-text queries against the database's own index: SQLite FTS5 or PostgreSQL tsvector.

Both build their query language from already-analysed terms (``all_of``,
``any_of``, ``any_but_not_all``) and rank with the title weighted above the body. Filters (visibility, product, kind) arrive as one SQL condition on
the ``search_searchdocument`` row ``d``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

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
            cursor.execute(
                f"SELECT d.id, -bm25(search_fts, {title_weight}, {body_weight}) AS score {base} "
                "ORDER BY bm25(search_fts, %s, %s) LIMIT %s OFFSET %s",
                (*params, title_weight, body_weight, limit, offset),
            )
            rows = cursor.fetchall()
            if offset == 0 and len(rows) < limit:
                return rows, len(rows)
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {MAX_COUNT}) AS capped", params)
            total = cursor.fetchone()[0]
        return rows, total


class PostgresBackend:
    @staticmethod
    def _quote(term: str) -> str:
        return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"

    def all_of(self, terms: list[str]) -> str:
        return " & ".join(map(self._quote, terms))

    def any_of(self, terms: list[str]) -> str:
        return " | ".join(map(self._quote, terms))

    def any_but_not_all(self, any_terms: list[str], all_terms: list[str]) -> str:
        if not all_terms:
            return self.any_of(any_terms)
        return f"({self.any_of(any_terms)}) & !({self.all_of(all_terms)})"

    def search(self, query: str, where: Condition, limit: int, offset: int):
        base = f"FROM search_searchdocument d WHERE d.tsv @@ to_tsquery('simple', %s) AND ({where.sql})"
        params = (query, *where.params)
        with connection.cursor() as cursor:
            if limit <= 0:
                cursor.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {MAX_COUNT}) AS capped", params)
                return [], cursor.fetchone()[0]
            cursor.execute(
                f"SELECT d.id, ts_rank_cd(d.tsv, to_tsquery('simple', %s), 1) AS score {base} "
                "ORDER BY score DESC, d.id LIMIT %s OFFSET %s",
                (query, *params, limit, offset),
            )
            rows = cursor.fetchall()
            if offset == 0 and len(rows) < limit:
                return rows, len(rows)
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {MAX_COUNT}) AS capped", params)
            total = cursor.fetchone()[0]
        return rows, total


def backend():
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"no full-text search backend for {connection.vendor}")
