"""The inbox: the list of conversations with its views and their counts, the topic filter, and bulk actions
(assign, status) on a selection of conversations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resonanz.channels.models import ChannelAccount
from resonanz.conversations import actions
from resonanz.conversations.access import conversations_for
from resonanz.conversations.models import Conversation
from resonanz.core.errors import Conflict, InvalidInput
from resonanz.routing.actions import do_transfer_conversation
from resonanz.understanding.access import topics_for
from resonanz.web import queries
from resonanz.web.forms import BulkForm, read
from resonanz.web.inbox_filters import COUNT_CAP, VIEWS, inbox_counts, shown_count
from resonanz.web.permissions import requires
from resonanz.web.templatetags.workspace import topic_names
from resonanz.workspaces.models import Agent
from resonanz.workspaces.permissions import has_perm

MAX_BULK = 200


def _shown(counts: dict[Any, int]) -> dict[Any, int | str]:
    return {key: shown_count(value) for key, value in counts.items()}


def inbox_extras(agent: Agent, request: HttpRequest, channels: list[ChannelAccount]) -> dict[str, Any]:
    if request.htmx:  # type: ignore[attr-defined]
        # The rows' partial (the search as one types, the pages) shows no counts: not counted then.
        return {"can_bulk": has_perm(agent, "conversations.update"), "counts": {}}
    counts = inbox_counts(agent, [account.pk for account in channels])
    return {
        "counts": _shown(counts.statuses),
        "views": list(VIEWS.items()),
        "view_counts": _shown(counts.views),
        "channel_counts": _shown(counts.channels),
        "topics": topics_for(agent),
        "can_bulk": has_perm(agent, "conversations.update"),
        "colleagues": list(Agent.objects.filter(workspace_id=agent.workspace_id).order_by("display_name")),
        "bulk_statuses": Conversation.Status.choices,
    }


@requires("conversations.update")
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the selected conversations (``id``, repeated): ``action`` "assign" with ``agent``
    or "status" with ``status``. Conversations the agent may not see are skipped; so are those the action
    refuses (already theirs), which the message counts."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    posted = read(BulkForm, request.POST)
    ids = posted["id"][:MAX_BULK]
    chosen = list(conversations_for(agent).filter(pk__in=ids).select_related("workspace", "customer"))
    action = posted["action"]
    done = skipped = 0
    colleague = None
    if action == "assign":
        colleague = Agent.objects.filter(pk=posted["agent"], workspace_id=agent.workspace_id).first()
    for conversation in chosen:
        try:
            if action == "assign" and colleague is not None:
                do_transfer_conversation(agent, conversation, colleague, note=_("Sammelaktion"))
            elif action == "status":
                actions.do_change_status(agent, conversation, posted["status"])
            else:
                skipped += 1
                continue
            done += 1
        except (InvalidInput, Conflict):
            skipped += 1
    if done:
        messages.success(request, _("%(done)d Gespräche geändert.") % {"done": done})
    if skipped or not chosen:
        messages.warning(
            request,
            _("%(skipped)d Gespräche nicht geändert.") % {"skipped": skipped + len(ids) - len(chosen)},
        )
    target = posted["next"]
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ) or not target.startswith("/"):
        target = "/"
    return redirect(target)


INBOX_PAGE_SIZE = 50


def _status_filters() -> list[tuple[str, str]]:
    return [
        ("open", _("Offen")),
        ("mine", _("Meine")),
        ("new", _("Neu")),
        ("pending", _("Wartend")),
        ("solved", _("Gelöst")),
        ("closed", _("Geschlossen")),
        ("all", _("Alle")),
        ("noise", _("Rauschen")),
    ]


@requires("conversations.view")
def inbox(request: HttpRequest) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    selection = queries.InboxFilter.from_query(request.GET.dict())
    channels = queries.channel_accounts_of(agent)
    page = queries.inbox_page(agent, selection, request.GET.get("page"), INBOX_PAGE_SIZE, channels)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "agent": agent,
        "page": page,
        "selection": selection,
        "status_filters": _status_filters(),
        "channels": channels,
        "teams": queries.teams_of(agent),
        "query_without_page": query.urlencode(),
        "is_admin": queries.is_admin(agent),
        "relevance_training": (agent.workspace.settings.get("understanding") or {}).get("relevance_training"),
        **inbox_extras(agent, request, channels),
    }
    # The full page loaded the topics for its side bar; the rows' partial asks for them.
    context["topic_names"] = topic_names(context["topics"] if "topics" in context else topics_for(agent))
    if page.number == 1:
        # The live updates ask for rows newer than the newest shown (page 1 only: later pages stay put).
        context["live"] = {
            "since": page.rows[0].last_message_at.isoformat() if page.rows else "",
            "seconds": settings.INBOX_POLL_SECONDS,
        }
    template = "web/inbox/_results.html" if request.htmx else "web/inbox/page.html"  # type: ignore[attr-defined]
    return render(request, template, context)


LIVE_ROWS = INBOX_PAGE_SIZE


@requires("conversations.view")
def inbox_updates(request: HttpRequest) -> HttpResponse:
    """The open inbox's poll: the rows of the same filters newer than ``since`` (the newest shown), to be
    put on top, and out-of-band updates of the counts (views, statuses, channels, the result count) and of
    ``since`` itself. Rows the agent has ticked stay as they are: nothing else in the table is replaced."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    selection = queries.InboxFilter.from_query(request.GET.dict())
    matching = queries.inbox_conversations(agent, selection)
    since = parse_datetime(request.GET.get("since", ""))
    channels = queries.channel_accounts_of(agent)
    newer = matching if since is None else matching.filter(last_message_at__gt=since)
    rows = queries.inbox_rows(list(newer.values_list("pk", flat=True)[:LIVE_ROWS]), channels)
    counts = inbox_counts(agent, [account.pk for account in channels], extra={"all": matching})
    context = {
        "rows": rows,
        "only_new": True,
        "since": rows[0].last_message_at.isoformat() if rows else "",
        "can_bulk": has_perm(agent, "conversations.update"),
        "total": counts.extra["all"],
        "cap": COUNT_CAP,
        "views": list(VIEWS.items()),
        "view_counts": _shown(counts.views),
        "counts": counts.statuses,
        "status_filters": _status_filters(),
        "channels": channels,
        "channel_counts": _shown(counts.channels),
        "topic_names": topic_names(topics_for(agent)),
    }
    return render(request, "web/inbox/_updates.html", context)
