"""Each annotator's current label on a conversation's newest messages, for many conversations at once:
the reads routing decides on (decision 0832), kept here with the one read of annotations
(`understanding.access`) so both follow the same rule — an agent's correction first, else the newest row.

The hot reads are plain SQL: building them through the ORM cost more CPU than running them. Annotations
are found by message id (a subquery on the newest messages) so they come through their unique (message,
annotator, version) index, never through the (annotator, label) index over every annotation."""

from __future__ import annotations

from typing import Any

from django.db import connection

from resonanz.conversations.models import Conversation, Message
from resonanz.understanding.actions import CORRECTION_VERSION
from resonanz.understanding.models import Annotation

# Messages and annotations read per conversation, newest first: enough for each annotator's newest label.
MESSAGE_WINDOW = 20
ANNOTATION_WINDOW = 60
# Corrections first, then the newest row (CORRECTION_VERSION is our constant, not input).
_CURRENT_FIRST = f"CASE WHEN a.version = '{CORRECTION_VERSION}' THEN 0 ELSE 1 END, a.id DESC"


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _tables() -> dict[str, str]:
    return {
        "annotation": connection.ops.quote_name(Annotation._meta.db_table),
        "message": connection.ops.quote_name(Message._meta.db_table),
        "conversation": connection.ops.quote_name(Conversation._meta.db_table),
    }


_OPEN = ", ".join(["%s"] * len(Conversation.OPEN_STATUSES))

_LABELS_SQL = """
SELECT a.annotator, a.label FROM {annotation} a
WHERE a.annotator IN ({annotators}) AND a.message_id IN (
    SELECT m.id FROM {message} m WHERE m.conversation_id = %s
    ORDER BY m.created_at DESC, m.id DESC LIMIT {messages})
ORDER BY {current_first} LIMIT {annotations}
"""

_TOPIC_OWNER_SQL = """
SELECT m.conversation_id, c.owner_id, a.label FROM {annotation} a
JOIN {message} m ON m.id = a.message_id
JOIN {conversation} c ON c.id = m.conversation_id
WHERE a.annotator = %s AND a.message_id IN (
    SELECT m2.id FROM {message} m2 JOIN {conversation} c2 ON c2.id = m2.conversation_id
    WHERE c2.customer_id = %s AND c2.owner_id IS NOT NULL AND c2.status IN ({open})
      AND m2.conversation_id <> %s
    ORDER BY m2.id DESC LIMIT {messages})
ORDER BY {current_first}
"""


# The same reads for a batch of conversations (decision 0832): the per-conversation LIMITs become a row
# number per conversation (labels) or per customer (topic owners); window functions run on SQLite ≥ 3.25
# and PostgreSQL.
_LABELS_MANY_SQL = """
SELECT m.conversation_id, a.annotator, a.label FROM {annotation} a
JOIN (SELECT id, conversation_id, ROW_NUMBER() OVER (
          PARTITION BY conversation_id ORDER BY created_at DESC, id DESC) AS rn
      FROM {message} WHERE conversation_id IN ({ids})) m ON m.id = a.message_id
WHERE m.rn <= {messages} AND a.annotator IN ({annotators})
ORDER BY {current_first}
"""

# PostgreSQL returns only each (conversation, annotator)'s first non-empty label in that order (DISTINCT ON):
# the same answer as reading every row, without sending ~1,500 rows per batch of 100 conversations. Each
# conversation's newest messages come through its (conversation, created_at) index, and their annotations
# through the unique (message, annotator, version) index, one LATERAL lookup each (OFFSET 0 keeps the planner
# from flattening the annotations back into a join): as a join, a planner whose statistics lagged behind a
# growing table read every annotation of the annotators through the (annotator, label) index and hashed
# them, and every message of the conversations by a sequential scan — a cost that grew with the tables
# (decision 0884).
_LABELS_MANY_PG_SQL = """
SELECT DISTINCT ON (c.id, a.annotator) c.id, a.annotator, a.label
FROM unnest(%s::bigint[]) AS c(id)
CROSS JOIN LATERAL (
    SELECT m.id FROM {message} m WHERE m.conversation_id = c.id
    ORDER BY m.created_at DESC, m.id DESC LIMIT {messages}) m
CROSS JOIN LATERAL (
    SELECT a.id, a.annotator, a.label, a.version FROM {annotation} a
    WHERE a.message_id = m.id AND a.annotator = ANY(%s::varchar[]) AND a.label <> '' OFFSET 0) a
ORDER BY c.id, a.annotator, {current_first}
"""

_TOPIC_OWNERS_MANY_SQL = """
SELECT m.customer_id, m.conversation_id, m.owner_id, a.label FROM {annotation} a
JOIN (SELECT m2.id, m2.conversation_id, c2.customer_id, c2.owner_id, ROW_NUMBER() OVER (
          PARTITION BY c2.customer_id ORDER BY m2.id DESC) AS rn
      FROM {message} m2 JOIN {conversation} c2 ON c2.id = m2.conversation_id
      WHERE c2.customer_id IN ({ids}) AND c2.owner_id IS NOT NULL AND c2.status IN ({open})) m
  ON m.id = a.message_id
WHERE m.rn <= {messages} AND a.annotator = %s
ORDER BY {current_first}
"""


def latest_labels_of(conversation_ids: list[int], annotators: tuple[str, ...]) -> dict[int, dict[str, str]]:
    """`latest_labels` for many conversations in one query."""
    labels: dict[int, dict[str, str]] = {pk: {} for pk in conversation_ids}
    if not conversation_ids:
        return labels
    if connection.vendor == "postgresql":
        sql = _LABELS_MANY_PG_SQL.format(messages=MESSAGE_WINDOW, current_first=_CURRENT_FIRST, **_tables())
        params: list[Any] = [list(conversation_ids), list(annotators)]
    else:
        sql = _LABELS_MANY_SQL.format(
            ids=", ".join(["%s"] * len(conversation_ids)),
            annotators=", ".join(["%s"] * len(annotators)),
            messages=MESSAGE_WINDOW,
            current_first=_CURRENT_FIRST,
            **_tables(),
        )
        params = [*conversation_ids, *annotators]
    for conversation_id, annotator, label in _rows(sql, params):
        found = labels[conversation_id]
        if annotator not in found and label:
            found[annotator] = label
    return labels


# Per customer, newest first: (conversation id, owner id, topic label) of their open, owned conversations.
TopicRows = dict[int, list[tuple[int, int, str]]]


# The same on PostgreSQL, looked up per customer, per message (decision 0886): as a join, a planner whose
# statistics lagged behind the tables scanned every message and read every topic annotation (10–15 ms per
# batch against 4 at 10,000 messages, growing with the tables).
_TOPIC_OWNERS_MANY_PG_SQL = """
SELECT k.id, m.conversation_id, m.owner_id, a.label
FROM unnest(%s::bigint[]) AS k(id)
CROSS JOIN LATERAL (
    SELECT m2.id, m2.conversation_id, c2.owner_id FROM {message} m2
    JOIN {conversation} c2 ON c2.id = m2.conversation_id
    WHERE c2.customer_id = k.id AND c2.owner_id IS NOT NULL AND c2.status = ANY(%s::varchar[])
    ORDER BY m2.id DESC LIMIT {messages}) m
CROSS JOIN LATERAL (
    SELECT a.id, a.label, a.version FROM {annotation} a
    WHERE a.message_id = m.id AND a.annotator = %s OFFSET 0) a
ORDER BY {current_first}
"""


def topic_rows_of(customer_ids: list[int]) -> TopicRows:
    """The rows `topic_owner` reads, for many customers in one query."""
    rows: TopicRows = {pk: [] for pk in customer_ids}
    if not customer_ids:
        return rows
    if connection.vendor == "postgresql":
        sql = _TOPIC_OWNERS_MANY_PG_SQL.format(
            messages=MESSAGE_WINDOW * 5, current_first=_CURRENT_FIRST, **_tables()
        )
        params: list[Any] = [list(customer_ids), list(Conversation.OPEN_STATUSES), "topic"]
    else:
        sql = _TOPIC_OWNERS_MANY_SQL.format(
            ids=", ".join(["%s"] * len(customer_ids)),
            open=_OPEN,
            messages=MESSAGE_WINDOW * 5,
            current_first=_CURRENT_FIRST,
            **_tables(),
        )
        params = [*customer_ids, *Conversation.OPEN_STATUSES, "topic"]
    for customer_id, conversation_id, owner_id, label in _rows(sql, params):
        rows[customer_id].append((int(conversation_id), int(owner_id), label))
    return rows


def latest_labels(conversation_id: int, annotators: tuple[str, ...]) -> dict[str, str]:
    """Each annotator's newest label over the conversation's 20 newest messages (absent ones absent)."""
    sql = _LABELS_SQL.format(
        annotators=", ".join(["%s"] * len(annotators)),
        messages=MESSAGE_WINDOW,
        annotations=ANNOTATION_WINDOW,
        current_first=_CURRENT_FIRST,
        **_tables(),
    )
    labels: dict[str, str] = {}
    for annotator, label in _rows(sql, [*annotators, conversation_id]):
        if annotator not in labels and label:
            labels[annotator] = label
    return labels


def topic_owner(conversation: Conversation, topic: str) -> int | None:
    """The owner of the customer's other open conversation on the same topic (the most recently
    annotated one when there are several)."""
    if not topic:
        return None
    sql = _TOPIC_OWNER_SQL.format(
        open=_OPEN, messages=MESSAGE_WINDOW * 5, current_first=_CURRENT_FIRST, **_tables()
    )
    params = ["topic", conversation.customer_id, *Conversation.OPEN_STATUSES, conversation.pk]
    seen: set[int] = set()
    for conversation_id, owner_id, label in _rows(sql, params):
        if conversation_id in seen:
            continue  # an older topic of a conversation whose newest topic was already looked at
        seen.add(conversation_id)
        if label == topic:
            return int(owner_id)
    return None
