"""PostgreSQL: the messages' search vector stored in a generated column, indexed by GIN (decision 0856).

The expression index of 0001 (GIN on ``to_tsvector('german', text)``) answers which messages contain a
word, but every row it finds is checked again by computing ``to_tsvector`` of its text (~3.5 µs each): a
common word's newest thousand matches cost ~20 ms of rechecks, and where the planner misjudged two common
words as rare, all their ~125,000 rows (~0.3 s). A stored vector is read instead of computed, and the inbox
search can walk the newest messages by id and test each one's vector cheaply. SQLite is unchanged (FTS5)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE conversations_message ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('german'::regconfig, text)) STORED",
    "CREATE INDEX IF NOT EXISTS web_message_search_vector ON conversations_message USING gin (search_vector)",
    "DROP INDEX IF EXISTS web_message_text_search",
]
POSTGRES_BACKWARD = [
    "CREATE INDEX IF NOT EXISTS web_message_text_search ON conversations_message "
    "USING gin (to_tsvector('german'::regconfig, text))",
    "DROP INDEX IF EXISTS web_message_search_vector",
    "ALTER TABLE conversations_message DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("web", "0002_substring_search")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
