"""The inbox's views (issue 13): mine, my team, unassigned, waiting for me, due soon or breaching the SLA,
public and private, each with its count (all counted in one query), and the filter by topic.

A view narrows the open conversations the agent may see; it combines with the status, channel, team and
search filters of `resonanz.web.queries.InboxFilter`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy

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


def _capped_queryset(queryset: QuerySet[Conversation]) -> tuple[str, list[Any]]:
    """SQL counting the rows of ``queryset`` up to COUNT_CAP + 1, and its parameters."""
    try:
        sql, sql_params = queryset.order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
    except EmptyResultSet:  # a condition nothing can meet (no teams): zero, no SQL
        return "0", []
    # Django compiled the SQL (the values are in sql_params): no user text in the string.
    return f"(SELECT COUNT(*) FROM ({sql}) AS counted)", list(sql_params)  # noqa: S608


def capped_counts(querysets: dict[str, QuerySet[Conversation]]) -> dict[str, int]:
    """The number of rows of each queryset, at most COUNT_CAP + 1 (more: COUNT_CAP + 1), in one query."""
    if not querysets:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets.values():
        part, part_params = _capped_queryset(queryset)
        parts.append(part)
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {name: int(value) for name, value in zip(querysets, row, strict=True)}


def shown_count(value: int) -> int | str:
    """A count as the inbox shows it: exact up to COUNT_CAP, else "1.000+"."""
    return value if value <= COUNT_CAP else f"{number_format(COUNT_CAP, force_grouping=True)}+"


# --- The counts in one statement, written in SQL (decision 0855) ------------------------------------------
# The sidebar's and tabs' ~17 counts, built through the ORM, cost ~5 ms of Python per page (filter, clone and
# compile of every queryset) — a quarter of the inbox's CPU at 100,000 conversations. They are written here
# in SQL instead, each the same condition as its view or filter above; tests/web/test_inbox_counts.py keeps
# the two in step (every count against the ORM's count of the same rows, on a varied set of conversations).
_TABLE = Conversation._meta.db_table
_OPEN = tuple(str(status) for status in Conversation.OPEN_STATUSES)
_RUNNING = (str(Conversation.Status.NEW), str(Conversation.Status.OPEN))


def _in(values: tuple[Any, ...]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def _capped(where: str) -> str:
    # Column and table names are constants of this module; every value is a parameter.
    return f"(SELECT COUNT(*) FROM (SELECT id FROM {_TABLE} WHERE {where} LIMIT {COUNT_CAP + 1}) AS c)"  # noqa: S608


def _shown_where(workspace_id: int) -> tuple[str, list[Any]]:
    """Not noise, in the workspace: what every count but "noise" starts from. The workspace is what
    `conversations_for` scopes an agent to; if that ever narrows, these must too (the test compares)."""
    return "workspace_id = %s AND is_noise = %s", [workspace_id, False]


def _status_parts(workspace_id: int) -> dict[str, tuple[str, list[Any]]]:
    base, params = _shown_where(workspace_id)
    parts = {
        str(status): (f"{base} AND status = %s", [*params, str(status)])
        for status in Conversation.Status.values
    }
    parts["open"] = (f"{base} AND status IN {_in(_OPEN)}", [*params, *_OPEN])
    parts["all"] = (base, params)
    parts["noise"] = (
        f"workspace_id = %s AND is_noise = %s AND status IN {_in(_OPEN)}",
        [workspace_id, True, *_OPEN],
    )
    return parts


def _view_parts(agent: Agent, now: dt.datetime) -> dict[str, tuple[str, list[Any]]]:
    base, params = _shown_where(agent.workspace_id)
    base, params = f"{base} AND status IN {_in(_OPEN)}", [*params, *_OPEN]
    soon = connection.ops.adapt_datetimefield_value(now + DUE_SOON)
    team_ids = tuple(agent.teams.values_list("id", flat=True))
    running = f"status IN {_in(_RUNNING)}"
    conditions: dict[str, tuple[str, list[Any]]] = {
        "mine": ("owner_id = %s", [agent.pk]),
        # The agent's teams listed, not as a subquery: SQLite would walk all open conversations with it
        # (no team: a constant false, which neither database evaluates per row).
        "team": (f"team_id IN {_in(team_ids)}", list(team_ids)) if team_ids else ("1 = 0", []),
        "unassigned": ("owner_id IS NULL", []),
        "waiting": (f"owner_id = %s AND {running}", [agent.pk, *_RUNNING]),
        "due": (
            f"{running} AND ((first_responded_at IS NULL AND first_response_due_at <= %s)"
            " OR resolution_due_at <= %s)",
            [*_RUNNING, soon, soon],
        ),
        "public": ("is_public = %s", [True]),
        "private": ("is_public = %s", [False]),
    }
    assert conditions.keys() == VIEWS.keys()
    return {name: (f"{base} AND {where}", [*params, *extra]) for name, (where, extra) in conditions.items()}


def _channel_parts(workspace_id: int, account_ids: list[int]) -> dict[str, tuple[str, list[Any]]]:
    base, params = _shown_where(workspace_id)
    return {
        str(pk): (f"{base} AND status IN {_in(_OPEN)} AND channel_account_id = %s", [*params, *_OPEN, pk])
        for pk in account_ids
    }


@dataclass(frozen=True)
class InboxCounts:
    """Each at most COUNT_CAP + 1 (more: COUNT_CAP + 1)."""

    statuses: dict[str, int]
    views: dict[str, int]
    channels: dict[int, int]
    extra: dict[str, int]


def inbox_counts(
    agent: Agent,
    account_ids: list[int],
    *,
    statuses: bool = True,
    views: bool = True,
    extra: dict[str, QuerySet[Conversation]] | None = None,
) -> InboxCounts:
    """The tabs' counts per status filter (``statuses``), the views' (``views``), the channels' and those of
    ``extra`` querysets (e.g. the shown filters' total), all in one query."""
    parts: list[str] = []
    params: list[Any] = []
    keys: list[tuple[str, str]] = []
    groups: dict[str, dict[str, tuple[str, list[Any]]]] = {
        "statuses": _status_parts(agent.workspace_id) if statuses else {},
        "views": _view_parts(agent, timezone.now()) if views else {},
        "channels": _channel_parts(agent.workspace_id, account_ids),
    }
    for group, named in groups.items():
        for name, (where, where_params) in named.items():
            keys.append((group, name))
            parts.append(_capped(where))
            params.extend(where_params)
    for name, queryset in (extra or {}).items():
        keys.append(("extra", name))
        part, part_params = _capped_queryset(queryset)
        parts.append(part)
        params.extend(part_params)
    row: tuple[Any, ...] = ()
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
    found: dict[str, dict[str, int]] = {"statuses": {}, "views": {}, "channels": {}, "extra": {}}
    for (group, name), value in zip(keys, row, strict=True):
        found[group][name] = int(value)
    return InboxCounts(
        statuses=found["statuses"],
        views=found["views"],
        channels={int(pk): n for pk, n in found["channels"].items()},
        extra=found["extra"],
    )


def view_counts(agent: Agent) -> dict[str, int]:
    """The number of open conversations in each view (up to COUNT_CAP + 1), in one query."""
    return inbox_counts(agent, [], statuses=False).views


def channel_counts(agent: Agent, account_ids: list[int]) -> dict[int, int]:
    """Open conversations per channel account (up to COUNT_CAP + 1), in one query."""
    return inbox_counts(agent, account_ids, statuses=False, views=False).channels


def status_counts(agent: Agent) -> dict[str, int]:
    """Conversations per status filter (up to COUNT_CAP + 1 each), in one query."""
    return inbox_counts(agent, [], views=False).statuses
