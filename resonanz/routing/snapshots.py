"""Reads that feed the pure routing function: the conversation's facts, the rules in force and the
agents' snapshots. A handful of indexed queries; no writes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count

from resonanz.conversations.models import Conversation
from resonanz.routing.engine import AgentSnapshot, ConversationFacts, Rule
from resonanz.routing.models import RoutingRule, RuleSetVersion
from resonanz.understanding.models import Annotation
from resonanz.workspaces.models import Agent

FACT_ANNOTATORS = ("language", "sentiment", "topic", "urgency", "sensitivity", "region")
# Annotations read per conversation, newest first: enough to find each annotator's newest label.
ANNOTATION_WINDOW = 60

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


def latest_labels(conversation_id: int) -> dict[str, str]:
    """Each annotator's newest label over the conversation's messages; absent annotators are absent."""
    labels: dict[str, str] = {}
    rows = (
        Annotation.objects.filter(message__conversation_id=conversation_id, annotator__in=FACT_ANNOTATORS)
        .order_by("-id")
        .values_list("annotator", "label")[:ANNOTATION_WINDOW]
    )
    for annotator, label in rows:
        if annotator not in labels and label:
            labels[annotator] = label
    return labels


def topic_owner(conversation: Conversation, topic: str) -> int | None:
    """The owner of the customer's most recent other open conversation on the same topic."""
    if not topic:
        return None
    others = list(
        Conversation.objects.filter(
            customer_id=conversation.customer_id,
            status__in=Conversation.OPEN_STATUSES,
            owner__isnull=False,
        )
        .exclude(pk=conversation.pk)
        .order_by("-last_message_at", "-id")
        .values_list("id", "owner_id")[:20]
    )
    if not others:
        return None
    topics: dict[int, str] = {}
    for conversation_id, label in (
        Annotation.objects.filter(message__conversation_id__in=[c for c, _ in others], annotator="topic")
        .order_by("-id")
        .values_list("message__conversation_id", "label")
    ):
        topics.setdefault(conversation_id, label)
    for conversation_id, owner_id in others:
        if topics.get(conversation_id) == topic:
            return owner_id
    return None


def conversation_facts(conversation: Conversation) -> ConversationFacts:
    """Facts for routing. Needs ``customer`` and ``channel_account`` loaded (select_related)."""
    labels = latest_labels(conversation.pk)
    customer = conversation.customer
    is_new = conversation.owner_id is None and conversation.team_id is None
    topic = labels.get("topic", "")
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
        customer_is_vip=customer.is_vip,
        current_owner_id=conversation.owner_id,
        current_team_id=conversation.team_id,
        current_priority=conversation.priority,
        is_new=is_new,
        topic_owner_id=topic_owner(conversation, topic) if conversation.owner_id is None else None,
    )


def _channel_identity_kind(conversation: Conversation) -> str:
    """The channel kind rules match on: the fake channel counts as the platform it imitates."""
    account = conversation.channel_account
    if account.kind == "fake":
        return str(account.config.get("imitates") or "fake")
    return account.kind


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


def rules_in_force(workspace_id: int) -> tuple[int, tuple[Rule, ...]]:
    """(version, active rules in order); version 0 and no rules before the first change."""
    latest = (
        RuleSetVersion.objects.filter(workspace_id=workspace_id)
        .order_by("-version")
        .values_list("version", "created_at")
        .first()
    )
    if latest is None:
        return 0, ()
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
    return Conversation.objects.filter(owner_id=agent_id, status__in=Conversation.OPEN_STATUSES).count()


def agent_snapshots(workspace_id: int) -> list[AgentSnapshot]:
    teams: dict[int, set[int]] = defaultdict(set)
    for agent_id, team_id in Agent.teams.through.objects.filter(agent__workspace_id=workspace_id).values_list(
        "agent_id", "team_id"
    ):
        teams[agent_id].add(team_id)
    skills: dict[int, set[int]] = defaultdict(set)
    for agent_id, skill_id in Agent.skills.through.objects.filter(
        agent__workspace_id=workspace_id
    ).values_list("agent_id", "skill_id"):
        skills[agent_id].add(skill_id)
    counts = open_counts(workspace_id)
    return [
        AgentSnapshot(
            id=agent_id,
            presence=presence,
            open_count=counts.get(agent_id, 0),
            capacity=capacity,
            team_ids=frozenset(teams.get(agent_id, ())),
            skill_ids=frozenset(skills.get(agent_id, ())),
            languages=frozenset(languages or ()),
        )
        for agent_id, presence, capacity, languages in Agent.objects.filter(
            workspace_id=workspace_id, user__is_active=True
        ).values_list("id", "presence", "capacity", "languages")
    ]
