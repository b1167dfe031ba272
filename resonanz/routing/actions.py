"""Writes of the routing domain: route a conversation, transfer it, move it to private, edit rules,
set an agent's presence. Each does its write, its timeline or audit entry and its enqueue together."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Max
from django.utils.translation import gettext

from resonanz.channels.registry import channel_label, get_adapter
from resonanz.channels.replies import do_send_reply
from resonanz.conversations.actions import sla_fields
from resonanz.conversations.models import Conversation, Message, Notification, TimelineEntry
from resonanz.core.errors import Conflict, InvalidInput
from resonanz.core.models import AuditEntry
from resonanz.core.queue import enqueue
from resonanz.routing import engine
from resonanz.routing.engine import Decision
from resonanz.routing.models import RoutingRule, RuleSetVersion
from resonanz.routing.snapshots import (
    agent_rows,
    agent_snapshots,
    conversation_facts,
    latest_labels,
    latest_labels_of,
    note_assignment,
    open_count_of,
    open_counts_of,
    rule_snapshot,
    rules_in_force,
)
from resonanz.understanding.conversation_labels import topic_rows_of
from resonanz.workspaces.models import Agent, Team, Workspace

logger = logging.getLogger("resonanz.routing")

ASSIGN_WAITING_TASK = "routing.assign_waiting"
# Conversations routed in one transaction by the waiting sweep (after ingest: the task's batch).
ROUTE_BATCH = 20

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


@dataclass
class _Plan:
    """One conversation of a batch on its way from the decision to the writes."""

    conversation: Conversation
    decision: Decision
    version: int
    owner_changed: bool = False


def _lock_for_claims(plans: list[_Plan]) -> tuple[dict[int, tuple[str, int]], dict[int, int]]:
    """Lock every agent a balancing decision of the batch chose, in one statement in id order, and count
    their open conversations exactly: ({agent id: (presence, capacity)}, {agent id: open count}).

    The locks are taken once, in id order, while the batch holds no other agent lock: two workers
    routing batches at the same moment queue here and never deadlock; the second sees the first's
    assignments in the counts."""
    chosen = sorted(
        {plan.decision.owner_id for plan in plans if plan.decision.candidates and plan.decision.owner_id}
    )
    if not chosen:
        return {}, {}
    locked = {
        agent_id: (presence, capacity)
        for agent_id, presence, capacity in Agent.objects.select_for_update()
        .filter(pk__in=chosen)
        .order_by("pk")
        .values_list("id", "presence", "capacity")
    }
    return locked, open_counts_of(sorted(locked))


def _lock_one_more(agent_id: int) -> tuple[str, int, int] | None:
    """A fallback candidate outside the batch's locks: locked only if no one holds it (never waits, so
    no deadlock), with its exact open count; None if held or gone."""
    row = (
        Agent.objects.select_for_update(skip_locked=True)
        .filter(pk=agent_id)
        .values_list("presence", "capacity")
        .first()
    )
    if row is None:
        return None
    return row[0], row[1], open_count_of(agent_id)


def _claim_in_order(plans: list[_Plan]) -> None:
    """Check each balancing decision's agent under the agents' locks, in the batch's order: the first
    candidate still online and below capacity (counting the batch's own assignments) takes it; if none
    can, the owner keeps it or it waits."""
    locked, counts = _lock_for_claims(plans)
    for plan in plans:
        decision, conversation = plan.decision, plan.conversation
        if decision.candidates:
            claimed: int | None = None
            for agent_id in decision.candidates:
                if agent_id not in locked:
                    extra = _lock_one_more(agent_id)
                    if extra is None:
                        continue
                    locked[agent_id] = (extra[0], extra[1])
                    counts[agent_id] = extra[2]
                presence, capacity = locked[agent_id]
                if presence in engine.ASSIGNABLE_PRESENCES and counts.get(agent_id, 0) < capacity:
                    claimed = agent_id
                    break
            if claimed is None:
                fallback = conversation.owner_id
                reason = engine.REASON_KEPT_NO_AGENT if fallback else engine.REASON_NO_AGENT
                plan.decision = replace(decision, owner_id=fallback, reason=reason, candidates=())
            elif claimed != decision.owner_id:
                plan.decision = replace(decision, owner_id=claimed)
        owner_id = plan.decision.owner_id
        if owner_id != conversation.owner_id:
            if owner_id in counts:
                counts[owner_id] += 1
            if conversation.owner_id in counts:
                counts[conversation.owner_id] -= 1


def do_route_conversation(conversation_id: int, *, trigger: str = "message") -> RoutingOutcome | None:
    """Apply the rules in force to one open conversation: sticky owner, else balancing; team and priority.
    (One conversation of `do_route_conversations`.)"""
    outcomes = do_route_conversations([conversation_id], trigger=trigger)
    return outcomes[0] if outcomes else None


def do_route_conversations(
    conversation_ids: Sequence[int], *, trigger: str = "message"
) -> list[RoutingOutcome]:
    """Route a batch of conversations in one transaction (decision 0832): sticky owner, else balancing;
    team and priority; one outcome per open conversation routed, in id order.

    Reads are one query each for the whole batch (the conversations, their labels, the customers' other
    conversations by topic, the agents); decisions are made in order as if one by one (each sees the
    workloads the earlier ones added); the balancing ones are then checked under the chosen agents' locks;
    writes are one UPDATE per outcome group (one per conversation when its priority, and so its SLA clock,
    changes) and one insert of timeline entries.

    Safe to run twice and in parallel: the conversations' rows are locked (in id order) for the whole
    batch, so a second worker waits and then sees the owners the first one set (and keeps them by
    stickiness); agents are locked once, in id order, before any capacity is counted."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return []
    with transaction.atomic():
        conversations = [
            c
            for c in Conversation.objects.select_for_update(of=("self",))
            .select_related("customer", "channel_account", "workspace")
            .filter(pk__in=ids)
            .order_by("pk")
            if c.status in Conversation.OPEN_STATUSES and not c.is_noise  # noise is nobody's work
        ]
        if not conversations:
            return []
        plans = _decide_in_order(conversations)
        _claim_in_order(plans)
        _write(plans, trigger)
    return [
        RoutingOutcome(
            conversation_id=plan.conversation.pk,
            decision=plan.decision,
            rule_set_version=plan.version,
            owner_changed=plan.owner_changed,
        )
        for plan in plans
    ]


def _update_each(rows: list[tuple[int, dict[str, Any]]]) -> None:
    """One UPDATE … WHERE id = %s per conversation with its own values, sent as one executemany per set
    of columns (a conversation's SLA clocks are its own, so the rows cannot share one UPDATE). The same
    statement `QuerySet.update` writes, without compiling it once per row (decision 0834)."""
    meta = Conversation._meta
    quote = connection.ops.quote_name
    groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for pk, values in rows:
        groups.setdefault(tuple(sorted(values)), []).append((pk, values))
    with connection.cursor() as cursor:
        for names, group in groups.items():
            fields = [cast("Field[Any, Any]", meta.get_field(name)) for name in names]
            assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
            cursor.executemany(
                f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",  # noqa: S608 - column names; values are parameters
                [
                    [
                        field.get_db_prep_save(values[name], connection)
                        for field, name in zip(fields, names, strict=True)
                    ]
                    + [pk]
                    for pk, values in group
                ],
            )


def _decide_in_order(conversations: list[Conversation]) -> list[_Plan]:
    """The engine's decision for each conversation, in order; each sees the workloads and the topic
    owners the earlier decisions of the batch made."""
    labels = latest_labels_of([c.pk for c in conversations])
    unowned_customers = sorted({c.customer_id for c in conversations if c.owner_id is None})
    topic_rows = topic_rows_of(unowned_customers)
    by_workspace: dict[int, tuple[int, tuple[engine.Rule, ...], list[engine.AgentSnapshot]]] = {}
    added: dict[int, int] = {}  # open conversations the batch gave (+) or took (−) per agent
    plans: list[_Plan] = []
    for conversation in conversations:
        workspace_id = conversation.workspace_id
        if workspace_id not in by_workspace:
            marker = conversation.workspace.created_at
            version, rules = rules_in_force(workspace_id, marker)
            by_workspace[workspace_id] = (
                version,
                rules,
                agent_snapshots(workspace_id, marker, agent_rows(workspace_id)),
            )
        version, rules, snapshots = by_workspace[workspace_id]
        agents = [
            replace(agent, open_count=agent.open_count + added[agent.id]) if added.get(agent.id) else agent
            for agent in snapshots
        ]
        facts = conversation_facts(
            conversation, labels[conversation.pk], topic_rows.get(conversation.customer_id, [])
        )
        decision = engine.decide(facts, rules, agents)
        plans.append(_Plan(conversation, decision, version))
        if decision.owner_id != conversation.owner_id:
            if decision.owner_id is not None:
                added[decision.owner_id] = added.get(decision.owner_id, 0) + 1
            if conversation.owner_id is not None:
                added[conversation.owner_id] = added.get(conversation.owner_id, 0) - 1
            if decision.owner_id is not None and facts.topic:
                # The customer's next conversation on this topic in the batch follows this owner.
                rows = topic_rows.setdefault(conversation.customer_id, [])
                rows.insert(0, (conversation.pk, decision.owner_id, facts.topic))
    return plans


def _write(plans: list[_Plan], trigger: str) -> None:
    """Owner, team and priority (with the SLA clocks a new priority sets), the timeline entries, the cached
    workloads; then the rules' moves to private."""
    grouped: dict[tuple[tuple[str, object], ...], list[int]] = {}
    each: list[tuple[int, dict[str, Any]]] = []  # conversations whose new priority sets their SLA clocks
    sla_targets: dict[tuple[int, str, int], Any] = {}
    timeline: list[TimelineEntry] = []
    for plan in plans:
        conversation, decision = plan.conversation, plan.decision
        old_owner_id = conversation.owner_id
        plan.owner_changed = decision.owner_id != old_owner_id
        updates: dict[str, object] = {}
        if decision.owner_id != old_owner_id:
            updates["owner_id"] = decision.owner_id
        if decision.team_id != conversation.team_id:
            updates["team_id"] = decision.team_id
        if decision.priority != conversation.priority:
            updates["priority"] = decision.priority
        if not updates:
            continue
        for name, value in updates.items():
            setattr(conversation, name, value)
        if "priority" in updates:
            clocks = sla_fields(conversation, sla_targets)  # SLA targets depend on the priority
            for name, value in clocks.items():
                setattr(conversation, name, value)
            each.append((conversation.pk, {**updates, **clocks}))
        else:
            grouped.setdefault(tuple(sorted(updates.items())), []).append(conversation.pk)
        if "owner_id" in updates:
            kind = TimelineEntry.Kind.ASSIGNED if old_owner_id is None else TimelineEntry.Kind.TRANSFERRED
            note_assignment(conversation.workspace_id, old_owner_id, decision.owner_id)
        elif decision.owner_id is None:
            kind = TimelineEntry.Kind.QUEUED
        else:
            kind = TimelineEntry.Kind.ROUTING_UPDATED
        timeline.append(
            TimelineEntry(
                conversation=conversation,
                kind=kind,
                data={
                    "from_agent_id": old_owner_id,
                    "to_agent_id": decision.owner_id,
                    "team_id": decision.team_id,
                    "priority": decision.priority,
                    "reason": decision.reason,
                    "rule_set_version": plan.version,
                    "rule_ids": list(decision.matched_rule_ids),
                    "trigger": trigger,
                },
            )
        )
        logger.info(
            "routing.routed",
            extra={"conversation": conversation.pk, "kind": kind.value, "reason": decision.reason},
        )
    for fields, conversation_ids in grouped.items():
        Conversation.objects.filter(pk__in=conversation_ids).update(**dict(fields))
    if each:
        _update_each(each)
    if timeline:
        TimelineEntry.objects.bulk_create(timeline)
    for plan in plans:
        conversation = plan.conversation
        if plan.decision.move_private and conversation.is_public:
            if "direct_message" in get_adapter(conversation.channel_account.kind).capabilities:
                _move_to_private(None, conversation, reason="rule")
            else:
                logger.info("routing.move_private.unsupported", extra={"conversation": conversation.pk})


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
    for start in range(0, len(ids), ROUTE_BATCH):
        outcomes = do_route_conversations(ids[start : start + ROUTE_BATCH], trigger="waiting")
        assigned += sum(1 for outcome in outcomes if outcome.owner_changed)
    return assigned


def do_transfer_conversation(
    actor: Agent, conversation: Conversation, to_agent: Agent, *, note: str = ""
) -> None:
    """An explicit hand-over from one owner to another, in the timeline with who did it and why."""
    if to_agent.workspace_id != conversation.workspace_id or actor.workspace_id != conversation.workspace_id:
        raise InvalidInput(gettext("Servicekraft und Gespräch gehören zu verschiedenen Arbeitsbereichen"))
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list("owner_id")
        row = locked.first()
        if row is None:
            raise InvalidInput(gettext("Das Gespräch gibt es nicht mehr"))
        old_owner_id = row[0]
        if old_owner_id == to_agent.pk:
            raise Conflict(gettext("%(name)s hat dieses Gespräch schon") % {"name": to_agent.display_name})
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
        raise InvalidInput(gettext("Team und Gespräch gehören zu verschiedenen Arbeitsbereichen"))
    with transaction.atomic():
        row = (
            Conversation.objects.select_for_update()
            .filter(pk=conversation.pk)
            .values_list("owner_id", "team_id")
        )
        found = row.first()
        if found is None:
            raise InvalidInput(gettext("Das Gespräch gibt es nicht mehr"))
        old_owner_id, old_team_id = found
        if old_team_id == team.pk and old_owner_id is None:
            raise Conflict(gettext("Das Team %(name)s hat dieses Gespräch schon") % {"name": team.name})
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
        raise InvalidInput(
            gettext("Unbekannte Priorität „%(priority)s“; erlaubt sind %(priorities)s")
            % {"priority": priority, "priorities": Conversation.Priority.values}
        )
    if actor.workspace_id != conversation.workspace_id:
        raise InvalidInput(gettext("Das Gespräch gehört zu einem anderen Arbeitsbereich"))
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
        raise Conflict(gettext("Das Gespräch ist schon privat"))
    kind = conversation.channel_account.kind
    if "direct_message" not in get_adapter(kind).capabilities:
        raise InvalidInput(
            gettext("%(channel)s kann ein Gespräch nicht privat fortsetzen")
            % {"channel": channel_label(kind)}
        )


def do_move_to_private(actor: Agent, conversation: Conversation) -> Message | None:
    """A public conversation continues privately: a short public note goes out, the owner stays."""
    if actor.workspace_id != conversation.workspace_id:
        raise InvalidInput(gettext("Das Gespräch gehört zu einem anderen Arbeitsbereich"))
    check_can_move_private(conversation)
    with transaction.atomic():
        locked = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("customer", "channel_account")
            .get(pk=conversation.pk)
        )
        if not locked.is_public:
            raise Conflict(gettext("Das Gespräch ist schon privat"))
        message = _move_to_private(actor, locked, reason="agent")
    conversation.is_public = False
    return message


def do_set_presence(agent: Agent, presence: str) -> None:
    if presence not in Agent.Presence.values:
        raise InvalidInput(
            gettext("Unbekannte Anwesenheit „%(presence)s“; erlaubt sind %(presences)s")
            % {"presence": presence, "presences": ", ".join(Agent.Presence.values)}
        )
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
    raise Conflict(
        gettext("Die Regeln werden gerade von jemand anderem geändert; bitte noch einmal versuchen")
    )


def check_rule(rule: RoutingRule) -> None:
    for name, team_or_skill in (("team", rule.team), ("skill", rule.skill)):
        if team_or_skill is not None and team_or_skill.workspace_id != rule.workspace_id:
            raise InvalidInput(
                gettext("%(name)s der Regel gehört zu einem anderen Arbeitsbereich") % {"name": name}
            )
    if rule.priority is not None and rule.priority not in RoutingRule.Priority.values:
        raise InvalidInput(gettext("Unbekannte Priorität %(priority)s") % {"priority": rule.priority})


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
