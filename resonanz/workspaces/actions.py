"""Writes on workspaces, teams, skills and agents."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from resonanz.core.errors import Conflict, InvalidInput
from resonanz.core.models import AuditEntry
from resonanz.workspaces.models import Agent, ApiToken, Skill, Team, Workspace
from resonanz.workspaces.passwords import check_agent_password


def do_create_workspace(name: str, slug: str | None = None, languages: list[str] | None = None) -> Workspace:
    slug = slug or slugify(name)
    if not slug:
        raise InvalidInput("a workspace needs a name")
    workspace, _ = Workspace.objects.get_or_create(
        slug=slug, defaults={"name": name, "languages": languages or ["de", "en"]}
    )
    return workspace


def do_mark_demo_workspace(workspace: Workspace) -> None:
    """The demo's workspace: the only one where the demo's published password is accepted."""
    if (workspace.settings or {}).get("demo") is True:
        return
    workspace.settings = {**(workspace.settings or {}), "demo": True}
    workspace.save(update_fields=["settings"])
    AuditEntry.objects.create(
        workspace_id=workspace.pk,
        action="workspace.marked_demo",
        object_type="workspace",
        object_id=workspace.pk,
    )


def do_ensure_team(workspace: Workspace, name: str) -> Team:
    team, _ = Team.objects.get_or_create(workspace=workspace, slug=slugify(name), defaults={"name": name})
    return team


def do_ensure_skill(workspace: Workspace, name: str) -> Skill:
    skill, _ = Skill.objects.get_or_create(workspace=workspace, slug=slugify(name), defaults={"name": name})
    return skill


def initials_of(display_name: str) -> str:
    parts = [p for p in display_name.replace("-", " ").split() if p]
    return "".join(p[0].upper() for p in parts[:2]) or "?"


def do_create_agent(
    workspace: Workspace,
    *,
    username: str,
    password: str,
    display_name: str,
    email: str = "",
    role: str = Agent.Role.AGENT,
    teams: list[Team] | None = None,
    skills: list[Skill] | None = None,
    languages: list[str] | None = None,
    capacity: int = 20,
    presence: str = Agent.Presence.OFFLINE,
) -> Agent:
    if not username.strip():
        raise InvalidInput("an agent needs a username")
    check_agent_password(password, workspace, username=username, email=email)
    if role not in Agent.Role.values:
        raise InvalidInput(f"unknown role {role!r}; use one of {', '.join(Agent.Role.values)}")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise Conflict(f"a user named {username!r} exists already")
    with transaction.atomic():
        user = user_model.objects.create_user(
            username=username,
            email=email,
            password=password,
            is_staff=role == Agent.Role.ADMIN,
            is_superuser=role == Agent.Role.ADMIN,
        )
        agent = Agent.objects.create(
            user=user,
            workspace=workspace,
            display_name=display_name,
            initials=initials_of(display_name),
            role=role,
            languages=languages or ["de"],
            capacity=capacity,
            presence=presence,
        )
        if teams:
            agent.teams.set(teams)
        if skills:
            agent.skills.set(skills)
        AuditEntry.objects.create(
            workspace_id=workspace.pk,
            action="agent.created",
            object_type="agent",
            object_id=agent.pk,
            data={"username": username, "role": role},
        )
    return agent


def do_create_api_token(agent: Agent, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the key, which is shown once and never stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(agent=agent, name=name, key_hash=ApiToken.hash_key(key), prefix=key[:10])
    return token, key
