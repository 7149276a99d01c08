"""A full-text index over the titles alone, beside the whole-document one from ``0002``.

A title is a few words, so a term's list of documents here is short even when the term is in
most bodies: "the title holds some of the query's terms" is cheap to find and to rank, where
the same question asked of the whole-document index reads nearly every document (see
``backends``). SQLite: an external-content FTS5 table over ``title_tokens``, kept in step by
triggers. PostgreSQL: a ``title_tsv`` column filled by a trigger, and its GIN index (stored, not an
expression index, so ranking a candidate reads a few bytes instead of parsing its title again).
"""

from django.db import migrations

import successhub.search.models

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE search_title_fts USING fts5(
        title_tokens, content='search_searchdocument', content_rowid='id', tokenize='unicode61'
    )""",
    """CREATE TRIGGER search_title_fts_ai AFTER INSERT ON search_searchdocument BEGIN
        INSERT INTO search_title_fts(rowid, title_tokens) VALUES (new.id, new.title_tokens);
    END""",
    """CREATE TRIGGER search_title_fts_ad AFTER DELETE ON search_searchdocument BEGIN
        INSERT INTO search_title_fts(search_title_fts, rowid, title_tokens) VALUES ('delete', old.id, old.title_tokens);
    END""",
    """CREATE TRIGGER search_title_fts_au AFTER UPDATE OF title_tokens ON search_searchdocument BEGIN
        INSERT INTO search_title_fts(search_title_fts, rowid, title_tokens) VALUES ('delete', old.id, old.title_tokens);
        INSERT INTO search_title_fts(rowid, title_tokens) VALUES (new.id, new.title_tokens);
    END""",
    "INSERT INTO search_title_fts(search_title_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_title_fts_au",
    "DROP TRIGGER IF EXISTS search_title_fts_ad",
    "DROP TRIGGER IF EXISTS search_title_fts_ai",
    "DROP TABLE IF EXISTS search_title_fts",
]

POSTGRES_FORWARD = [
    """CREATE OR REPLACE FUNCTION search_document_title_tsv() RETURNS trigger AS $$
    BEGIN
        NEW.title_tsv := to_tsvector('simple', coalesce(NEW.title_tokens, ''));
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER search_document_title_tsv_update BEFORE INSERT OR UPDATE OF title_tokens
        ON search_searchdocument FOR EACH ROW EXECUTE FUNCTION search_document_title_tsv()""",
    "UPDATE search_searchdocument SET title_tsv = to_tsvector('simple', coalesce(title_tokens, ''))",
    "CREATE INDEX search_document_title_tsv_gin ON search_searchdocument USING gin (title_tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_title_tsv_gin",
    "DROP TRIGGER IF EXISTS search_document_title_tsv_update ON search_searchdocument",
    "DROP FUNCTION IF EXISTS search_document_title_tsv()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="title_tsv",
            field=successhub.search.models.TsVectorField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
