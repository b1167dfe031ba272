"""REST endpoints of incidents: list and read them, and what agents decide (confirm, dismiss, merge, split)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from resonanz.core.errors import InvalidInput, NotFound
from resonanz.incidents import access, actions
from resonanz.incidents.models import Incident, IncidentMember
from resonanz.workspaces.auth import agent_of, auth
from resonanz.workspaces.models import Agent


class IncidentOut(Schema):
    id: int
    title: str
    public_title: str
    shown_title: str
    status: str
    public_text: str
    regions: list[str]
    cities: dict[str, int]
    states: dict[str, int]
    member_count: int
    customer_count: int
    first_report_at: dt.datetime | None
    detected_at: dt.datetime | None
    resolved_at: dt.datetime | None
    merged_into_id: int | None
    conversation_ids: list[int]


class RenameIn(Schema):
    title: str
    public_title: str = ""


class MergeIn(Schema):
    other_id: int


class SplitIn(Schema):
    conversation_ids: list[int]
    title: str = ""


class ErrorDetail(Schema):
    detail: str


router = Router(tags=["incidents"], auth=auth)
MEMBERS_LISTED = 1000


def _out(incident: Incident, *, members: bool = True) -> IncidentOut:
    conversation_ids = (
        list(
            IncidentMember.objects.filter(incident=incident)
            .order_by("reported_at", "id")
            .values_list("conversation_id", flat=True)[:MEMBERS_LISTED]
        )
        if members
        else []
    )
    return IncidentOut(
        id=incident.pk,
        title=incident.title,
        public_title=incident.public_title,
        shown_title=incident.shown_title(),
        status=incident.status,
        public_text=incident.public_text,
        regions=incident.regions(),
        cities=dict(incident.cities or {}),
        states=dict(incident.states or {}),
        member_count=incident.member_count,
        customer_count=incident.customer_count,
        first_report_at=incident.first_report_at,
        detected_at=incident.detected_at,
        resolved_at=incident.resolved_at,
        merged_into_id=incident.merged_into_id,
        conversation_ids=conversation_ids,
    )


def _incident(agent: Agent, incident_id: int) -> Incident:
    try:
        return access.access_incident_by_id(agent, incident_id)
    except InvalidInput:
        raise NotFound(_("Diese Störung gibt es nicht")) from None


@router.get("", response=list[IncidentOut], summary="The newest incidents (without their member lists)")
def list_incidents(request: HttpRequest) -> list[IncidentOut]:
    agent = agent_of(request)
    rows = Incident.objects.filter(workspace_id=agent.workspace_id).order_by("-detected_at", "-id")[:100]
    return [_out(incident, members=False) for incident in rows]


@router.get("/{incident_id}", response={200: IncidentOut, 404: ErrorDetail})
def get_incident(request: HttpRequest, incident_id: int) -> IncidentOut:
    return _out(_incident(agent_of(request), incident_id))


@router.post("/{incident_id}/confirm", response={200: IncidentOut, 400: ErrorDetail, 404: ErrorDetail})
def confirm_incident(request: HttpRequest, incident_id: int) -> IncidentOut:
    agent = agent_of(request)
    incident = _incident(agent, incident_id)
    actions.do_confirm_incident(agent, incident)
    return _out(incident)


@router.post(
    "/{incident_id}/dismiss",
    response={200: IncidentOut, 400: ErrorDetail, 404: ErrorDetail},
    summary="Not an incident: the detector learns to stay silent about look-alikes",
)
def dismiss_incident(request: HttpRequest, incident_id: int) -> IncidentOut:
    agent = agent_of(request)
    incident = _incident(agent, incident_id)
    actions.do_dismiss_incident(agent, incident)
    return _out(incident)


@router.post(
    "/{incident_id}/rename",
    response={200: IncidentOut, 400: ErrorDetail, 404: ErrorDetail},
    summary="The agents' title and the public one (status page, feed, notices); empty public_title: "
    "the public pages show 'Störung in <regions>'",
)
def rename_incident(request: HttpRequest, incident_id: int, body: RenameIn) -> IncidentOut:
    agent = agent_of(request)
    incident = _incident(agent, incident_id)
    actions.do_rename_incident(agent, incident, title=body.title, public_title=body.public_title)
    return _out(incident)


@router.post(
    "/{incident_id}/merge",
    response={200: IncidentOut, 400: ErrorDetail, 404: ErrorDetail},
    summary="Merge another active incident into this one (its members move once each)",
)
def merge_incident(request: HttpRequest, incident_id: int, body: MergeIn) -> IncidentOut:
    agent = agent_of(request)
    incident = _incident(agent, incident_id)
    actions.do_merge_incidents(agent, incident, _incident(agent, body.other_id))
    incident.refresh_from_db()
    return _out(incident)


@router.post(
    "/{incident_id}/split",
    response={201: IncidentOut, 400: ErrorDetail, 404: ErrorDetail},
    summary="Split member conversations off into a new incident; answers the new incident",
)
def split_incident(request: HttpRequest, incident_id: int, body: SplitIn) -> tuple[int, IncidentOut]:
    agent = agent_of(request)
    incident = _incident(agent, incident_id)
    new = actions.do_split_incident(agent, incident, body.conversation_ids, body.title)
    return 201, _out(new)
