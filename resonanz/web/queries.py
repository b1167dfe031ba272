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


@dataclass(frozen=True, slots=True)
class RowCustomer:
    pk: int
    display_name: str
    is_vip: bool
    city: str


@dataclass(frozen=True, slots=True)
class RowAgent:
    pk: int
    display_name: str
    initials: str


@dataclass(frozen=True, slots=True)
class RowTeam:
    pk: int
    name: str


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One inbox row: the columns templatetags/inbox.py shows, read as values (decision 0857) — a model
    instance per conversation, customer, owner and team, with their deferred columns, cost three times as
    much as reading the same values."""

    pk: int
    subject: str
    status: str
    priority: int
    is_public: bool
    last_message_at: Any
    message_count: int
    customer: RowCustomer
    channel_account: ChannelAccount | None
    owner: RowAgent | None
    team: RowTeam | None
    last_text: str | None
    sentiment_label: str | None
    topic_label: str | None

    @property
    def team_id(self) -> int | None:
        return self.team.pk if self.team else None

    def get_status_display(self) -> str:
        return str(Conversation.Status(self.status).label)

    def get_priority_display(self) -> str:
        return str(Conversation.Priority(self.priority).label)


_ROW_VALUES = (
    "id",
    "subject",
    "status",
    "priority",
    "is_public",
    "last_message_at",
    "message_count",
    "channel_account_id",
    "customer_id",
    "customer__display_name",
    "customer__is_vip",
    "customer__city",
    "owner_id",
    "owner__display_name",
    "owner__initials",
    "team_id",
    "team__name",
    "last_text",
    *(f"{name}_label" for name in SHOWN_ANNOTATORS),
)


def inbox_rows(ids: list[int], accounts: list[ChannelAccount] | None = None) -> list[InboxRow]:
    """The inbox rows of the conversations ``ids``, in that order, in one query: conversation, customer, owner,
    team, the newest message's text and the newest sentiment/topic labels. ``accounts``: the workspace's
    channel accounts if the caller has them (the inbox lists them anyway), else read."""
    if not ids:
        return []
    last_text = Subquery(
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(visibility=Message.Visibility.NOTE)
        .order_by("-created_at", "-id")
        .values("text")[:1]
    )
    values = (
        Conversation.objects.filter(pk__in=ids)
        .annotate(
            last_text=last_text, **{f"{name}_label": latest_label_subquery(name) for name in SHOWN_ANNOTATORS}
        )
        .values_list(*_ROW_VALUES)
    )
    if accounts is None:
        account_ids = Conversation.objects.filter(pk__in=ids).values("channel_account_id")
        accounts = list(ChannelAccount.objects.filter(pk__in=account_ids))
    by_account = {account.pk: account for account in accounts}
    rows: dict[int, InboxRow] = {}
    for (
        pk,
        subject,
        status,
        priority,
        is_public,
        last_message_at,
        message_count,
        account_id,
        customer_id,
        customer_name,
        is_vip,
        city,
        owner_id,
        owner_name,
        owner_initials,
        team_id,
        team_name,
        text,
        sentiment,
        topic,
    ) in values:
        rows[pk] = InboxRow(
            pk=pk,
            subject=subject,
            status=status,
            priority=priority,
            is_public=is_public,
            last_message_at=last_message_at,
            message_count=message_count,
            customer=RowCustomer(customer_id, customer_name, is_vip, city),
            channel_account=by_account.get(account_id),
            owner=RowAgent(owner_id, owner_name, owner_initials) if owner_id is not None else None,
            team=RowTeam(team_id, team_name) if team_id is not None else None,
            last_text=text,
            sentiment_label=sentiment,
            topic_label=topic,
        )
    return [rows[pk] for pk in ids if pk in rows]


def inbox_conversations(agent: Agent, selection: InboxFilter) -> QuerySet[Conversation]:
    """The conversations the selection shows, in the inbox order (newest first); their rows: `inbox_rows`."""
    return _filtered(agent, selection).order_by("-last_message_at", "-id")


@dataclass
class InboxPage:
    """One page of the inbox without counting all its rows (a COUNT over 100,000 conversations costs more
    than the page): ``has_next`` comes from reading one row more than shown. ``total`` is exact when the
    last page is shown, else None ("more than ``end``")."""

    rows: list[InboxRow]
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


def inbox_page(
    agent: Agent,
    selection: InboxFilter,
    page: str | None,
    size: int,
    accounts: list[ChannelAccount] | None = None,
) -> InboxPage:
    """One page of inbox rows in two queries whose cost follows the page, not the table: the page's ids
    (an index walk in the inbox order with LIMIT, no row columns), then those rows with their columns."""
    try:
        number = min(max(int(page or 1), 1), MAX_PAGE)
    except ValueError:
        number = 1
    offset = (number - 1) * size
    ids = list(inbox_conversations(agent, selection).values_list("pk", flat=True)[offset : offset + size + 1])
    if not ids and number > 1:  # past the end (an old link): the first page, as Paginator.get_page did
        return inbox_page(agent, selection, "1", size, accounts)
    return InboxPage(
        rows=inbox_rows(ids[:size], accounts), number=number, size=size, has_next=len(ids) > size
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
