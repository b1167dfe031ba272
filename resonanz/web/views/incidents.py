"""Incidents in the agent UI (list, page, the banner on every screen, the incident on a conversation) and the
public status page (no login; HTML in German or English, an Atom feed and a JSON API; cached)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_POST

from resonanz.channels.models import OutboundDelivery
from resonanz.core.errors import InvalidInput
from resonanz.incidents import access, actions
from resonanz.incidents.germany_map import germany_map
from resonanz.incidents.models import Announcement, Incident, IncidentMember, IncidentNotice
from resonanz.web import queries
from resonanz.web.errors import refusals
from resonanz.web.forms import AnnouncementForm, IncidentActionForm, read, typed
from resonanz.web.permissions import requires
from resonanz.web.views.common import current_agent as _agent
from resonanz.workspaces.models import Workspace

PUBLIC_CACHE_SECONDS = 30
MEMBERS_SHOWN = 200


def _incident(request: HttpRequest, incident_id: int) -> tuple[Any, Incident]:
    agent = _agent(request)
    try:
        return agent, access.access_incident_by_id(agent, incident_id)
    except InvalidInput:
        raise Http404("no such incident") from None


@requires("incidents.view")
def incident_list(
    request: HttpRequest, error: str = "", form: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The incidents and announcements; after a refused announcement its ``error`` and the ``form`` as
    typed."""
    agent = _agent(request)
    incidents = Incident.objects.filter(workspace_id=agent.workspace_id).order_by("-detected_at", "-id")[:100]
    return render(
        request,
        "web/incidents/list.html",
        {
            "agent": agent,
            "is_admin": queries.is_admin(agent),
            "incidents": incidents,
            "announcements": [
                (a, actions.announcement_posts(a)) for a in access.active_announcements(agent.workspace_id)
            ],
            "publishing_accounts": actions.publishing_accounts(agent.workspace_id),
            "kinds": Announcement.Kind.choices,
            "error": error,
            "form": form or {},
        },
        status=status,
    )


def _fan_out_progress(incident: Incident) -> list[dict[str, Any]]:
    rows = []
    for update in incident.updates.order_by("-id"):
        statuses = dict(
            OutboundDelivery.objects.filter(
                pk__in=IncidentNotice.objects.filter(update=update).values("delivery_id")
            )
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        rows.append(
            {
                "update": update,
                "queued": sum(statuses.values()),
                "sent": statuses.get(OutboundDelivery.Status.SENT, 0),
                "failed": statuses.get(OutboundDelivery.Status.FAILED, 0),
                "customers": incident.customer_count,
            }
        )
    return rows


@requires("incidents.view")
def incident_detail(
    request: HttpRequest,
    incident_id: int,
    error: str = "",
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The incident; after a refused action its ``error`` and that action's ``form`` as typed."""
    agent, incident = _incident(request, incident_id)
    growth = access.growth(incident)
    peak = max((n for _, n in growth), default=1) or 1
    others = access.active_incidents(agent.workspace_id).exclude(pk=incident.pk)
    members = list(
        IncidentMember.objects.filter(incident=incident)
        .select_related("conversation", "customer", "message")
        .order_by("reported_at")[:MEMBERS_SHOWN]
    )
    where = access.regions_of_messages([m.message_id for m in members if m.message_id])
    for member in members:
        member.region = where.get(member.message_id or 0, "")  # type: ignore[attr-defined]
    return render(
        request,
        "web/incidents/detail.html",
        {
            "agent": agent,
            "is_admin": queries.is_admin(agent),
            "incident": incident,
            "members": members,
            "regions_over_time": access.regions_over_time(incident),
            "map": germany_map(
                [incident] if incident.status in Incident.PUBLIC or incident.is_active else [], []
            ),
            "growth": [(at, n, round(100 * n / peak)) for at, n in growth],
            "progress": _fan_out_progress(incident),
            "others": others,
            "statuses": [
                (s, label)
                for s, label in Incident.Status.choices
                if s in ("investigating", "identified", "monitoring", "resolved")
            ],
            "error": error,
            "form": form or {},
        },
        status=status,
    )


def _incident_again(request: HttpRequest, message: str, status: int, incident_id: int) -> HttpResponse:
    form = typed(IncidentActionForm, request.POST)
    return incident_detail(request, incident_id, error=message, form=form, status=status)


@requires("incidents.manage")
@require_POST
@refusals(_incident_again, overrides={InvalidInput: 422})
def incident_action(request: HttpRequest, incident_id: int) -> HttpResponse:
    agent, incident = _incident(request, incident_id)
    posted = read(IncidentActionForm, request.POST)
    what = posted["action"]
    if what == "confirm":
        actions.do_confirm_incident(agent, incident)
    elif what == "dismiss":
        actions.do_dismiss_incident(agent, incident)
    elif what == "update":
        actions.do_post_incident_update(
            agent, incident, posted["status"], posted["public_text"], notify=posted["notify"]
        )
    elif what == "note":
        actions.do_set_internal_note(agent, incident, posted["internal_note"])
    elif what == "rename":
        actions.do_rename_incident(
            agent, incident, title=posted["title"], public_title=posted["public_title"]
        )
    elif what == "merge":
        other = access.access_incident_by_id(agent, posted["other"] or 0)
        actions.do_merge_incidents(agent, incident, other)
    elif what == "split":
        new = actions.do_split_incident(agent, incident, posted["conversation_ids"], posted["title"])
        return redirect("web:incident", incident_id=new.pk)
    else:
        raise InvalidInput(_("Unbekannte Aktion."))
    return redirect("web:incident", incident_id=incident.pk)


def _list_again(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return incident_list(request, error=message, form=typed(AnnouncementForm, request.POST), status=status)


@requires("announcements.manage")
@require_POST
@refusals(_list_again)
def announcement_create(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    posted = read(AnnouncementForm, request.POST)
    actions.do_create_announcement(
        agent,
        kind=posted["kind"],
        title=posted["title"],
        public_text=posted["public_text"],
        regions=posted["regions"],
        starts_at=posted["starts_at"],
        ends_at=posted["ends_at"],
        publish=posted["publish"],
    )
    return redirect("web:incidents")


@requires("incidents.view")
def banner(request: HttpRequest) -> HttpResponse:
    """The strip on every agent's screen while an incident or announcement is active (loaded by htmx)."""
    agent = _agent(request)
    return render(
        request,
        "web/incidents/_banner.html",
        {
            "incidents": access.active_incidents(agent.workspace_id)[:3],
            "announcements": access.active_announcements(agent.workspace_id)[:3],
        },
    )


@requires("incidents.view")
def conversation_incident(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent = _agent(request)
    incident = access.incident_of_conversation(conversation_id)
    if incident is not None and incident.workspace_id != agent.workspace_id:
        incident = None
    return render(request, "web/incidents/_conversation.html", {"incident": incident})


# --- the public status page -----------------------------------------------------------------------------------


def _public(slug: str, language: str) -> dict[str, Any]:
    workspace = get_object_or_404(Workspace, slug=slug)
    now = timezone.now()
    incidents = list(access.public_incidents(workspace.pk, now))
    announcements = list(access.active_announcements(workspace.pk, now))
    states: dict[str, str] = {}
    for incident in incidents:
        if incident.status != Incident.Status.RESOLVED:
            for state in incident.states or {}:
                states[state] = incident.status
    return {
        "workspace": workspace,
        "map": germany_map(incidents, announcements),
        "incidents": incidents,
        "announcements": announcements,
        "history": list(access.incident_history(workspace.pk, 20)),
        "states": states,
        "language": language,
        "now": now,
    }


def _language(request: HttpRequest) -> str:
    language = request.GET.get("lang", "")
    return language if language in ("de", "en") else "de"


@cache_page(PUBLIC_CACHE_SECONDS)
def status_page(request: HttpRequest, slug: str) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        response = render(request, "web/incidents/status.html", _public(slug, language))
    response["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
    return response


def _incident_json(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "title": incident.shown_title(),
        "status": incident.status,
        "public_text": incident.public_text,
        "regions": incident.regions(),
        "states": sorted(incident.states or {}),
        "first_report_at": incident.first_report_at.isoformat() if incident.first_report_at else None,
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "updated_at": incident.updated_at.isoformat(),
    }


@cache_page(PUBLIC_CACHE_SECONDS)
def status_json(request: HttpRequest, slug: str) -> HttpResponse:
    data = _public(slug, "de")
    with translation.override("de"):
        incidents = [_incident_json(i) for i in data["incidents"]]
    response = JsonResponse(
        {
            "workspace": data["workspace"].name,
            "incidents": incidents,
            "announcements": [
                {
                    "id": a.pk,
                    "kind": a.kind,
                    "title": a.title,
                    "public_text": a.public_text,
                    "regions": a.regions,
                    "starts_at": a.starts_at.isoformat(),
                    "ends_at": a.ends_at.isoformat(),
                }
                for a in data["announcements"]
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
    return response


@cache_page(PUBLIC_CACHE_SECONDS)
def status_feed(request: HttpRequest, slug: str) -> HttpResponse:
    data = _public(slug, "de")
    workspace = data["workspace"]
    link = request.build_absolute_uri(f"/status/{workspace.slug}/")
    feed = Atom1Feed(title=f"{workspace.name} – Status", link=link, description="", language="de")
    with translation.override("de"):
        titles = {incident.pk: incident.shown_title() for incident in data["history"]}
    for incident in data["history"]:
        feed.add_item(
            title=f"{titles[incident.pk]} ({incident.get_status_display()})",
            link=f"{link}#incident-{incident.pk}",
            description=incident.public_text,
            unique_id=f"{link}#incident-{incident.pk}",
            updateddate=incident.updated_at,
            pubdate=incident.detected_at or incident.created_at,
        )
    for announcement in data["announcements"]:
        feed.add_item(
            title=announcement.title,
            link=f"{link}#announcement-{announcement.pk}",
            description=announcement.public_text,
            unique_id=f"{link}#announcement-{announcement.pk}",
            pubdate=announcement.created_at,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    response["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
    return response
