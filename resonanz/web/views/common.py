"""What every agent page needs: the signed-in agent and the conversations it may see."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from resonanz.conversations.access import access_conversation_by_id
from resonanz.conversations.models import Conversation
from resonanz.core.errors import NotFound
from resonanz.web.permissions import agent_of_request
from resonanz.workspaces.models import Agent


def current_agent(request: HttpRequest) -> Agent:
    """``request.agent`` (web/middleware.py: CurrentAgentMiddleware), Http404 for a login that is no agent.
    New views use ``@requires(...)`` and ``request.agent`` directly."""
    return agent_of_request(request)


def visible_conversation(agent: Agent, conversation_id: int) -> Conversation:
    try:
        return access_conversation_by_id(agent, conversation_id)
    except NotFound as error:
        raise Http404(error.message) from None
