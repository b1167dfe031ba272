"""Secured and public reads of incidents and announcements, and the `{incident_status}` text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from resonanz.conversations.models import Conversation
from resonanz.core.errors import InvalidInput
from resonanz.incidents.models import Announcement, Incident, IncidentMember
from resonanz.understanding.access import current_annotations, newest_annotation_in_conversation
from resonanz.workspaces.models import Agent, Workspace

# A resolved incident is still news for this long (the status page and {incident_status} mention it).
RESOLVED_SHOWN = dt.timedelta(hours=24)

_STATUS_WORDS = {
    "de": {
        Incident.Status.INVESTIGATING: "Wir untersuchen eine Störung",
        Incident.Status.IDENTIFIED: "Die Ursache der Störung ist gefunden",
        Incident.Status.MONITORING: "Die Störung ist behoben, wir beobachten die Lage",
        Incident.Status.RESOLVED: "Die Störung ist behoben",
    },
    "en": {
        Incident.Status.INVESTIGATING: "We are investigating an outage",
        Incident.Status.IDENTIFIED: "The cause of the outage has been identified",
        Incident.Status.MONITORING: "The outage is fixed and we are monitoring",
        Incident.Status.RESOLVED: "The outage has been resolved",
    },
}
_MAINTENANCE_WORDS = {"de": "Geplante Wartung", "en": "Planned maintenance"}
_IN = {"de": "in", "en": "in"}


def access_incident_by_id(agent: Agent, incident_id: int) -> Incident:
    incident = Incident.objects.filter(pk=incident_id, workspace_id=agent.workspace_id).first()
    if incident is None:
        raise InvalidInput(gettext("Diese Störung gibt es nicht"))
    return incident


def active_incidents(workspace_id: int) -> QuerySet[Incident]:
    return Incident.objects.filter(workspace_id=workspace_id, status__in=Incident.ACTIVE).order_by(
        "-detected_at"
    )


def active_announcements(workspace_id: int, now: dt.datetime | None = None) -> QuerySet[Announcement]:
    """Announcements that are running or announced for the next two days."""
    now = now or timezone.now()
    return Announcement.objects.filter(
        workspace_id=workspace_id, ends_at__gte=now, starts_at__lte=now + dt.timedelta(days=2)
    ).order_by("starts_at")


def public_incidents(workspace_id: int, now: dt.datetime | None = None) -> QuerySet[Incident]:
    """What the status page shows: confirmed incidents that are open or resolved within a day."""
    now = now or timezone.now()
    return (
        Incident.objects.filter(workspace_id=workspace_id)
        .filter(
            Q(
                status__in=(
                    Incident.Status.INVESTIGATING,
                    Incident.Status.IDENTIFIED,
                    Incident.Status.MONITORING,
                )
            )
            | Q(status=Incident.Status.RESOLVED, resolved_at__gte=now - RESOLVED_SHOWN)
        )
        .order_by("-detected_at")
    )


def incident_history(workspace_id: int, limit: int = 50) -> QuerySet[Incident]:
    return Incident.objects.filter(workspace_id=workspace_id, status__in=Incident.PUBLIC).order_by(
        "-detected_at"
    )[:limit]


def _incident_covers(incident: Incident, region: str | None) -> bool:
    if not (incident.cities or incident.states):
        return True  # nationwide
    if not region:
        return False
    return region in (incident.cities or {}) or region in (incident.states or {})


@dataclass(frozen=True)
class StatusLine:
    text: str
    incident_id: int | None = None
    announcement_id: int | None = None


def status_lines(workspace: Workspace | int, region: str | None, language: str = "de") -> list[StatusLine]:
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    language = language if language in _STATUS_WORDS else "en"
    now = timezone.now()
    lines: list[StatusLine] = []
    for incident in public_incidents(workspace_id, now):
        if not _incident_covers(incident, region):
            continue
        where = ", ".join(incident.regions())
        head = _STATUS_WORDS[language][Incident.Status(incident.status)]
        if where:
            head = f"{head} {_IN[language]} {where}"
        lines.append(
            StatusLine(f"{head}: {incident.public_text}" if incident.public_text else f"{head}.", incident.pk)
        )
    for announcement in active_announcements(workspace_id, now).filter(kind=Announcement.Kind.MAINTENANCE):
        regions = [str(r) for r in announcement.regions or []]
        if regions and region not in regions:
            continue
        when = f"{timezone.localtime(announcement.starts_at):%d.%m. %H:%M}–{timezone.localtime(announcement.ends_at):%H:%M}"
        where = f" {_IN[language]} {', '.join(regions)}" if regions else ""
        lines.append(
            StatusLine(
                f"{_MAINTENANCE_WORDS[language]}{where} ({when}): {announcement.public_text}",
                announcement_id=announcement.pk,
            )
        )
    return lines


def current_status_for_region(
    workspace: Workspace | int, region: str | None, language: str = "de"
) -> str | None:
    """The real current status for a customer in `region` (a city or federal state name; None: unknown),
    as one text for the `{incident_status}` placeholder; None when nothing is known there."""
    lines = status_lines(workspace, region, language)
    return " ".join(line.text for line in lines) if lines else None


def region_of_conversation(conversation: Conversation) -> str | None:
    """The customer's city: from the newest region annotation of their messages, else their profile."""
    region = newest_annotation_in_conversation(conversation.pk, "region")
    if region is not None:
        return str(region.data.get("city") or region.label or "") or None
    customer = conversation.customer
    return customer.city or customer.region or None


def status_for_conversation(conversation_id: int, language: str) -> str | None:
    """For settings.INCIDENT_STATUS_PROVIDER: the status of the incident this conversation belongs to, else
    the current status for the customer's region."""
    conversation = Conversation.objects.select_related("customer").filter(pk=conversation_id).first()
    if conversation is None:
        return None
    member_of = (
        IncidentMember.objects.filter(conversation=conversation, incident__status__in=Incident.PUBLIC)
        .select_related("incident")
        .order_by("-incident_id")
        .first()
    )
    if member_of is not None:
        incident = member_of.incident
        lang = language if language in _STATUS_WORDS else "en"
        head = _STATUS_WORDS[lang][Incident.Status(incident.status)]
        where = ", ".join(incident.regions())
        if where:
            head = f"{head} {_IN[lang]} {where}"
        return f"{head}: {incident.public_text}" if incident.public_text else f"{head}."
    return current_status_for_region(
        conversation.workspace_id, region_of_conversation(conversation), language
    )


def incident_of_conversation(conversation_id: int) -> Incident | None:
    member = (
        IncidentMember.objects.filter(conversation_id=conversation_id)
        .exclude(incident__status__in=(Incident.Status.DISMISSED, Incident.Status.MERGED))
        .select_related("incident")
        .order_by("-incident_id")
        .first()
    )
    return member.incident if member else None


def growth(incident: Incident, buckets: int = 24) -> list[tuple[dt.datetime, int]]:
    """Member reports over time: (bucket start, reports) from the first report to the last."""
    times = list(
        IncidentMember.objects.filter(incident=incident)
        .order_by("reported_at")
        .values_list("reported_at", flat=True)
    )
    if not times:
        return []
    start, end = times[0], times[-1]
    width = max((end - start) / buckets, dt.timedelta(minutes=1))
    counts: dict[int, int] = {}
    for at in times:
        counts[int((at - start) / width)] = counts.get(int((at - start) / width), 0) + 1
    last = max(counts)
    return [(start + width * i, counts.get(i, 0)) for i in range(last + 1)]


def regions_of_messages(message_ids: list[int]) -> dict[int, str]:
    """The city (else the federal state) of each message, from its region annotation."""
    found: dict[int, str] = {}
    for message_id, current in current_annotations(message_ids, ["region"]).items():
        region = current.get("region")
        if region is not None:
            found[message_id] = str(region.data.get("city") or region.label or "")
    return found


def regions_over_time(incident: Incident, buckets: int = 8, places: int = 5) -> dict[str, object]:
    """Member reports by place over time: the `places` places with most reports (the rest as "other"), in
    up to `buckets` time slices from the first report to the last. Returns {"places": [...], "rows":
    [(slice start, [count per place])]}."""
    rows = list(
        IncidentMember.objects.filter(incident=incident)
        .order_by("reported_at")
        .values_list("reported_at", "message_id")
    )
    if not rows:
        return {"places": [], "rows": []}
    where = regions_of_messages([m for _, m in rows if m is not None])
    totals: dict[str, int] = {}
    for _, message_id in rows:
        place = where.get(message_id or 0, "")
        totals[place] = totals.get(place, 0) + 1
    named = [p for p, _ in sorted(totals.items(), key=lambda kv: -kv[1]) if p][:places]
    columns = [*named, ""] if len(named) < len(totals) else named
    start, end = rows[0][0], rows[-1][0]
    width = max((end - start) / buckets, dt.timedelta(minutes=1))
    table: dict[int, list[int]] = {}
    for at, message_id in rows:
        place = where.get(message_id or 0, "")
        column = columns.index(place) if place in columns else len(columns) - 1
        row = table.setdefault(int((at - start) / width), [0] * len(columns))
        row[column] += 1
    return {
        "places": columns,
        "rows": [(start + width * i, table[i]) for i in sorted(table)],
    }
