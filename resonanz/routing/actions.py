"""Writes of the routing domain: route a conversation, transfer it, move it to private, edit rules,
set an agent's presence. Each does its write, its timeline or audit entry and its enqueue together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max

from resonanz.channels.registry import channel_label, get_adapter
from resonanz.channels.replies import do_send_reply
from resonanz.conversations.actions import do_apply_sla
from resonanz.conversations.models import Conversation, Message, Notification, TimelineEntry
from resonanz.core.errors import Conflict, InvalidInput
from resonanz.core.models import AuditEntry
from resonanz.core.queue import enqueue
from resonanz.routing import engine
from resonanz.routing.engine import Decision
from resonanz.routing.models import RoutingRule, RuleSetVersion
from resonanz.routing.snapshots import (
    agent_snapshots,
    conversation_facts,
    latest_labels,
    note_assignment,
    open_count_of,
    rule_snapshot,
    rules_in_force,
)
from resonanz.workspaces.models import Agent, Team, Workspace

logger = logging.getLogger("resonanz.routing")

ASSIGN_WAITING_TASK = "routing.assign_waiting"

PRIVATE_ACKNOWLEDGEMENT = {
    "de": "Wir melden uns per Direktnachricht bei dir.",
    "en": "We'll get back to you by direct message.",
}


@dataclass(frozen=True)
class RoutingOutcome:
    conversation_id: int
    decision: Decision
    rule_set_version: int
    owner_changed: bool


class _CannotTake(Exception):
    pass


def _claim(candidates: tuple[int, ...]) -> int | None:
    """The first candidate still online and below capacity, checked under a lock on the agent's row:
    two workers balancing at the same moment queue here, and the second sees the first's assignment.

    Each try runs in a savepoint that is rolled back when the agent cannot take the conversation, which
    releases that agent's lock: a worker holds at most one agent lock, so two workers walking their
    candidates in different orders cannot deadlock."""
    for agent_id in candidates:
        try:
            with transaction.atomic():
                row = (
                    Agent.objects.select_for_update()
                    .filter(pk=agent_id)
                    .values_list("presence", "capacity")
                    .first()
                )
                if (
                    row is None
                    or row[0] not in engine.ASSIGNABLE_PRESENCES
                    or open_count_of(agent_id) >= row[1]
                ):
                    raise _CannotTake
                return agent_id
        except _CannotTake:
            continue
    return None


def do_route_conversation(conversation_id: int, *, trigger: str = "message") -> RoutingOutcome | None:
    """Apply the rules in force to one open conversation: sticky owner, else balancing; team and priority.

    Safe to run twice and in parallel: the conversation's row is locked for the whole decision, so a
    second worker waits and then sees the owner the first one set (and keeps it by stickiness)."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("customer", "channel_account", "workspace")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None or conversation.status not in Conversation.OPEN_STATUSES:
            return None
        if conversation.is_noise:  # a listening post judged not about us: nobody's work
            return None
        facts = conversation_facts(conversation)
        marker = conversation.workspace.created_at
        version, rules = rules_in_force(conversation.workspace_id, marker)
        agents = agent_snapshots(conversation.workspace_id, marker)
        decision = engine.decide(facts, rules, agents)
        if decision.candidates:
            claimed = _claim(decision.candidates)
            if claimed is None:
                fallback = conversation.owner_id
                reason = engine.REASON_KEPT_NO_AGENT if fallback else engine.REASON_NO_AGENT
                decision = Decision(
                    owner_id=fallback,
                    team_id=decision.team_id,
                    skill_id=decision.skill_id,
                    priority=decision.priority,
                    reason=reason,
                    matched_rule_ids=decision.matched_rule_ids,
                    move_private=decision.move_private,
                )
            elif claimed != decision.owner_id:
                decision = Decision(
                    owner_id=claimed,
                    team_id=decision.team_id,
                    skill_id=decision.skill_id,
                    priority=decision.priority,
                    reason=decision.reason,
                    matched_rule_ids=decision.matched_rule_ids,
                    move_private=decision.move_private,
                )
        old_owner_id = conversation.owner_id
        updates: dict[str, object] = {}
        if decision.owner_id != old_owner_id:
            updates["owner_id"] = decision.owner_id
        if decision.team_id != conversation.team_id:
            updates["team_id"] = decision.team_id
        if decision.priority != conversation.priority:
            updates["priority"] = decision.priority
        if updates:
            Conversation.objects.filter(pk=conversation.pk).update(**updates)
            for name, value in updates.items():
                setattr(conversation, name, value)
            if "priority" in updates:
                do_apply_sla(conversation)  # SLA targets depend on the priority
            data = {
                "from_agent_id": old_owner_id,
                "to_agent_id": decision.owner_id,
                "team_id": decision.team_id,
                "priority": decision.priority,
                "reason": decision.reason,
                "rule_set_version": version,
                "rule_ids": list(decision.matched_rule_ids),
                "trigger": trigger,
            }
            if "owner_id" in updates:
                kind = "assigned" if old_owner_id is None else "transferred"
                note_assignment(conversation.workspace_id, old_owner_id, decision.owner_id)
            elif decision.owner_id is None:
                kind = "queued"
            else:
                kind = "routing_updated"
            TimelineEntry.objects.create(conversation=conversation, kind=kind, data=data)
            logger.info(
                "routing.routed",
                extra={"conversation": conversation.pk, "kind": kind, "reason": decision.reason},
            )
        if decision.move_private and conversation.is_public:
            if "direct_message" in get_adapter(conversation.channel_account.kind).capabilities:
                _move_to_private(None, conversation, reason="rule")
            else:
                logger.info("routing.move_private.unsupported", extra={"conversation": conversation.pk})
    return RoutingOutcome(
        conversation_id=conversation_id,
        decision=decision,
        rule_set_version=version,
        owner_changed=decision.owner_id != old_owner_id,
    )


def assign_waiting(workspace_id: int, limit: int = 200) -> int:
    """Route open conversations nobody owns (most urgent and oldest first); returns how many got one."""
    ids = list(
        Conversation.objects.filter(
            workspace_id=workspace_id, status__in=Conversation.OPEN_STATUSES, owner__isnull=True
        )
        .order_by("-priority", "created_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    assigned = 0
    for conversation_id in ids:
        outcome = do_route_conversation(conversation_id, trigger="waiting")
        if outcome is not None and outcome.owner_changed:
            assigned += 1
    return assigned


def do_transfer_conversation(
    actor: Agent, conversation: Conversation, to_agent: Agent, *, note: str = ""
) -> None:
    """An explicit hand-over from one owner to another, in the timeline with who did it and why."""
    if to_agent.workspace_id != conversation.workspace_id or actor.workspace_id != conversation.workspace_id:
        raise InvalidInput("agent and conversation belong to different workspaces")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list("owner_id")
        row = locked.first()
        if row is None:
            raise InvalidInput("conversation is gone")
        old_owner_id = row[0]
        if old_owner_id == to_agent.pk:
            raise Conflict(f"{to_agent.display_name} owns this conversation already")
        Conversation.objects.filter(pk=conversation.pk).update(owner_id=to_agent.pk)
        conversation.owner_id = to_agent.pk
        note_assignment(conversation.workspace_id, old_owner_id, to_agent.pk)
        if to_agent.pk != actor.pk:
            Notification.objects.create(
                workspace_id=conversation.workspace_id,
                agent=to_agent,
                kind=Notification.Kind.ASSIGNED,
                conversation=conversation,
                data={"by_agent_id": actor.pk, "by": actor.display_name, "excerpt": note[:140]},
            )
        TimelineEntry.objects.create(
            conversation=conversation,
            actor=actor,
            kind="transferred",
            data={
                "from_agent_id": old_owner_id,
                "to_agent_id": to_agent.pk,
                "reason": "manual",
                "note": note[:500],
            },
        )


def do_transfer_to_team(actor: Agent, conversation: Conversation, team: Team, *, note: str = "") -> None:
    """Hand the conversation to a team: the team is set and the owner cleared, so the team's next free agent
    takes it (routing assigns waiting conversations); in the timeline with who did it and why."""
    if team.workspace_id != conversation.workspace_id or actor.workspace_id != conversation.workspace_id:
        raise InvalidInput("team and conversation belong to different workspaces")
    with transaction.atomic():
        row = (
            Conversation.objects.select_for_update()
            .filter(pk=conversation.pk)
            .values_list("owner_id", "team_id")
        )
        found = row.first()
        if found is None:
            raise InvalidInput("conversation is gone")
        old_owner_id, old_team_id = found
        if old_team_id == team.pk and old_owner_id is None:
            raise Conflict(f"the team {team.name} has this conversation already")
        Conversation.objects.filter(pk=conversation.pk).update(team_id=team.pk, owner_id=None)
        conversation.team_id, conversation.owner_id = team.pk, None
        note_assignment(conversation.workspace_id, old_owner_id, None)
        TimelineEntry.objects.create(
            conversation=conversation,
            actor=actor,
            kind=TimelineEntry.Kind.TRANSFERRED,
            data={
                "from_agent_id": old_owner_id,
                "from_team_id": old_team_id,
                "to_team_id": team.pk,
                "reason": "manual",
                "note": note[:500],
            },
        )
        enqueue(ASSIGN_WAITING_TASK, conversation.workspace_id)


def do_set_priority(actor: Agent, conversation: Conversation, priority: int) -> None:
    if priority not in Conversation.Priority.values:
        raise InvalidInput(f"unknown priority {priority!r}; use one of {Conversation.Priority.values}")
    if actor.workspace_id != conversation.workspace_id:
        raise InvalidInput("conversation belongs to another workspace")
    if conversation.priority == priority:
        return
    with transaction.atomic():
        old = conversation.priority
        Conversation.objects.filter(pk=conversation.pk).update(priority=priority)
        conversation.priority = priority
        TimelineEntry.objects.create(
            conversation=conversation,
            actor=actor,
            kind=TimelineEntry.Kind.PRIORITY_CHANGED,
            data={"from": old, "to": priority},
        )


def acknowledgement_text(conversation: Conversation) -> tuple[str, str]:
    """(language, text) of the public note: English for English conversations, German otherwise."""
    language = latest_labels(conversation.pk).get("language") or conversation.customer.language or "de"
    language = language if language in PRIVATE_ACKNOWLEDGEMENT else "de"
    return language, PRIVATE_ACKNOWLEDGEMENT[language]


def _acknowledging_agent(actor: Agent | None, conversation: Conversation) -> Agent | None:
    if actor is not None:
        return actor
    if conversation.owner_id is not None:
        return Agent.objects.filter(pk=conversation.owner_id).first()
    # A rule moved an unowned conversation: the note goes out in the name of a lead or admin.
    return (
        Agent.objects.filter(workspace_id=conversation.workspace_id, role__in=("admin", "lead"))
        .order_by("id")
        .first()
    )


def _move_to_private(actor: Agent | None, conversation: Conversation, *, reason: str) -> Message | None:
    language, text = acknowledgement_text(conversation)
    author = _acknowledging_agent(actor, conversation)
    acknowledgement = do_send_reply(author, conversation, text, private=False) if author else None
    moved = Conversation.objects.filter(pk=conversation.pk, is_public=True).update(is_public=False)
    conversation.is_public = False
    if moved:
        TimelineEntry.objects.create(
            conversation=conversation,
            actor=actor,
            kind="moved_private",
            data={
                "reason": reason,
                "language": language,
                "acknowledgement_message_id": acknowledgement.pk if acknowledgement else None,
            },
        )
    if author is None:
        logger.warning("routing.move_private.no_author", extra={"conversation": conversation.pk})
    return acknowledgement


def check_can_move_private(conversation: Conversation) -> None:
    if not conversation.is_public:
        raise Conflict("the conversation is private already")
    kind = conversation.channel_account.kind
    if "direct_message" not in get_adapter(kind).capabilities:
        raise InvalidInput(f"{channel_label(kind)} cannot continue a conversation privately")


def do_move_to_private(actor: Agent, conversation: Conversation) -> Message | None:
    """A public conversation continues privately: a short public note goes out, the owner stays."""
    if actor.workspace_id != conversation.workspace_id:
        raise InvalidInput("conversation belongs to another workspace")
    check_can_move_private(conversation)
    with transaction.atomic():
        locked = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("customer", "channel_account")
            .get(pk=conversation.pk)
        )
        if not locked.is_public:
            raise Conflict("the conversation is private already")
        message = _move_to_private(actor, locked, reason="agent")
    conversation.is_public = False
    return message


def do_set_presence(agent: Agent, presence: str) -> None:
    if presence not in Agent.Presence.values:
        raise InvalidInput(f"unknown presence {presence!r}; use one of {', '.join(Agent.Presence.values)}")
    with transaction.atomic():
        Agent.objects.filter(pk=agent.pk).update(presence=presence)
        agent.presence = presence
        if presence == Agent.Presence.ONLINE:
            # Conversations that found nobody wait for the next agent to come online.
            enqueue(ASSIGN_WAITING_TASK, agent.workspace_id)


def _write_version(workspace: Workspace, actor: Agent | None, change: str) -> RuleSetVersion:
    rules = [
        rule_snapshot(r) for r in RoutingRule.objects.filter(workspace=workspace).order_by("position", "id")
    ]
    for _ in range(5):
        latest = RuleSetVersion.objects.filter(workspace=workspace).aggregate(v=Max("version"))["v"] or 0
        try:
            with transaction.atomic():
                return RuleSetVersion.objects.create(
                    workspace=workspace,
                    version=latest + 1,
                    rules=rules,
                    created_by=actor,
                    change=change[:200],
                )
        except IntegrityError:
            continue  # another admin saved at the same moment: take the next number
    raise Conflict("the rules are being changed by someone else; try again")


def check_rule(rule: RoutingRule) -> None:
    for name, team_or_skill in (("team", rule.team), ("skill", rule.skill)):
        if team_or_skill is not None and team_or_skill.workspace_id != rule.workspace_id:
            raise InvalidInput(f"the rule's {name} belongs to another workspace")
    if rule.priority is not None and rule.priority not in RoutingRule.Priority.values:
        raise InvalidInput(f"unknown priority {rule.priority}")


def do_save_routing_rule(actor: Agent | None, rule: RoutingRule) -> RuleSetVersion:
    """Create or change a rule; writes the next version of the workspace's rule set."""
    check_rule(rule)
    with transaction.atomic():
        created = rule.pk is None
        rule.save()
        version = _write_version(
            rule.workspace, actor, f"{'created' if created else 'changed'} rule {rule.pk}: {rule.name}"
        )
        AuditEntry.objects.create(
            workspace_id=rule.workspace_id,
            actor_id=actor.pk if actor else None,
            action="routing.rule_created" if created else "routing.rule_changed",
            object_type="routing_rule",
            object_id=rule.pk,
            data={"version": version.version},
        )
    return version


def do_delete_routing_rule(actor: Agent | None, rule: RoutingRule) -> RuleSetVersion:
    with transaction.atomic():
        rule_id, name, workspace = rule.pk, rule.name, rule.workspace
        rule.delete()
        version = _write_version(workspace, actor, f"deleted rule {rule_id}: {name}")
        AuditEntry.objects.create(
            workspace_id=workspace.pk,
            actor_id=actor.pk if actor else None,
            action="routing.rule_deleted",
            object_type="routing_rule",
            object_id=rule_id,
            data={"version": version.version},
        )
    return version
