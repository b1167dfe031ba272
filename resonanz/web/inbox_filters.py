"""The inbox's views (issue 13): mine, my team, unassigned, waiting for me, due soon or breaching the SLA,
public and private, each with its count (all counted in one query), and the filter by topic.

A view narrows the open conversations the agent may see; it combines with the status, channel, team and
search filters of `resonanz.web.queries.InboxFilter`."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from resonanz.conversations.access import conversations_for
from resonanz.conversations.models import Conversation
from resonanz.workspaces.models import Agent

# "Due soon": a running clock ends within this time (or has ended already: breaching).
DUE_SOON = dt.timedelta(hours=1)

VIEWS = {
    "mine": gettext_lazy("Meine"),
    "team": gettext_lazy("Mein Team"),
    "unassigned": gettext_lazy("Nicht zugewiesen"),
    "waiting": gettext_lazy("Warten auf mich"),
    "due": gettext_lazy("Bald fällig / SLA verletzt"),
    "public": gettext_lazy("Öffentlich"),
    "private": gettext_lazy("Privat"),
}


def view_condition(agent: Agent, view: str, now: dt.datetime | None = None) -> Q:
    """The condition of one view on open conversations (an unknown view: no condition)."""
    now = timezone.now() if now is None else now
    running = Q(status__in=(Conversation.Status.NEW, Conversation.Status.OPEN))
    if view == "mine":
        return Q(owner_id=agent.pk)
    if view == "team":
        return Q(team__agents=agent.pk)
    if view == "unassigned":
        return Q(owner__isnull=True)
    if view == "waiting":
        # The customer waits for this agent's answer: theirs, not pending on the customer.
        return Q(owner_id=agent.pk) & running
    if view == "due":
        soon = now + DUE_SOON
        return running & (
            Q(first_responded_at__isnull=True, first_response_due_at__lte=soon)
            | Q(resolution_due_at__lte=soon)
        )
    if view == "public":
        return Q(is_public=True)
    if view == "private":
        return Q(is_public=False)
    return Q()


def apply_view(queryset: QuerySet[Conversation], agent: Agent, view: str) -> QuerySet[Conversation]:
    if view not in VIEWS:
        return queryset
    queryset = queryset.filter(view_condition(agent, view), status__in=Conversation.OPEN_STATUSES)
    return queryset.distinct() if view == "team" else queryset


def view_counts(agent: Agent) -> dict[str, int]:
    """The number of open conversations in each view, in one query."""
    now = timezone.now()
    team_ids = list(agent.teams.values_list("id", flat=True))
    conditions = {name: view_condition(agent, name, now) for name in VIEWS}
    conditions["team"] = Q(team_id__in=team_ids) if team_ids else Q(pk__in=[])
    row = (
        conversations_for(agent)
        .filter(status__in=Conversation.OPEN_STATUSES)
        .aggregate(**{name: Count("id", filter=condition) for name, condition in conditions.items()})
    )
    return {name: int(row[name] or 0) for name in VIEWS}


def channel_counts(agent: Agent) -> dict[int, int]:
    """Open conversations per channel account, in one query."""
    rows = (
        conversations_for(agent)
        .filter(status__in=Conversation.OPEN_STATUSES)
        .values("channel_account_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["channel_account_id"]: row["n"] for row in rows}
