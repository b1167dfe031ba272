"""The one permission layer: what each workspace role may do, and what each API token scope lets through.

Views (`resonanz.web.permissions`), the REST API (`resonanz.workspaces.auth`) and the CLI all ask `has_perm` or
`check_perm`. A role is a set of permission names; an object passed as ``obj`` must belong to the agent's
workspace. No role grants Django staff or superuser: the Django admin is for operators, granted only by
`resonanz operator NAME` (decision 0700).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from resonanz.core.errors import NotFound, PermissionDenied
from resonanz.workspaces.models import Agent, ApiToken, Workspace

Role = Agent.Role
Scope = ApiToken.Scope

ALL_ROLES = frozenset(Role.values)
# The roles that work on conversations (everyone but the read-only analyst).
WORKERS = frozenset({Role.AGENT, Role.LEAD, Role.ADMIN, Role.MODERATOR})
LEADS = frozenset({Role.LEAD, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Permission:
    name: str
    roles: frozenset[str]
    # Allowed to a token with the `read` scope (it reads, it never changes anything).
    read_only: bool = False
    description: str = ""


_PERMISSIONS = [
    Permission("conversations.view", ALL_ROLES, True, "read conversations, messages and deliveries"),
    Permission("conversations.reply", WORKERS, description="reply to customers"),
    Permission("conversations.update", WORKERS, description="status, notes, transfer, move to private"),
    Permission("messages.hide", WORKERS, description="hide a public comment on the platform"),
    Permission("customers.view", ALL_ROLES, True, "read customers and their history"),
    Permission("customers.merge", frozenset({Role.AGENT, Role.LEAD, Role.ADMIN}), description="merge"),
    Permission("macros.view", ALL_ROLES, True, "list macros"),
    Permission("macros.use", WORKERS, description="fill a macro for a conversation"),
    Permission("macros.manage", LEADS, description="create, edit and delete macros"),
    Permission("notifications.view", ALL_ROLES, True, "read one's notifications"),
    Permission("profile.view", ALL_ROLES, True, "read one's own persona and presence"),
    Permission("profile.update", ALL_ROLES, description="change one's own persona"),
    Permission("presence.update", WORKERS, description="switch one's own presence"),
    Permission("presence.update_others", LEADS, description="switch another agent's presence"),
    Permission("annotations.view", ALL_ROLES, True, "read annotations and topics"),
    Permission("annotations.correct", WORKERS, description="correct an annotation"),
    Permission(
        "analytics.view", ALL_ROLES, True, "reports: the response rate everyone on social media watches"
    ),
    Permission("cti.lookup", WORKERS, True, "who is calling (the telephony system)"),
    Permission("knowledge.view", ALL_ROLES, True, "read knowledge articles and suggestions"),
    Permission("knowledge.manage", WORKERS, description="write knowledge articles and drafts"),
    Permission("incidents.view", ALL_ROLES, True, "read incidents and announcements"),
    Permission("incidents.manage", WORKERS, description="confirm, update, merge and dismiss incidents"),
    Permission("announcements.manage", LEADS, description="publish announcements (maintenance, launches)"),
    Permission(
        "community.moderate", frozenset({Role.MODERATOR, Role.LEAD, Role.ADMIN}), description="moderate"
    ),
    Permission("settings.view", ADMINS, True, "read the workspace settings"),
    Permission("settings.manage", ADMINS, description="channels, agents, teams, routing, SLAs, macros…"),
    Permission("tokens.manage", ADMINS, description="create and revoke API tokens"),
    Permission("audit.view", ADMINS, True, "read the audit log"),
    Permission("dev.panel", ADMINS, description="inject messages into fake channel accounts"),
]
PERMISSIONS: dict[str, Permission] = {p.name: p for p in _PERMISSIONS}

# What a token scope lets through, on top of the agent's role. `ingest` lets no agent API call through: it
# only posts events to its one channel account (resonanz.api.views.push_events).
_SCOPE_PERMISSIONS: dict[str, frozenset[str]] = {
    Scope.AGENT: frozenset(PERMISSIONS),
    Scope.READ: frozenset(p.name for p in _PERMISSIONS if p.read_only),
    Scope.CTI: frozenset({"cti.lookup"}),
    Scope.INGEST: frozenset(),
}


def _permission(name: str) -> Permission:
    try:
        return PERMISSIONS[name]
    except KeyError:
        raise KeyError(f"no permission {name!r}; known: {sorted(PERMISSIONS)}") from None


def roles_with(name: str) -> frozenset[str]:
    return _permission(name).roles


def is_agent_active(agent: Agent) -> bool:
    return bool(agent.user.is_active)


def has_perm(agent: Agent | None, name: str, obj: Any = None) -> bool:
    """May this agent do ``name`` (on ``obj``, which must then be in the agent's workspace)?"""
    permission = _permission(name)
    if agent is None or not is_agent_active(agent) or agent.role not in permission.roles:
        return False
    return obj is None or workspace_id_of(obj) == agent.workspace_id


def workspace_id_of(obj: Any) -> int | None:
    if isinstance(obj, Workspace):
        return obj.pk
    workspace_id = getattr(obj, "workspace_id", None)
    if workspace_id is None and isinstance(obj, ApiToken):
        workspace_id = obj.agent.workspace_id
    return workspace_id


def check_perm(agent: Agent | None, name: str, obj: Any = None) -> None:
    """Raise `PermissionDenied` (403) when the role lacks ``name``, `NotFound` (404) when ``obj`` belongs to
    another workspace: a foreign object is never admitted to exist."""
    if obj is not None and agent is not None and workspace_id_of(obj) != agent.workspace_id:
        raise NotFound(_("Nicht gefunden"))
    if not has_perm(agent, name):
        role = agent.get_role_display() if agent is not None else "—"
        raise PermissionDenied(
            _("Die Rolle %(role)s darf das nicht (%(name)s)") % {"role": role, "name": name}
        )


def scope_allows(scope: str, name: str) -> bool:
    return name in _SCOPE_PERMISSIONS.get(scope, frozenset())


def scope_needed(name: str) -> str:
    """The narrowest scope that allows ``name`` (for the 403 message of a token with the wrong scope)."""
    for scope in (Scope.CTI, Scope.READ, Scope.AGENT):
        if scope_allows(scope, name):
            return str(scope)
    return str(Scope.AGENT)


def check_token_scope(token: ApiToken, name: str) -> None:
    if not scope_allows(token.scope, name):
        raise PermissionDenied(
            _("Dieses API-Token hat den Umfang „%(scope)s“; dieser Aufruf braucht den Umfang „%(needed)s“")
            % {"scope": token.scope, "needed": scope_needed(name)}
        )


def is_operator(user: Any) -> bool:
    """An operator runs the installation and may use the Django admin; never implied by a workspace role."""
    return bool(user.is_active and user.is_staff and user.is_superuser)
