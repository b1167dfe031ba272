"""The inbox: the list of conversations with its views and their counts, the topic filter, and bulk actions
(assign, status) on a selection of conversations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
from resonanz.web.inbox_filters import VIEWS, channel_counts, shown_count, view_counts
from resonanz.web.permissions import requires
from resonanz.web.views.common import current_agent as _agent
from resonanz.workspaces.models import Agent
from resonanz.workspaces.permissions import has_perm

MAX_BULK = 200


def _shown(counts: dict[Any, int]) -> dict[Any, int | str]:
    return {key: shown_count(value) for key, value in counts.items()}


def inbox_extras(agent: Agent, request: HttpRequest, channels: list[ChannelAccount]) -> dict[str, Any]:
    if request.htmx:  # type: ignore[attr-defined]
        return {"can_bulk": has_perm(agent, "conversations.update")}
    return {
        "views": list(VIEWS.items()),
        "view_counts": _shown(view_counts(agent)),
        "channel_counts": _shown(channel_counts(agent, [account.pk for account in channels])),
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
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()][:MAX_BULK]
    chosen = list(conversations_for(agent).filter(pk__in=ids).select_related("workspace", "customer"))
    action = request.POST.get("action", "")
    done = skipped = 0
    colleague = None
    if action == "assign":
        raw = request.POST.get("agent", "")
        colleague = Agent.objects.filter(
            pk=int(raw) if raw.isdigit() else 0, workspace_id=agent.workspace_id
        ).first()
    for conversation in chosen:
        try:
            if action == "assign" and colleague is not None:
                do_transfer_conversation(agent, conversation, colleague, note=_("Sammelaktion"))
            elif action == "status":
                actions.do_change_status(agent, conversation, request.POST.get("status", ""))
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
    target = request.POST.get("next", "")
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


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    selection = queries.InboxFilter.from_query(request.GET.dict())
    page = queries.inbox_page(agent, selection, request.GET.get("page"), INBOX_PAGE_SIZE)
    channels = queries.channel_accounts_of(agent)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "agent": agent,
        "page": page,
        "selection": selection,
        "status_filters": _status_filters(),
        # The rows' partial (the 20-second refresh, the search) shows no counts: not counted then.
        "counts": {} if request.htmx else _shown(queries.status_counts(agent)),  # type: ignore[attr-defined]
        "channels": channels,
        "teams": queries.teams_of(agent),
        "query_without_page": query.urlencode(),
        "is_admin": queries.is_admin(agent),
        "relevance_training": (agent.workspace.settings.get("understanding") or {}).get("relevance_training"),
        **inbox_extras(agent, request, channels),
    }
    template = "web/_inbox_rows.html" if request.htmx else "web/inbox.html"  # type: ignore[attr-defined]
    return render(request, template, context)
