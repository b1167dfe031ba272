"""Load the demo workspace through the real paths: agents and channel accounts through the actions, every
customer message through the store-first ingest (`accept_events` → queue → `process_events`), every agent
answer through `do_send_reply` and `do_change_status`.

The story happened in the past, so each batch of messages is accepted, and each answer given, under a clock
set to its time in the story (docs/decisions/0451-demo-loads-under-the-storys-clock.md); nothing is written
behind the actions' back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from resonanz.channels.actions import do_create_channel_account
from resonanz.channels.base import RawEvent
from resonanz.channels.ingest import accept_events
from resonanz.channels.models import ChannelAccount
from resonanz.channels.replies import do_send_reply
from resonanz.channels.settings_actions import do_add_channel_account
from resonanz.conversations.actions import do_change_status
from resonanz.conversations.models import Message
from resonanz.core.errors import InvalidInput
from resonanz.demo import content
from resonanz.demo.community import ensure_community
from resonanz.demo.generate import DEFAULT_SEED, DemoPlan, DemoPost, DemoReply, generate
from resonanz.demo.knowledge import ensure_knowledge_base
from resonanz.routing.actions import do_save_routing_rule
from resonanz.routing.models import RoutingRule
from resonanz.understanding.actions import do_ensure_default_topics
from resonanz.understanding.models import Topic
from resonanz.workspaces.actions import (
    do_create_agent,
    do_create_workspace,
    do_ensure_skill,
    do_ensure_team,
    do_mark_demo_workspace,
)
from resonanz.workspaces.models import Agent, Workspace

logger = logging.getLogger("resonanz.demo")

INGEST_BATCH = 100


@dataclass(frozen=True)
class DemoSummary:
    workspace: Workspace
    agents: int
    accounts: int
    posts: int
    accepted: int
    replies: int


def demo_workspace(slug: str = "") -> Workspace:
    """The workspace to load into: the named one, else the only one, else a new "Netzwelt Kommunikation"."""
    if slug:
        return Workspace.objects.get(slug=slug)
    workspaces = list(Workspace.objects.order_by("id")[:2])
    if len(workspaces) == 1:
        return workspaces[0]
    if len(workspaces) > 1:
        named = Workspace.objects.filter(name=content.WORKSPACE_NAME).order_by("id").first()
        if named is not None:
            return named
        raise Workspace.MultipleObjectsReturned("several workspaces exist: name one")
    return do_create_workspace(content.WORKSPACE_NAME)


def has_messages(workspace: Workspace) -> bool:
    return Message.objects.filter(workspace=workspace).exists()


def ensure_agents(workspace: Workspace, password: str = content.DEMO_PASSWORD) -> dict[str, Agent]:
    if not (workspace.settings or {}).get("demo"):
        own = Agent.objects.filter(workspace=workspace).exclude(
            user__username__in=[a.username for a in content.AGENTS]
        )
        if own.exists():
            # The demo's agents (one an admin) log in with a password printed in the README.
            raise InvalidInput(
                _(
                    "Der Arbeitsbereich „%(name)s“ hat eigene Servicekräfte: Laden Sie die Demo in einen eigenen Arbeitsbereich (resonanz init --workspace 'Demo', dann resonanz demo --workspace demo)"
                )
                % {"name": workspace.name}
            )
    do_mark_demo_workspace(workspace)
    teams = {name: do_ensure_team(workspace, name) for name in content.TEAMS}
    skills = {name: do_ensure_skill(workspace, name) for name in content.SKILLS}
    existing = {a.user.username: a for a in Agent.objects.filter(workspace=workspace).select_related("user")}
    taken = set(
        get_user_model()
        .objects.filter(username__in=[a.username for a in content.AGENTS])
        .values_list("username", flat=True)
    )
    agents: dict[str, Agent] = {}
    for spec in content.AGENTS:
        if spec.username in existing:
            agents[spec.username] = existing[spec.username]
            continue
        if spec.username in taken:  # a login of another workspace: leave it alone
            logger.warning("demo.agent.taken", extra={"username": spec.username})
            continue
        agents[spec.username] = do_create_agent(
            workspace,
            username=spec.username,
            password=password,
            display_name=spec.display_name,
            email=f"{spec.username}@netzwelt.example",
            role=spec.role,
            teams=[teams[name] for name in spec.teams],
            skills=[skills[name] for name in spec.skills],
            languages=list(spec.languages),
            capacity=spec.capacity,
            presence=spec.presence,
        )
    return agents


def ensure_channel_accounts(workspace: Workspace) -> dict[str, ChannelAccount]:
    """One fake channel account per imitated platform, keyed by the imitated kind."""
    existing = {a.name: a for a in ChannelAccount.objects.filter(workspace=workspace, kind="fake")}
    accounts: dict[str, ChannelAccount] = {}
    for spec in content.CHANNELS:
        account = existing.get(spec.name) or do_create_channel_account(
            workspace,
            kind="fake",
            name=spec.name,
            config={"imitates": spec.imitates},
            is_public=spec.is_public,
        )
        accounts[spec.imitates] = account
    return accounts


def ensure_app_channel(workspace: Workspace) -> ChannelAccount:
    """A real app channel account (the widget), so /widget-demo/ works after `make demo`."""
    existing = ChannelAccount.objects.filter(workspace=workspace, kind="app").order_by("pk").first()
    if existing is not None:
        return existing
    return do_add_channel_account(
        workspace,
        kind="app",
        name=content.APP_CHANNEL_NAME,
        values={"allow_anonymous": True, "allowed_origins": []},
        actor=None,
    )


def ensure_routing_rules(workspace: Workspace) -> int:
    """The demo's routing rules, on the default topics' real slugs; only into a workspace without rules (an
    admin's own rules are never replaced). Returns how many were written."""
    if RoutingRule.objects.filter(workspace=workspace).exists():
        return 0
    known = set(Topic.objects.filter(workspace=workspace).values_list("slug", flat=True))
    teams = {t.name: t for t in workspace.teams.all()}
    skills = {s.name: s for s in workspace.skills.all()}
    written = 0
    for position, spec in enumerate(content.ROUTING_RULES, start=1):
        unknown = {slug for slug in spec.topics.split(",") if slug} - known
        if unknown:  # a taxonomy without these topics: leave the rule out rather than write a dead one
            logger.warning("demo.rule.unknown_topics", extra={"rule": spec.name, "topics": sorted(unknown)})
            continue
        do_save_routing_rule(
            None,
            RoutingRule(
                workspace=workspace,
                name=spec.name,
                position=position * 10,
                topics=spec.topics,
                languages=spec.languages,
                team=teams.get(spec.team),
                skill=skills.get(spec.skill),
                priority=spec.priority,
                stop=spec.stop,
            ),
        )
        written += 1
    return written


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Let `timezone.now()` answer ``moment`` while an action runs (single-threaded CLI use only)."""
    original = timezone.now
    timezone.now = lambda: moment  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = original  # type: ignore[assignment]


def load_demo(
    workspace: Workspace,
    *,
    end: dt.datetime | None = None,
    seed: int = DEFAULT_SEED,
    progress: Callable[[int], object] | None = None,
    plan: DemoPlan | None = None,
) -> DemoSummary:
    """Load agents, channel accounts, the customers' messages and the agents' answers. Safe to run twice:
    events are idempotent on their ids and an answer already given is not given again."""
    end = end or timezone.now()
    plan = plan or generate(end, seed)
    do_ensure_default_topics(workspace)  # the contact reasons the annotators and routing sort by
    agents = ensure_agents(workspace)
    accounts = ensure_channel_accounts(workspace)
    ensure_app_channel(workspace)
    ensure_routing_rules(workspace)
    ensure_knowledge_base(workspace)  # the help centre and agents' suggestions have articles from the start
    ensure_community(workspace, agents)  # a forum with questions, answers, votes, an official answer
    ensure_maintenance_announcement(workspace, agents, end)
    accepted = 0
    replies = 0
    batch: list[DemoPost] = []

    def flush() -> None:
        nonlocal accepted
        if not batch:
            return
        account = accounts[batch[0].channel]
        # Received when written: the stored times (and timeline entries) tell the story's clock.
        with clock_at(batch[-1].at):
            result = accept_events(
                account, [RawEvent(p.event["id"], p.event, event_type="message") for p in batch]
            )
        accepted += result.accepted
        if progress:
            progress(len(batch))
        batch.clear()

    for item in plan.timeline():
        if isinstance(item, DemoPost):
            if batch and (batch[0].channel != item.channel or len(batch) >= INGEST_BATCH):
                flush()
            batch.append(item)
            continue
        flush()
        replies += _answer(item, accounts, agents)
        if progress:
            progress(1)
    flush()
    confirm_outage(workspace, agents, end)
    return DemoSummary(
        workspace=workspace,
        agents=len(agents),
        accounts=len(accounts),
        posts=len(plan.posts),
        accepted=accepted,
        replies=replies,
    )


MAINTENANCE_TITLE = "Wartungsarbeiten in Leipzig und Dresden"


def ensure_maintenance_announcement(workspace: Workspace, agents: dict[str, Agent], end: dt.datetime) -> None:
    """The maintenance window of the story, announced a day and a half before the end: its questions are
    answered, not mistaken for an outage."""
    from resonanz.incidents.actions import do_create_announcement
    from resonanz.incidents.models import Announcement

    if Announcement.objects.filter(workspace=workspace, title=MAINTENANCE_TITLE).exists():
        return
    local = timezone.localtime(end)
    tonight = local.replace(hour=1, minute=0, second=0, microsecond=0)
    if tonight <= local:
        tonight += dt.timedelta(days=1)
    lead = agents.get("felix") or next(iter(agents.values()))
    with clock_at(end - dt.timedelta(hours=36)):
        do_create_announcement(
            lead,
            kind="maintenance",
            title=MAINTENANCE_TITLE,
            public_text="Heute Nacht zwischen 01:00 und 05:00 Uhr warten wir unser Netz in Leipzig und Dresden. "
            "Internet und Festnetz sind dabei für etwa 20 Minuten unterbrochen; am Router ist nichts zu tun.",
            regions=["Leipzig", "Dresden"],
            starts_at=tonight,
            ends_at=tonight + dt.timedelta(hours=4),
        )


def confirm_outage(workspace: Workspace, agents: dict[str, Agent], end: dt.datetime) -> None:
    """The detector suggested the Köln outage while the story was loaded; the technicians' lead confirmed
    it, named it and wrote the first update (shown on the status page; the agents answered each customer already)."""
    from resonanz.incidents.actions import do_confirm_incident, do_post_incident_update, do_rename_incident
    from resonanz.incidents.models import Incident

    incident = (
        Incident.objects.filter(workspace=workspace, status=Incident.Status.SUGGESTED, cities__has_key="Köln")
        .order_by("id")
        .first()
    )
    lead = agents.get("felix")
    if incident is None or lead is None:
        return
    with clock_at(end - dt.timedelta(minutes=90)):
        do_confirm_incident(lead, incident)
        # The detector named it after a customer's message; the lead gives it a name for the team and one
        # for the status page.
        do_rename_incident(
            lead,
            incident,
            title="Köln: Internet und Festnetz ausgefallen (Kabelschaden)",
            public_title="Störung Internet und Festnetz in Teilen von Köln",
        )
        do_post_incident_update(
            lead,
            incident,
            "identified",
            "Wir haben eine Störung in Teilen von Köln: Internet und Festnetz sind ausgefallen. Ein Bautrupp hat "
            "ein Kabel beschädigt, unsere Technik ist vor Ort.",
            notify=False,
        )


def _answer(reply: DemoReply, accounts: dict[str, ChannelAccount], agents: dict[str, Agent]) -> int:
    agent = agents.get(reply.agent)
    target = (
        Message.objects.filter(channel_account=accounts[reply.channel], external_id=reply.to)
        .select_related("conversation")
        .first()
    )
    if agent is None or target is None:
        return 0
    conversation = target.conversation
    with clock_at(reply.at):
        sent = 0
        already = Message.objects.filter(
            conversation=conversation, direction=Message.Direction.OUTBOUND, text=reply.text
        ).exists()
        if reply.text and not already:
            do_send_reply(agent, conversation, reply.text)
            sent = 1
        if reply.status:
            conversation.refresh_from_db(fields=["status"])
            do_change_status(agent, conversation, reply.status)
    return sent


def live_event(post: DemoPost, number: int) -> RawEvent:
    """A demo post as a new live message: a fresh id, written now, answering nothing (the conversation it
    answered belongs to another run)."""
    event = {k: v for k, v in post.event.items() if k not in ("created_at", "reply_to")}
    event["id"] = f"live-{int(timezone.now().timestamp())}-{number}"
    return RawEvent(external_id=str(event["id"]), payload=event, event_type="message")


def push_live_post(accounts: dict[str, ChannelAccount], post: DemoPost, number: int) -> int:
    """Push one live demo message through the real store-first path; returns how many were accepted."""
    account = accounts.get(post.channel)
    if account is None:
        return 0
    return accept_events(account, [live_event(post, number)]).accepted
