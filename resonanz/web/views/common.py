"""What every agent page needs: the signed-in agent and the conversations it may see."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from resonanz.conversations.access import access_conversation_by_id
from resonanz.conversations.models import Conversation
from resonanz.core.errors import NotFound
from resonanz.workspaces.models import Agent


def current_agent(request: HttpRequest) -> Agent:
    agent = Agent.objects.select_related("workspace", "user").filter(user__pk=request.user.pk or 0).first()
    if agent is None:
        raise Http404("this login is not an agent of any workspace")
    return agent


def visible_conversation(agent: Agent, conversation_id: int) -> Conversation:
    try:
        return access_conversation_by_id(agent, conversation_id)
    except NotFound as error:
        raise Http404(error.message) from None
