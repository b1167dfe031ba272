"""API authentication: a bearer token (integrations) or the agent's browser session (the web UI).

Authentication also checks permission (resonanz/workspaces/api_permissions.py): the agent's role must have the
endpoint's permission and, for a token, its scope must allow it. A wrong scope is a 403 naming the scope
the call needs; a revoked or expired token is a 401."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja.security import HttpBearer, SessionAuth

from resonanz.core.errors import NotAuthenticated, PermissionDenied
from resonanz.workspaces.api_permissions import permission_for
from resonanz.workspaces.models import Agent, ApiToken
from resonanz.workspaces.permissions import check_perm, check_token_scope


def token_for_key(key: str) -> ApiToken | None:
    """The usable token with this key; None when there is none; NotAuthenticated when revoked/expired."""
    api_token = (
        ApiToken.objects.select_related("agent__user", "agent__workspace")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    if api_token is None or not api_token.agent.user.is_active:
        return None
    now = timezone.now()
    problem = api_token.unusable_because(now)
    if problem:
        raise NotAuthenticated(problem)
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        api_token = token_for_key(token)
        if api_token is None:
            return None
        name = permission_for(request)
        check_token_scope(api_token, name)
        check_perm(api_token.agent, name)
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.agent


class AgentSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        agent = Agent.objects.select_related("workspace", "user").filter(user=user).first()
        if agent is None:
            return None
        check_perm(agent, permission_for(request))
        return agent


def ingest_token_admits(request: HttpRequest, account_id: int, workspace_id: int) -> bool:
    """For the push webhook: True when the request carries a usable `ingest` token for this channel
    account (then no signature is needed); False when it carries no bearer token at all. Any other token
    is refused: 401 unknown/revoked/expired, 403 wrong scope or another channel account."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    api_token = token_for_key(key.strip())
    if api_token is None or api_token.agent.workspace_id != workspace_id:
        raise NotAuthenticated(gettext("Unbekanntes API-Token"))
    if api_token.scope != ApiToken.Scope.INGEST:
        raise PermissionDenied(
            gettext(
                "Dieses API-Token hat den Umfang „%(scope)s“; Ereignisse einliefern braucht den Umfang „ingest“"
            )
            % {"scope": api_token.scope}
        )
    if api_token.channel_account_id != account_id:
        raise PermissionDenied(gettext("Dieses Ingest-Token gehört zu einem anderen Kanalkonto"))
    return True


def agent_of(request: HttpRequest) -> Agent:
    agent = request.auth  # type: ignore[attr-defined]
    assert isinstance(agent, Agent)
    return agent


auth = [BearerToken(), AgentSession()]
