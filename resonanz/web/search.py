"""Full-text search over messages for the inbox: SQLite FTS5 (resonanz/web/migrations/0001_message_search.py)
or PostgreSQL's text search, each through its index. Anything else falls back to a substring match.

The inbox search reads the newest matches only (SEARCH_LIMIT of each kind: messages, subjects, customers,
identities), never all of them: a word in every eighth of a million messages would otherwise cost the whole
set on every keystroke. Older matches are found by a narrower search (decision 0851)."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import F, Q, Value
from django.db.models.expressions import RawSQL

from resonanz.conversations.access import conversations_for
from resonanz.customers.models import Customer, Identity
from resonanz.workspaces.models import Agent

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8
# The newest matches of each kind the inbox search reads.
SEARCH_LIMIT = 1000
# PostgreSQL looks for matching messages among this many newest messages first (see _newest_message_matches):
# a word in one message of twenty finds its thousand newest there; rarer words come from the GIN index.
RECENT_MESSAGES = 20_000


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
                "m.search_vector @@ to_tsquery('german'::regconfig, %s)",
                [tsquery],
            )
        )
    from resonanz.conversations.models import Message

    return Q(pk__in=Message.objects.filter(text__icontains=text).values("conversation_id"))


def _newest_message_matches(workspace_id: int, text: str, limit: int) -> list[int]:
    """The conversations of the newest ``limit`` messages whose text matches, through the full-text index."""
    vendor = connection.vendor
    if vendor == "sqlite":
        query = fts5_query(text)
        if not query:
            return []
        sql = (
            "SELECT m.conversation_id FROM web_message_fts f JOIN conversations_message m ON m.id = f.rowid "
            "WHERE web_message_fts MATCH %s AND m.workspace_id = %s ORDER BY f.rowid DESC LIMIT %s"
        )
        params: list[Any] = [query, workspace_id, limit]
    elif vendor == "postgresql":
        words = _WORD.findall(text)[:MAX_WORDS]
        if not words:
            return []
        # The newest RECENT_MESSAGES are walked by id, newest first, each message's stored vector tested
        # (migration web/0003), until enough match: a common word stops after a few thousand rows, a rare
        # one reads the window (20,000 cheap tests). The subquery's OFFSET 0 keeps PostgreSQL from
        # planning the walk by the word instead: it misjudges common words written together as rare and then
        # fetched all of their matches (0.2–0.3 s for "Router blinkt" at a million). Only when the window
        # holds too few matches, the older messages are searched through the GIN index, bounded and ordered
        # by "id + 0", which no index serves: otherwise PostgreSQL walks the primary key and tests every
        # older message (0.5 s for a word nobody wrote) instead of asking the index (decisions 0853, 0856).
        match = "search_vector @@ to_tsquery('german'::regconfig, %s)"
        newest = "SELECT MAX(id) - %s FROM conversations_message"
        sql = (
            "SELECT conversation_id FROM ("  # noqa: S608 - constants; the words are parameters
            "(SELECT r.conversation_id FROM (SELECT m.id, m.conversation_id, m.search_vector "
            f"FROM conversations_message m WHERE m.workspace_id = %s AND m.id > ({newest}) "
            f"ORDER BY m.id DESC OFFSET 0) AS r WHERE r.{match} ORDER BY r.id DESC LIMIT %s) UNION ALL "
            f"(SELECT m.conversation_id FROM conversations_message m WHERE m.workspace_id = %s "
            f"AND m.id + 0 <= ({newest}) AND m.{match} ORDER BY m.id + 0 DESC LIMIT %s)"
            ") AS found LIMIT %s"
        )
        tsquery = " & ".join(f"{word}:*" for word in words)
        params = [workspace_id, RECENT_MESSAGES, tsquery, limit] * 2 + [limit]  # the two parts, the whole
    else:
        from resonanz.conversations.models import Message

        return list(
            Message.objects.filter(workspace_id=workspace_id, text__icontains=text)
            .order_by("-id")
            .values_list("conversation_id", flat=True)[:limit]
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# Substrings shorter than this have no trigram to look up: they are matched by a scan (icontains).
MIN_INDEXED_SUBSTRING = 3


def _substring_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase: with the trigram tokenizer it matches the rows containing ``text`` anywhere,
    case-insensitively, like ``icontains``; no FTS5 syntax gets through (the phrase is quoted)."""
    return '"' + text.replace('"', '""') + '"'


def _indexed_substring(text: str) -> bool:
    """Whether the substring search of ``text`` goes through the trigram indexes (migration web/0002)."""
    return connection.vendor == "sqlite" and len(text) >= MIN_INDEXED_SUBSTRING


def _newest_rows_containing(
    fts: str, table: str, column: str, workspace_id: int, text: str, limit: int
) -> RawSQL:
    """A subquery: ``column`` of the newest ``limit`` rows of ``table`` in the workspace whose indexed text
    contains ``text`` (SQLite FTS5 trigram table ``fts``), walked by id descending."""
    # Table and column names are constants of this module, never input; the text is a parameter.
    return RawSQL(  # noqa: S611 - constant names, the text a parameter
        f"SELECT t.{column} FROM {fts} f JOIN {table} t ON t.id = f.rowid "  # noqa: S608
        f"WHERE {fts} MATCH %s AND t.workspace_id = %s ORDER BY f.rowid DESC LIMIT %s",
        [_substring_phrase(text), workspace_id, limit],
    )


def _newest_first() -> Any:
    """The order of "the newest matches": by id descending. On PostgreSQL by "id + 0" descending, which no
    index provides: otherwise the planner walks the primary key newest first and tests every row until
    enough match (a text nobody wrote: the whole table), instead of reading the matches from their trigram
    index and sorting those (decision 0853)."""
    if connection.vendor == "postgresql":
        return (F("pk") + Value(0)).desc()
    return F("pk").desc()


def matching_conversation_ids(agent: Agent, text: str, limit: int = SEARCH_LIMIT) -> list[int]:
    """The agent's conversations whose subject, customer (name, e-mail, any identity's handle) or a message
    matches ``text``: the newest ``limit`` matches of each kind, in three queries whatever the table sizes.
    Subjects, names, addresses and handles match ``text`` anywhere (a substring, case-insensitively), through
    trigram indexes (SQLite FTS5, PostgreSQL pg_trgm: decision 0853); messages match word by word through the
    full-text index."""
    conversations = conversations_for(agent)
    workspace_id = agent.workspace_id
    newest = _newest_first()
    if _indexed_substring(text):
        by_subject = conversations.filter(
            pk__in=_newest_rows_containing(
                "web_subject_fts", "conversations_conversation", "id", workspace_id, text, limit
            )
        )
        customers: Any = _newest_rows_containing(
            "web_customer_fts", "customers_customer", "id", workspace_id, text, limit
        )
        handles: Any = _newest_rows_containing(
            "web_handle_fts", "customers_identity", "customer_id", workspace_id, text, limit
        )
        of_customers = Q(customer_id__in=customers) | Q(customer_id__in=handles)
    else:
        by_subject = conversations.filter(subject__icontains=text)
        customers = (
            Customer.objects.filter(workspace_id=workspace_id)
            .filter(Q(display_name__icontains=text) | Q(email__icontains=text))
            .order_by(newest)
            .values("pk")[:limit]
        )
        handles = (
            Identity.objects.filter(workspace_id=workspace_id, handle__icontains=text)
            .order_by(newest)
            .values("customer_id")[:limit]
        )
        if connection.features.supports_slicing_ordering_in_compound:  # PostgreSQL: one list, a join
            of_customers = Q(customer_id__in=customers.union(handles, all=True))
        else:
            of_customers = Q(customer_id__in=customers) | Q(customer_id__in=handles)
    found = set(by_subject.order_by(newest).values_list("pk", flat=True)[:limit])
    found.update(conversations.filter(of_customers).order_by(newest).values_list("pk", flat=True)[:limit])
    found.update(_newest_message_matches(workspace_id, text, limit))
    return sorted(found)
