"""Routing tasks: thin wrappers that load by id and call one function."""

from __future__ import annotations

from resonanz.conversations.models import Conversation
from resonanz.core.queue import enqueue, task
from resonanz.core.scheduler import periodic
from resonanz.routing.actions import ASSIGN_WAITING_TASK, assign_waiting, do_route_conversation

# Lower layers (understanding: a post an agent marked relevant again) ask for routing by this name.
ROUTE_CONVERSATION_TASK = "routing.route_conversation"


@task(ASSIGN_WAITING_TASK, time_limit_seconds=120)
def assign_waiting_task(workspace_id: int) -> None:
    assign_waiting(workspace_id)


@task(ROUTE_CONVERSATION_TASK, time_limit_seconds=60)
def route_conversation_task(conversation_id: int, trigger: str = "message") -> None:
    do_route_conversation(conversation_id, trigger=trigger)


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
