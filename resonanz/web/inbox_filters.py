"""The inbox's views (issue 13): mine, my team, unassigned, waiting for me, due soon or breaching the SLA,
public and private, each with its count (all counted in one query), and the filter by topic.

A view narrows the open conversations the agent may see; it combines with the status, channel, team and
search filters of `resonanz.web.queries.InboxFilter`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
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


# Counts stop here: "1.000+" costs reading 1,001 index entries, an exact count over 100,000 conversations
# costs them all, on every page (decision 0850).
COUNT_CAP = 1000


def capped_counts(querysets: dict[str, QuerySet[Conversation]]) -> dict[str, int]:
    """The number of rows of each queryset, at most COUNT_CAP + 1 (more: COUNT_CAP + 1), in one query."""
    if not querysets:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for index, queryset in enumerate(querysets.values()):
        try:
            sql, sql_params = queryset.order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
        except EmptyResultSet:  # a condition nothing can meet (no teams): zero, no SQL
            parts.append("0")
            continue
        # Django compiled the SQL (the values are in sql_params): no user text in the string.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted{index})")  # noqa: S608
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {name: int(value) for name, value in zip(querysets, row, strict=True)}


def shown_count(value: int) -> int | str:
    """A count as the inbox shows it: exact up to COUNT_CAP, else "1.000+"."""
    return value if value <= COUNT_CAP else f"{number_format(COUNT_CAP, force_grouping=True)}+"


def view_counts(agent: Agent) -> dict[str, int]:
    """The number of open conversations in each view (up to COUNT_CAP + 1), in one query."""
    now = timezone.now()
    team_ids = list(agent.teams.values_list("id", flat=True))
    conditions = {name: view_condition(agent, name, now) for name in VIEWS}
    conditions["team"] = Q(team_id__in=team_ids) if team_ids else Q(pk__in=[])
    running = conversations_for(agent).filter(is_noise=False, status__in=Conversation.OPEN_STATUSES)
    return capped_counts({name: running.filter(condition) for name, condition in conditions.items()})


def channel_counts(agent: Agent, account_ids: list[int]) -> dict[int, int]:
    """Open conversations per channel account (up to COUNT_CAP + 1), in one query."""
    running = conversations_for(agent).filter(is_noise=False, status__in=Conversation.OPEN_STATUSES)
    counts = capped_counts({str(pk): running.filter(channel_account_id=pk) for pk in account_ids})
    return {int(pk): n for pk, n in counts.items()}
