"""Substring search through an index (decision 0853): the inbox search matches subjects, customers' names
and e-mail addresses and identities' handles anywhere in the text ("nung" finds "Rechnung"), which without
an index reads every conversation, customer and identity of the workspace on every search.

SQLite: FTS5 tables with the trigram tokenizer (external content, kept current by triggers, like
web_message_fts): a quoted phrase of three or more characters matches exactly the rows that contain it,
case-insensitively. PostgreSQL: pg_trgm GIN indexes on UPPER(column), the expression Django's
``icontains`` compares; where the extension cannot be created (no privilege) the search scans as before."""

from __future__ import annotations

from typing import Any

from django.db import migrations, transaction

# (FTS table, content table, indexed columns)
SOURCES = (
    ("web_subject_fts", "conversations_conversation", ("subject",)),
    ("web_customer_fts", "customers_customer", ("display_name", "email")),
    ("web_handle_fts", "customers_identity", ("handle",)),
)


def _sqlite_forward() -> list[str]:
    statements = []
    for fts, table, columns in SOURCES:
        names = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
        statements += [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({names}, content='{table}', "
            f"content_rowid='id', tokenize='trigram')",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END",
            # Only when the text changed: a conversation is saved on every message, its subject rarely.
            f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {names} ON {table} WHEN {changed} "
            f"BEGIN INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        ]
    return statements


def _sqlite_backward() -> list[str]:
    statements = []
    for fts, _, _ in SOURCES:
        statements += [f"DROP TRIGGER IF EXISTS {fts}_{event}" for event in ("insert", "delete", "update")]
        statements.append(f"DROP TABLE IF EXISTS {fts}")
    return statements


POSTGRES_INDEXES = (
    ("web_subject_trgm", "conversations_conversation", "subject"),
    ("web_customer_name_trgm", "customers_customer", "display_name"),
    ("web_customer_email_trgm", "customers_customer", "email"),
    ("web_handle_trgm", "customers_identity", "handle"),
)


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in _sqlite_forward():
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        try:
            with transaction.atomic(using=schema_editor.connection.alias):  # a savepoint
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # noqa: BLE001 - no privilege: the search works without the indexes, slower
            return
        for name, table, column in POSTGRES_INDEXES:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER({column}::text) gin_trgm_ops)"
            )


def backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in _sqlite_backward():
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for name, _, _ in POSTGRES_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0001_message_search"),
        ("conversations", "0014_webperf_inbox_indexes"),
        ("customers", "0003_identity_external_id"),
    ]

    operations = [migrations.RunPython(forward, backward)]
