"""Reads that feed the pure routing function: the conversation's facts, the rules in force and the
agents' snapshots. A handful of indexed queries; no writes."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count

from resonanz.channels.registry import platform_kind
from resonanz.channels.replies import reply_target
from resonanz.conversations.models import Conversation
from resonanz.routing.engine import AgentSnapshot, ConversationFacts, Rule
from resonanz.routing.models import RoutingRule, RuleSetVersion
from resonanz.understanding import conversation_labels
from resonanz.workspaces.models import Agent

FACT_ANNOTATORS = ("language", "sentiment", "topic", "urgency", "sensitivity", "region")

RULE_FIELDS_LIST = (
    "topics",
    "languages",
    "channel_kinds",
    "urgencies",
    "sentiments",
    "sensitivities",
    "regions",
)


def split_values(text: str) -> list[str]:
    """``"outage, Devices ,"`` → ``["outage", "devices"]``."""
    return [part.strip().lower() for part in text.split(",") if part.strip()]


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


_OPEN = ", ".join(["%s"] * len(Conversation.OPEN_STATUSES))


def _tables() -> dict[str, str]:
    return {"conversation": connection.ops.quote_name(Conversation._meta.db_table)}


def latest_labels_of(conversation_ids: list[int]) -> dict[int, dict[str, str]]:
    """Each routing fact's current label per conversation (`understanding.conversation_labels`)."""
    return conversation_labels.latest_labels_of(conversation_ids, FACT_ANNOTATORS)


def latest_labels(conversation_id: int) -> dict[str, str]:
    """Each routing fact's current label over the conversation's newest messages (absent ones absent)."""
    return conversation_labels.latest_labels(conversation_id, FACT_ANNOTATORS)


def topic_owner(conversation: Conversation, topic: str) -> int | None:
    return conversation_labels.topic_owner(conversation, topic)


def topic_owner_from(rows: list[tuple[int, int, str]], conversation_id: int, topic: str) -> int | None:
    """`topic_owner` over rows read before (`topic_rows_of`)."""
    if not topic:
        return None
    seen: set[int] = set()
    for other_id, owner_id, label in rows:
        if other_id == conversation_id or other_id in seen:
            continue
        seen.add(other_id)
        if label == topic:
            return owner_id
    return None


def _newest_word_unverified(conversation: Conversation) -> bool:
    """The customer's newest message may be spoofed (an unverified e-mail sender): then the customer's VIP
    flag is not applied on its word alone."""
    target = reply_target(conversation)
    return target is not None and target.sender_unverified


def conversation_facts(
    conversation: Conversation,
    labels: dict[str, str] | None = None,
    topic_rows: list[tuple[int, int, str]] | None = None,
) -> ConversationFacts:
    """Facts for routing. Needs ``customer`` and ``channel_account`` loaded (select_related). ``labels``
    and ``topic_rows``: read before for a batch (`latest_labels_of`, `topic_rows_of`); else read here."""
    if labels is None:
        labels = latest_labels(conversation.pk)
    customer = conversation.customer
    is_new = conversation.owner_id is None and conversation.team_id is None
    topic = labels.get("topic", "")
    if conversation.owner_id is not None:
        topic_owner_id = None
    elif topic_rows is not None:
        topic_owner_id = topic_owner_from(topic_rows, conversation.pk, topic)
    else:
        topic_owner_id = topic_owner(conversation, topic)
    return ConversationFacts(
        conversation_id=conversation.pk,
        channel_kind=_channel_identity_kind(conversation),
        is_public=conversation.is_public,
        topic=topic,
        language=labels.get("language", "") or customer.language,
        urgency=labels.get("urgency", ""),
        sentiment=labels.get("sentiment", ""),
        sensitivity=labels.get("sensitivity", ""),
        region=labels.get("region", "") or customer.region,
        customer_is_vip=customer.is_vip and not _newest_word_unverified(conversation),
        current_owner_id=conversation.owner_id,
        current_team_id=conversation.team_id,
        current_priority=conversation.priority,
        is_new=is_new,
        topic_owner_id=topic_owner_id,
    )


def _channel_identity_kind(conversation: Conversation) -> str:
    """The channel kind rules match on: the fake channel counts as the platform it imitates."""
    account = conversation.channel_account
    return platform_kind(account.kind, account.config)


def rule_snapshot(rule: RoutingRule) -> dict[str, Any]:
    """One rule as stored in a RuleSetVersion (JSON)."""
    data: dict[str, Any] = {"id": rule.pk, "name": rule.name, "position": rule.position}
    data["is_active"] = rule.is_active
    for name in RULE_FIELDS_LIST:
        data[name] = split_values(getattr(rule, name))
    data.update(
        customer_is_vip=rule.customer_is_vip,
        conversation_is_public=rule.conversation_is_public,
        team_id=rule.team_id,
        skill_id=rule.skill_id,
        priority=rule.priority,
        move_private=rule.move_private,
        stop=rule.stop,
    )
    return data


def rule_from_snapshot(data: dict[str, Any]) -> Rule:
    return Rule(
        id=int(data["id"]),
        name=str(data.get("name", "")),
        topics=frozenset(data.get("topics", ())),
        languages=frozenset(data.get("languages", ())),
        channel_kinds=frozenset(data.get("channel_kinds", ())),
        urgencies=frozenset(data.get("urgencies", ())),
        sentiments=frozenset(data.get("sentiments", ())),
        sensitivities=frozenset(data.get("sensitivities", ())),
        regions=frozenset(data.get("regions", ())),
        customer_is_vip=data.get("customer_is_vip"),
        conversation_is_public=data.get("conversation_is_public"),
        team_id=data.get("team_id"),
        skill_id=data.get("skill_id"),
        priority=data.get("priority"),
        move_private=bool(data.get("move_private", False)),
        stop=bool(data.get("stop", False)),
    )


# Parsed rule sets by (workspace id, version, written at). Versions are immutable, so entries never go
# stale; the timestamp tells a version apart from one with the same number after a restore or rollback.
_RULES_CACHE: dict[tuple[int, int, object], tuple[Rule, ...]] = {}


# The newest version seen per workspace and when: a worker re-reads it at most every
# ROUTING_SNAPSHOT_SECONDS; a change saved in this process takes effect here at once.
_LATEST_VERSION: dict[int, tuple[float, object, tuple[int, object] | None]] = {}


def forget_rules(workspace_id: int) -> None:
    _LATEST_VERSION.pop(workspace_id, None)


def rules_in_force(workspace_id: int, marker: object = None) -> tuple[int, tuple[Rule, ...]]:
    """(version, active rules in order); version 0 and no rules before the first change.

    ``marker`` (the workspace's creation time) enables the short per-process cache of the version
    number; without it the version is read fresh."""
    now = time.monotonic()
    seen = _LATEST_VERSION.get(workspace_id)
    if (
        marker is not None
        and seen is not None
        and seen[1] == marker
        and now - seen[0] <= float(settings.ROUTING_SNAPSHOT_SECONDS)
    ):
        latest = seen[2]
    else:
        latest = _latest_version(workspace_id)
        if len(_LATEST_VERSION) > 1000:
            _LATEST_VERSION.clear()
        _LATEST_VERSION[workspace_id] = (now, marker, latest)
    if latest is None:
        return 0, ()
    return _rules_of_version(workspace_id, latest)


def _latest_version(workspace_id: int) -> tuple[int, object] | None:
    return (
        RuleSetVersion.objects.filter(workspace_id=workspace_id)
        .order_by("-version")
        .values_list("version", "created_at")
        .first()
    )


def _rules_of_version(workspace_id: int, latest: tuple[int, object]) -> tuple[int, tuple[Rule, ...]]:
    version, written_at = latest
    key = (workspace_id, version, written_at)
    cached = _RULES_CACHE.get(key)
    if cached is None:
        stored = RuleSetVersion.objects.filter(workspace_id=workspace_id, version=version).values_list(
            "rules", flat=True
        )[0]
        ordered = sorted(
            (r for r in stored if r.get("is_active", True)),
            key=lambda r: (int(r.get("position", 0)), int(r["id"])),
        )
        cached = tuple(rule_from_snapshot(r) for r in ordered)
        if len(_RULES_CACHE) > 1000:
            _RULES_CACHE.clear()
        _RULES_CACHE[key] = cached
    return version, cached


def open_counts(workspace_id: int) -> dict[int, int]:
    return {
        row["owner_id"]: row["n"]
        for row in Conversation.objects.filter(
            workspace_id=workspace_id, status__in=Conversation.OPEN_STATUSES, owner__isnull=False
        )
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
    }


def open_count_of(agent_id: int) -> int:
    # Only table names and placeholders are formatted in; values go as parameters.
    sql = "SELECT COUNT(*) FROM {conversation} WHERE owner_id = %s AND status IN ({open})".format(  # noqa: S608
        open=_OPEN, **_tables()
    )
    return int(_rows(sql, [agent_id, *Conversation.OPEN_STATUSES])[0][0])


@dataclass
class _Roster:
    """What rarely changes about a workspace's agents (teams, skills, languages) and their open workload,
    kept per process. Presence and capacity are read fresh on every decision."""

    marker: object
    agent_ids: frozenset[int]
    teams: dict[int, frozenset[int]]
    skills: dict[int, frozenset[int]]
    languages: dict[int, frozenset[str]]
    loaded_at: float
    counts: dict[int, int] = field(default_factory=dict)
    counts_at: float = float("-inf")
    # The last snapshot built per agent, reused while presence, capacity and workload are unchanged
    # (building 200 frozen dataclasses per decision costs more than the decision itself).
    snapshots: dict[int, AgentSnapshot] = field(default_factory=dict)


_ROSTERS: dict[int, _Roster] = {}


def _load_roster(workspace_id: int, marker: object, agent_ids: frozenset[int], now: float) -> _Roster:
    teams: dict[int, set[int]] = defaultdict(set)
    for agent_id, team_id in Agent.teams.through.objects.filter(agent_id__in=list(agent_ids)).values_list(
        "agent_id", "team_id"
    ):
        teams[agent_id].add(team_id)
    skills: dict[int, set[int]] = defaultdict(set)
    for agent_id, skill_id in Agent.skills.through.objects.filter(agent_id__in=list(agent_ids)).values_list(
        "agent_id", "skill_id"
    ):
        skills[agent_id].add(skill_id)
    languages = {
        agent_id: frozenset(codes or ())
        for agent_id, codes in Agent.objects.filter(pk__in=list(agent_ids)).values_list("id", "languages")
    }
    return _Roster(
        marker=marker,
        agent_ids=agent_ids,
        teams={a: frozenset(t) for a, t in teams.items()},
        skills={a: frozenset(s) for a, s in skills.items()},
        languages=languages,
        loaded_at=now,
    )


def agent_rows(workspace_id: int) -> list[tuple[int, str, int]]:
    """(id, presence, capacity) of the workspace's active agents: read fresh for every decision (batch)."""
    return list(
        Agent.objects.filter(workspace_id=workspace_id, user__is_active=True).values_list(
            "id", "presence", "capacity"
        )
    )


def open_counts_of(agent_ids: list[int]) -> dict[int, int]:
    """Exact open workloads of these agents, in one query (capacity checks under the agents' locks)."""
    if not agent_ids:
        return {}
    counts = dict.fromkeys(agent_ids, 0)
    rows = (
        Conversation.objects.filter(owner_id__in=agent_ids, status__in=Conversation.OPEN_STATUSES)
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("owner_id", "n")
    )
    counts.update({int(owner_id): int(n) for owner_id, n in rows})
    return counts


def agent_snapshots(
    workspace_id: int, marker: object = None, rows: list[tuple[int, str, int]] | None = None
) -> list[AgentSnapshot]:
    """Every active agent of the workspace with presence, capacity, open workload, teams and skills.

    ``settings.ROUTING_SNAPSHOT_SECONDS`` > 0 keeps workloads that long (and teams, skills and languages
    30 times as long) in this process; the agents' own routing keeps the workloads current between
    refreshes (`note_assignment`), and capacity is checked exactly under a lock when assigning.
    ``marker`` tells a workspace apart from an earlier one with the same id (tests, restores). ``rows``:
    the agents' presence and capacity, read before (`agent_rows`)."""
    if rows is None:
        rows = agent_rows(workspace_id)
    agent_ids = frozenset(r[0] for r in rows)
    ttl = float(settings.ROUTING_SNAPSHOT_SECONDS)
    now = time.monotonic()
    roster = _ROSTERS.get(workspace_id)
    if (
        roster is None
        or roster.marker != marker
        or roster.agent_ids != agent_ids
        or now - roster.loaded_at > ttl * 30
    ):
        roster = _load_roster(workspace_id, marker, agent_ids, now)
        if len(_ROSTERS) > 1000:
            _ROSTERS.clear()
        _ROSTERS[workspace_id] = roster
    if now - roster.counts_at > ttl:
        roster.counts = open_counts(workspace_id)
        roster.counts_at = now
    empty: frozenset[int] = frozenset()
    snapshots = []
    counts, built = roster.counts, roster.snapshots
    for agent_id, presence, capacity in rows:
        open_count = counts.get(agent_id, 0)
        snapshot = built.get(agent_id)
        if (
            snapshot is None
            or snapshot.presence != presence
            or snapshot.capacity != capacity
            or snapshot.open_count != open_count
        ):
            snapshot = AgentSnapshot(
                id=agent_id,
                presence=presence,
                open_count=open_count,
                capacity=capacity,
                team_ids=roster.teams.get(agent_id, empty),
                skill_ids=roster.skills.get(agent_id, empty),
                languages=roster.languages.get(agent_id, frozenset()),
            )
            built[agent_id] = snapshot
        snapshots.append(snapshot)
    return snapshots


def note_assignment(workspace_id: int, old_owner_id: int | None, new_owner_id: int | None) -> None:
    """Keep this process's cached workloads current after it moved a conversation."""
    roster = _ROSTERS.get(workspace_id)
    if roster is None:
        return
    if old_owner_id is not None and roster.counts.get(old_owner_id, 0) > 0:
        roster.counts[old_owner_id] -= 1
    if new_owner_id is not None:
        roster.counts[new_owner_id] = roster.counts.get(new_owner_id, 0) + 1
