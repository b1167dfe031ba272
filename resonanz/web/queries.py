"""Reads for the agent UI, every one scoped to the agent's workspace and built on the domain apps' access
functions. Fixed query counts: the inbox costs the same number of queries for 5 rows or 50."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

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


def _filtered(agent: Agent, selection: InboxFilter) -> QuerySet[Conversation]:
    """The conversations the selection shows, without the row columns and without order."""
    queryset = conversations_for(agent)
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
        from resonanz.web.search import matching_conversation_ids

        queryset = queryset.filter(pk__in=matching_conversation_ids(agent, selection.text))
    if selection.topic:
        queryset = queryset.annotate(topic_label=latest_label_subquery("topic")).filter(
            topic_label=selection.topic
        )
    return queryset


# The columns a row shows (templatetags/inbox.py): the others are deferred, a conversation, customer, channel
# account, agent and team with all their columns cost ~1 ms more of a page (decision 0854).
ROW_FIELDS = (
    "id",
    "subject",
    "status",
    "priority",
    "is_public",
    "last_message_at",
    "message_count",
    "customer",
    "customer__display_name",
    "customer__is_vip",
    "customer__city",
    "channel_account",
    "channel_account__kind",
    "channel_account__config",
    "owner",
    "owner__display_name",
    "owner__initials",
    "team",
    "team__name",
)


def _with_row_columns(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    last_text = Subquery(
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(visibility=Message.Visibility.NOTE)
        .order_by("-created_at", "-id")
        .values("text")[:1]
    )
    return (
        queryset.select_related("customer", "channel_account", "owner", "team")
        .only(*ROW_FIELDS)
        .annotate(
            last_text=last_text, **{f"{name}_label": latest_label_subquery(name) for name in SHOWN_ANNOTATORS}
        )
    )


def inbox_conversations(agent: Agent, selection: InboxFilter) -> QuerySet[Conversation]:
    """The inbox rows: conversation, customer, channel, owner, team, the newest message's text and the
    newest sentiment/topic labels, in one query. Slice it: the row columns cost per row."""
    return _with_row_columns(_filtered(agent, selection)).order_by("-last_message_at", "-id")


@dataclass
class InboxPage:
    """One page of the inbox without counting all its rows (a COUNT over 100,000 conversations costs more
    than the page): ``has_next`` comes from reading one row more than shown. ``total`` is exact when the
    last page is shown, else None ("more than ``end``")."""

    rows: list[Conversation]
    number: int
    size: int
    has_next: bool

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def end(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)

    @property
    def total(self) -> int | None:
        return None if self.has_next else self.end

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


# Deeper pages are reached by narrowing the filters or the search, not by paging (OFFSET reads them all).
MAX_PAGE = 200


def inbox_page(agent: Agent, selection: InboxFilter, page: str | None, size: int) -> InboxPage:
    """One page of inbox rows in two queries whose cost follows the page, not the table: the page's ids
    (an index walk in the inbox order with LIMIT, no row columns), then those rows with their columns."""
    try:
        number = min(max(int(page or 1), 1), MAX_PAGE)
    except ValueError:
        number = 1
    offset = (number - 1) * size
    ids = list(
        _filtered(agent, selection)
        .order_by("-last_message_at", "-id")
        .values_list("pk", flat=True)[offset : offset + size + 1]
    )
    if not ids and number > 1:  # past the end (an old link): the first page, as Paginator.get_page did
        return inbox_page(agent, selection, "1", size)
    shown = ids[:size]
    rows = {c.pk: c for c in _with_row_columns(Conversation.objects.filter(pk__in=shown))}
    return InboxPage(
        rows=[rows[pk] for pk in shown if pk in rows], number=number, size=size, has_next=len(ids) > size
    )


def status_counts(agent: Agent) -> dict[str, int]:
    """Conversations per status filter (up to inbox_filters.COUNT_CAP + 1 each), in one query."""
    from resonanz.web.inbox_filters import status_counts as counted

    return counted(agent)


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
    """The customer's other conversations, newest first: the page links them with subject and status only
    (the rest deferred: a conversation instance of every column cost as much as the query)."""
    return list(
        Conversation.objects.filter(
            workspace_id=conversation.workspace_id, customer_id=conversation.customer_id
        )
        .exclude(pk=conversation.pk)
        .only("pk", "subject", "status")
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
