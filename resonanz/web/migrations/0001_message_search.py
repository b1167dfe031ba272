"""Full-text search over messages (issue 13): an FTS5 index on SQLite (kept current by triggers), an
expression GIN index on PostgreSQL. Both stem: FTS5 with the Porter stemmer (English; German words match by
prefix, see resonanz/web/search.py), PostgreSQL with the German configuration."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS web_message_fts USING fts5(text, content='conversations_message', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS web_message_fts_insert AFTER INSERT ON conversations_message BEGIN "
    "INSERT INTO web_message_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS web_message_fts_delete AFTER DELETE ON conversations_message BEGIN "
    "INSERT INTO web_message_fts(web_message_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS web_message_fts_update AFTER UPDATE OF text ON conversations_message BEGIN "
    "INSERT INTO web_message_fts(web_message_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO web_message_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO web_message_fts(web_message_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS web_message_fts_insert",
    "DROP TRIGGER IF EXISTS web_message_fts_delete",
    "DROP TRIGGER IF EXISTS web_message_fts_update",
    "DROP TABLE IF EXISTS web_message_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS web_message_text_search ON conversations_message "
    "USING gin (to_tsvector('german'::regconfig, text))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS web_message_text_search"]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("conversations", "0009_priority_changed_kind")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
