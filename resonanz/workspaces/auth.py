"""API authentication: a bearer token (integrations) or the agent's browser session (the web UI)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from resonanz.workspaces.models import Agent, ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        digest = ApiToken.hash_key(token)
        api_token = (
            ApiToken.objects.select_related("agent__user", "agent__workspace").filter(key_hash=digest).first()
        )
        if api_token is None or not api_token.agent.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return api_token.agent


class AgentSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        return Agent.objects.select_related("workspace").filter(user=user).first()


def agent_of(request: HttpRequest) -> Agent:
    agent = request.auth  # type: ignore[attr-defined]
    assert isinstance(agent, Agent)
    return agent


auth = [BearerToken(), AgentSession()]
