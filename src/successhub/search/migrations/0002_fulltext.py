"""The database's own full-text index over the jieba tokens, for the database in use.

SQLite: an external-content FTS5 table over (title_tokens, tokens), rowid = the
document's id, kept in step by triggers (so bulk writes and raw SQL stay in step
too, in the same transaction). PostgreSQL: a trigger fills ``tsv`` (title
weighted A, body B) and a GIN index serves the queries.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title_tokens, tokens, content='search_searchdocument', content_rowid='id', tokenize='unicode61'
    )""",
    """CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchdocument BEGIN
        INSERT INTO search_fts(rowid, title_tokens, tokens) VALUES (new.id, new.title_tokens, new.tokens);
    END""",
    """CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, tokens)
        VALUES ('delete', old.id, old.title_tokens, old.tokens);
    END""",
    """CREATE TRIGGER search_fts_au AFTER UPDATE OF title_tokens, tokens ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, tokens)
        VALUES ('delete', old.id, old.title_tokens, old.tokens);
        INSERT INTO search_fts(rowid, title_tokens, tokens) VALUES (new.id, new.title_tokens, new.tokens);
    END""",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRES_FORWARD = [
    """CREATE OR REPLACE FUNCTION search_document_tsv() RETURNS trigger AS $$
    BEGIN
        NEW.tsv := setweight(to_tsvector('simple', coalesce(NEW.title_tokens, '')), 'A')
                || setweight(to_tsvector('simple', coalesce(NEW.tokens, '')), 'B');
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER search_document_tsv_update BEFORE INSERT OR UPDATE OF title_tokens, tokens
        ON search_searchdocument FOR EACH ROW EXECUTE FUNCTION search_document_tsv()""",
    "UPDATE search_searchdocument SET tokens = tokens",
    "CREATE INDEX search_document_tsv_gin ON search_searchdocument USING gin (tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_tsv_gin",
    "DROP TRIGGER IF EXISTS search_document_tsv_update ON search_searchdocument",
    "DROP FUNCTION IF EXISTS search_document_tsv()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
