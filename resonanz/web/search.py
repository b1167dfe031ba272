"""Full-text search over messages for the inbox: SQLite FTS5 (resonanz/web/migrations/0001_message_search.py)
or PostgreSQL's text search, each through its index. Anything else falls back to a substring match."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8


def fts5_query(text: str) -> str:
    """Every word must occur, as a word or the start of one ("rout" finds "Router"); no FTS5 syntax gets
    through (each word is quoted)."""
    words = _WORD.findall(text)[:MAX_WORDS]
    return " ".join(f'"{word}"*' for word in words)


def conversations_with_message_matching(text: str) -> Q:
    """A condition on conversations: one of its messages matches ``text``."""
    vendor = connection.vendor
    if vendor == "sqlite":
        query = fts5_query(text)
        if not query:
            return Q(pk__in=[])
        return Q(
            pk__in=RawSQL(
                "SELECT m.conversation_id FROM conversations_message m WHERE m.id IN "
                "(SELECT rowid FROM web_message_fts WHERE web_message_fts MATCH %s)",
                [query],
            )
        )
    if vendor == "postgresql":
        words = _WORD.findall(text)[:MAX_WORDS]
        if not words:
            return Q(pk__in=[])
        # Prefix matching per word (":*"), German stemming; the words are parameters, never SQL.
        tsquery = " & ".join(f"{word}:*" for word in words)
        return Q(
            pk__in=RawSQL(
                "SELECT m.conversation_id FROM conversations_message m WHERE "
                "to_tsvector('german'::regconfig, m.text) @@ to_tsquery('german'::regconfig, %s)",
                [tsquery],
            )
        )
    from resonanz.conversations.models import Message

    return Q(pk__in=Message.objects.filter(text__icontains=text).values("conversation_id"))
