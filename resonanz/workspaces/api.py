"""The agent API's own routes of the workspace: the calling agent's persona (GET/PATCH /api/agents/me),
mounted by resonanz/api/views.py. Moved here from the app channel (issue 11.7): the persona is the agent's,
not a channel's; the URL and the OpenAPI contract are unchanged."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from resonanz.core.schemas import ErrorOut
from resonanz.workspaces.auth import agent_of
from resonanz.workspaces.auth import auth as agent_auth
from resonanz.workspaces.models import Agent
from resonanz.workspaces.persona import do_update_agent_persona, sign_text


class AgentPersonaOut(Schema):
    id: int
    display_name: str
    first_name: str
    initials: str
    photo_url: str
    signature_style: str
    signature_example: str


class PersonaPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=200)
    initials: str | None = Field(default=None, max_length=20)
    photo_url: str | None = Field(default=None, max_length=1000)


def persona_out(agent: Agent) -> dict[str, Any]:
    style = agent.workspace.signature_style
    return {
        "id": agent.pk,
        "display_name": agent.display_name,
        "first_name": agent.first_name,
        "initials": agent.initials,
        "photo_url": agent.photo_url,
        "signature_style": style,
        "signature_example": sign_text(
            "Wir kümmern uns darum.", style=style, first_name=agent.first_name, initials=agent.initials
        ),
    }


agents_router = Router(tags=["agents"], auth=agent_auth)


# The operation ids are those of the routes' first home (the app channel): the OpenAPI contract stays.
@agents_router.get(
    "/me",
    response=AgentPersonaOut,
    summary="The calling agent's persona",
    operation_id="resonanz_channels_app_api_get_me",
)
def get_me(request: HttpRequest) -> dict[str, Any]:
    return persona_out(agent_of(request))


@agents_router.patch(
    "/me",
    response={200: AgentPersonaOut, 400: ErrorOut},
    summary="Change the calling agent's name, initials or photo",
    operation_id="resonanz_channels_app_api_patch_me",
)
def patch_me(request: HttpRequest, body: PersonaPatch) -> dict[str, Any]:
    agent = do_update_agent_persona(
        agent_of(request), display_name=body.display_name, initials=body.initials, photo_url=body.photo_url
    )
    return persona_out(agent)
