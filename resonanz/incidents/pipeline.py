"""The incident step after ingest (settings.AFTER_INGEST_STEPS, after understanding): every understood
inbound message goes through the workspace's detector; what it finds becomes incidents and members.

Internal notes, outbound messages and messages the relevance annotator judged off-topic are not evidence.
The region comes from the region annotation (the customer's postal code, else a place in the text)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from resonanz.conversations.models import Message
from resonanz.incidents.actions import DetectorInput, do_detect
from resonanz.incidents.models import ObservedMessage
from resonanz.understanding.access import current_annotations
from resonanz.workspaces.models import Workspace

logger = logging.getLogger("resonanz.incidents")


def load_inputs(message_ids: Sequence[int]) -> dict[int, list[DetectorInput]]:
    rows = list(
        Message.objects.filter(id__in=list(message_ids), direction=Message.Direction.INBOUND)
        .exclude(visibility=Message.Visibility.NOTE)
        .values_list(
            "id", "workspace_id", "created_at", "text", "conversation_id", "conversation__customer_id"
        )
    )
    ids = [row[0] for row in rows]
    # A message the detector has seen is never evidence twice (the after-ingest steps may run again).
    seen = set(ObservedMessage.objects.filter(message_id__in=ids).values_list("message_id", flat=True))
    rows = [row for row in rows if row[0] not in seen]
    ids = [row[0] for row in rows]
    regions: dict[int, tuple[str, str]] = {}
    off_topic: set[int] = set()
    for message_id, current in current_annotations(ids, ("region", "relevance")).items():
        region, relevance = current.get("region"), current.get("relevance")
        if region is not None:
            regions[message_id] = (str(region.data.get("city", "")), region.label)
        if relevance is not None and relevance.label == "false":
            off_topic.add(message_id)
    out: dict[int, list[DetectorInput]] = {}
    for message_id, workspace_id, created_at, text, conversation_id, customer_id in rows:
        if message_id in off_topic:
            continue
        city, state = regions.get(message_id, ("", ""))
        out.setdefault(workspace_id, []).append(
            DetectorInput(
                message_id=message_id,
                at=created_at,
                text=text or "",
                customer_id=customer_id,
                conversation_id=conversation_id,
                city=city,
                state=state,
            )
        )
    return out


def detect_incidents(message_ids: Sequence[int]) -> None:
    from resonanz.understanding.embedding import embed_texts

    started = time.perf_counter()
    by_workspace = load_inputs(message_ids)
    workspaces = Workspace.objects.in_bulk(list(by_workspace))
    for workspace_id, inputs in by_workspace.items():
        try:
            do_detect(workspaces[workspace_id], inputs, embed_texts)
        except Exception:
            # The other workspaces of the batch still get their turn.
            logger.exception("incidents.detect_failed", extra={"workspace": workspace_id})
    if by_workspace:
        logger.info(
            "incidents.detected",
            extra={
                "messages": sum(len(v) for v in by_workspace.values()),
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
