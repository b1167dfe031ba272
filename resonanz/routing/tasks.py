"""Routing tasks: thin wrappers that load by id and call one function."""

from __future__ import annotations

from resonanz.conversations.models import Conversation
from resonanz.core.queue import enqueue, task
from resonanz.core.scheduler import periodic
from resonanz.routing.actions import ASSIGN_WAITING_TASK, assign_waiting


@task(ASSIGN_WAITING_TASK, time_limit_seconds=120)
def assign_waiting_task(workspace_id: int) -> None:
    assign_waiting(workspace_id)


@periodic("routing.assign_waiting", every_seconds=60)
def assign_waiting_everywhere() -> None:
    """Conversations that found nobody get an owner once someone is free (cheap: one query)."""
    workspace_ids = (
        Conversation.objects.filter(status__in=Conversation.OPEN_STATUSES, owner__isnull=True)
        .values_list("workspace_id", flat=True)
        .distinct()
    )
    for workspace_id in workspace_ids:
        enqueue(ASSIGN_WAITING_TASK, workspace_id)
