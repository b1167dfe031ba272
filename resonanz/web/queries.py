"""Reads for the agent UI, every one scoped to the agent's workspace and built on the domain apps' access
functions. Fixed query counts: the inbox costs the same number of queries for 5 rows or 50."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from resonanz.channels.models import ChannelAccount
from resonanz.conversations.access import conversations_for
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.understanding.access import latest_label_subquery
from resonanz.workspaces.models import Agent, Team
from resonanz.workspaces.permissions import has_perm

# Annotators whose latest label the inbox shows, if the understanding step has run.
SHOWN_ANNOTATORS = ("sentiment", "topic")
STATUS_FILTERS = ("open", "mine", "new", "pending", "solved", "closed", "all", "noise")


@dataclass(frozen=True)
class InboxFilter:
    status: str = "open"
    channel_id: int | None = None
    team_id: int | None = None
    text: str = ""
    view: str = ""  # one of resonanz.web.inbox_filters.VIEWS
    topic: str = ""

    @classmethod
    def from_query(cls, params: dict[str, str]) -> InboxFilter:
        status = params.get("status", "open")
        return cls(
            status=status if status in STATUS_FILTERS else "open",
            channel_id=_int_or_none(params.get("channel")),
            team_id=_int_or_none(params.get("team")),
            text=" ".join(params.get("q", "").split())[:200],
            view=params.get("view", "")[:20],
            topic=params.get("topic", "")[:80],
        )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def inbox_conversations(agent: Agent, selection: InboxFilter) -> QuerySet[Conversation]:
    """The inbox rows: conversation, customer, channel, owner, team, the newest message's text and the
    newest sentiment/topic labels, in one query."""
    queryset = conversations_for(agent).select_related("customer", "channel_account", "owner", "team")
    # Listening posts judged not about us are only in the "noise" view (open ones).
    if selection.status == "noise":
        queryset = queryset.filter(is_noise=True, status__in=Conversation.OPEN_STATUSES)
    else:
        queryset = queryset.filter(is_noise=False)
    if selection.status == "open":
        queryset = queryset.filter(status__in=Conversation.OPEN_STATUSES)
    elif selection.status == "mine":
        queryset = queryset.filter(owner=agent, status__in=Conversation.OPEN_STATUSES)
    elif selection.status in Conversation.Status.values:
        queryset = queryset.filter(status=selection.status)
    if selection.channel_id is not None:
        queryset = queryset.filter(channel_account_id=selection.channel_id)
    if selection.team_id is not None:
        queryset = queryset.filter(team_id=selection.team_id)
    if selection.view:
        from resonanz.web.inbox_filters import apply_view

        queryset = apply_view(queryset, agent, selection.view)
    if selection.text:
        from resonanz.customers.models import Identity
        from resonanz.web.search import conversations_with_message_matching

        handles = Identity.objects.filter(
            customer_id=OuterRef("customer_id"), handle__icontains=selection.text
        )
        queryset = queryset.filter(
            Q(subject__icontains=selection.text)
            | Q(customer__display_name__icontains=selection.text)
            | Q(customer__email__icontains=selection.text)
            | Exists(handles)
            | conversations_with_message_matching(selection.text)
        )
    last_text = Subquery(
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(visibility=Message.Visibility.NOTE)
        .order_by("-created_at", "-id")
        .values("text")[:1]
    )
    queryset = queryset.annotate(
        last_text=last_text, **{f"{name}_label": latest_label_subquery(name) for name in SHOWN_ANNOTATORS}
    )
    if selection.topic:
        queryset = queryset.filter(**{"topic_label": selection.topic})  # the annotation above
    return queryset.order_by("-last_message_at", "-id")


def status_counts(agent: Agent) -> dict[str, int]:
    counts = dict.fromkeys(Conversation.Status.values, 0)
    counts["noise"] = 0
    rows = conversations_for(agent).values("status", "is_noise").annotate(n=Count("id")).order_by()
    for row in rows:
        if row["is_noise"]:
            if row["status"] in Conversation.OPEN_STATUSES:
                counts["noise"] += row["n"]
        else:
            counts[row["status"]] += row["n"]
    counts["open"] = sum(counts[s] for s in Conversation.OPEN_STATUSES)
    counts["all"] = sum(counts[s] for s in Conversation.Status.values)
    return counts


def channel_accounts_of(agent: Agent) -> list[ChannelAccount]:
    return list(ChannelAccount.objects.filter(workspace_id=agent.workspace_id).order_by("name"))


def fake_channel_accounts_of(agent: Agent) -> list[ChannelAccount]:
    return [account for account in channel_accounts_of(agent) if account.kind == "fake"]


def teams_of(agent: Agent) -> list[Team]:
    return list(Team.objects.filter(workspace_id=agent.workspace_id).order_by("name"))


def thread_of(conversation: Conversation) -> list[Message]:
    """The conversation's messages with their author, delivery and attachments (two queries); the labels come
    from `resonanz.understanding.access.labels_for` (one more)."""
    return list(
        conversation.messages.select_related("author_identity", "author_agent", "delivery")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def other_conversations_of(conversation: Conversation, limit: int = 6) -> list[Conversation]:
    return list(
        Conversation.objects.filter(
            workspace_id=conversation.workspace_id, customer_id=conversation.customer_id
        )
        .exclude(pk=conversation.pk)
        .select_related("channel_account")
        .order_by("-last_message_at")[:limit]
    )


def timeline_of(conversation: Conversation, limit: int = 12) -> list[TimelineEntry]:
    return list(conversation.timeline.select_related("actor").order_by("-created_at", "-id")[:limit])


def labels_of(message: Message) -> dict[str, str]:
    """The newest label per shown annotator on one (prefetched) message."""
    labels: dict[str, str] = {}
    # An agent's correction wins over any model version (sorted last).
    for annotation in sorted(message.annotations.all(), key=lambda a: (a.version == "agent", a.created_at)):
        if annotation.annotator in (*SHOWN_ANNOTATORS, "relevance") and annotation.label:
            labels[annotation.annotator] = annotation.label
    return labels


def is_admin(agent: Agent) -> bool:
    return has_perm(agent, "settings.manage")
