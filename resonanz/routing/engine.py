"""The routing decision as a pure function: facts + rules + agent snapshots → decision.

No database, no clock, no settings: everything the decision depends on is in its arguments, so the
table-driven tests in tests/test_engine.py pin it down completely and the bench measures it alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

LOW, NORMAL, HIGH, URGENT = 0, 1, 2, 3
URGENCY_PRIORITY = {"low": LOW, "normal": NORMAL, "high": HIGH, "urgent": URGENT}

ONLINE, AWAY, OFFLINE = "online", "away", "offline"
# Who keeps or receives a conversation by stickiness (one-hand): online and away owners. An away owner
# is on a short break; the customer waits for the person who knows the case (decision 0201).
STICKY_PRESENCES = frozenset({ONLINE, AWAY})
# Who receives a conversation by balancing: only agents who are online.
ASSIGNABLE_PRESENCES = frozenset({ONLINE})

# Reasons, as written into timeline entries and shown to agents.
REASON_STICKY_OWNER = "sticky_owner"
REASON_STICKY_TOPIC = "sticky_topic"
REASON_BALANCED = "balanced"
REASON_OWNER_UNAVAILABLE = "owner_unavailable"
REASON_KEPT_NO_AGENT = "kept_no_agent"
REASON_NO_AGENT = "no_agent"


@dataclass(frozen=True)
class ConversationFacts:
    """What routing knows about one conversation (annotations default to "unknown" = empty)."""

    conversation_id: int
    channel_kind: str = ""
    is_public: bool = False
    topic: str = ""
    language: str = ""
    urgency: str = ""
    sentiment: str = ""
    sensitivity: str = ""
    region: str = ""
    customer_is_vip: bool = False
    # The conversation's current state; a new conversation has neither owner nor team.
    current_owner_id: int | None = None
    current_team_id: int | None = None
    current_priority: int = NORMAL
    is_new: bool = True
    # The owner of this customer's other open conversation on the same topic, if any.
    topic_owner_id: int | None = None


@dataclass(frozen=True)
class Rule:
    id: int
    name: str = ""
    topics: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    channel_kinds: frozenset[str] = frozenset()
    urgencies: frozenset[str] = frozenset()
    sentiments: frozenset[str] = frozenset()
    sensitivities: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    customer_is_vip: bool | None = None
    conversation_is_public: bool | None = None
    team_id: int | None = None
    skill_id: int | None = None
    priority: int | None = None
    move_private: bool = False
    stop: bool = False

    def matches(self, facts: ConversationFacts) -> bool:
        return (
            _holds(self.topics, facts.topic)
            and _holds(self.languages, facts.language)
            and _holds(self.channel_kinds, facts.channel_kind)
            and _holds(self.urgencies, facts.urgency)
            and _holds(self.sentiments, facts.sentiment)
            and _holds(self.sensitivities, facts.sensitivity)
            and _holds(self.regions, facts.region)
            and (self.customer_is_vip is None or self.customer_is_vip == facts.customer_is_vip)
            and (self.conversation_is_public is None or self.conversation_is_public == facts.is_public)
        )


def _holds(allowed: frozenset[str], value: str) -> bool:
    return not allowed or value in allowed


@dataclass(frozen=True)
class AgentSnapshot:
    id: int
    presence: str
    open_count: int
    capacity: int
    team_ids: frozenset[int] = frozenset()
    skill_ids: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    owner_id: int | None
    team_id: int | None
    skill_id: int | None
    priority: int
    reason: str
    matched_rule_ids: tuple[int, ...] = ()
    move_private: bool = False
    # Agents that passed every filter, best first (the action falls back along it under contention).
    candidates: tuple[int, ...] = field(default=(), compare=False)


def base_priority(facts: ConversationFacts) -> int:
    """Urgency sets the level; negative sentiment raises it by one (at most to high); a VIP customer
    raises it by one more (at most to urgent)."""
    priority = URGENCY_PRIORITY.get(facts.urgency, NORMAL)
    if facts.sentiment == "negative":
        priority = max(priority, min(priority + 1, HIGH))
    if facts.customer_is_vip:
        priority = min(priority + 1, URGENT)
    return priority


def eligible_agents(
    agents: Iterable[AgentSnapshot], *, team_id: int | None, skill_id: int | None, language: str
) -> list[AgentSnapshot]:
    """Online agents below capacity with the team, skill and language required, least loaded first."""
    chosen = [
        a
        for a in agents
        if a.presence in ASSIGNABLE_PRESENCES
        and a.open_count < a.capacity
        and (team_id is None or team_id in a.team_ids)
        and (skill_id is None or skill_id in a.skill_ids)
        and (not language or not a.languages or language in a.languages)
    ]
    # Lowest share of capacity in use; then fewest open conversations; then the lowest id (stable).
    chosen.sort(key=lambda a: (a.open_count / a.capacity, a.open_count, a.id))
    return chosen


def decide(facts: ConversationFacts, rules: Sequence[Rule], agents: Sequence[AgentSnapshot]) -> Decision:
    team_id: int | None = None
    skill_id: int | None = None
    priority = base_priority(facts)
    move_private = False
    matched: list[int] = []
    for rule in rules:
        if not rule.matches(facts):
            continue
        matched.append(rule.id)
        if team_id is None and rule.team_id is not None:
            team_id = rule.team_id
        if skill_id is None and rule.skill_id is not None:
            skill_id = rule.skill_id
        if rule.priority is not None:
            priority = max(priority, rule.priority)
        move_private = move_private or rule.move_private
        if rule.stop:
            break
    if not facts.is_new:
        # A follow-up never lowers what an agent or an earlier message set.
        priority = max(priority, facts.current_priority)
        team_id = facts.current_team_id if facts.current_team_id is not None else team_id
    unassigned = Decision(
        owner_id=None,
        team_id=team_id,
        skill_id=skill_id,
        priority=priority,
        reason=REASON_NO_AGENT,
        matched_rule_ids=tuple(matched),
        move_private=move_private and facts.is_public,
    )
    by_id = {a.id: a for a in agents}

    def available(agent_id: int | None) -> bool:
        agent = by_id.get(agent_id) if agent_id is not None else None
        return agent is not None and agent.presence in STICKY_PRESENCES

    if facts.current_owner_id is not None and available(facts.current_owner_id):
        return replace(unassigned, owner_id=facts.current_owner_id, reason=REASON_STICKY_OWNER)
    if facts.topic_owner_id is not None and available(facts.topic_owner_id):
        return replace(unassigned, owner_id=facts.topic_owner_id, reason=REASON_STICKY_TOPIC)
    ranked = eligible_agents(agents, team_id=team_id, skill_id=skill_id, language=facts.language)
    if ranked:
        reason = REASON_BALANCED if facts.current_owner_id is None else REASON_OWNER_UNAVAILABLE
        return replace(
            unassigned, owner_id=ranked[0].id, reason=reason, candidates=tuple(a.id for a in ranked)
        )
    if facts.current_owner_id is not None:
        # Nobody else can take it: the owner keeps it rather than leaving the customer to a queue.
        return replace(unassigned, owner_id=facts.current_owner_id, reason=REASON_KEPT_NO_AGENT)
    return unassigned
