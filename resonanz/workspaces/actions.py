"""Writes on workspaces, teams, skills and agents."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from resonanz.core.errors import Conflict, InvalidInput, NotFound
from resonanz.core.models import AuditEntry
from resonanz.workspaces.models import Agent, ApiToken, Skill, Team, Workspace
from resonanz.workspaces.passwords import check_agent_password


def do_create_workspace(name: str, slug: str | None = None, languages: list[str] | None = None) -> Workspace:
    slug = slug or slugify(name)
    if not slug:
        raise InvalidInput(gettext("Ein Arbeitsbereich braucht einen Namen"))
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
    password: str | None,
    display_name: str,
    email: str = "",
    role: str = Agent.Role.AGENT,
    teams: list[Team] | None = None,
    skills: list[Skill] | None = None,
    languages: list[str] | None = None,
    capacity: int = 20,
    presence: str = Agent.Presence.OFFLINE,
    actor: Agent | None = None,
) -> Agent:
    """``password=None``: no password login (an invited agent sets one; an integration never logs in)."""
    if not username.strip():
        raise InvalidInput(gettext("Eine Servicekraft braucht einen Benutzernamen"))
    if password is not None:
        check_agent_password(password, workspace, username=username, email=email)
    if not 0 <= capacity <= 500:
        raise InvalidInput(gettext("Kapazität: 0 bis 500 offene Gespräche"))
    languages = check_languages(languages) if languages else None
    if role not in Agent.Role.values:
        raise InvalidInput(
            gettext("Unbekannte Rolle „%(role)s“; erlaubt sind %(roles)s")
            % {"role": role, "roles": ", ".join(Agent.Role.values)}
        )
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise Conflict(gettext("Einen Benutzer „%(username)s“ gibt es schon") % {"username": username})
    with transaction.atomic():
        user = user_model.objects.create_user(
            username=username,
            email=email,
            password=password,
            # Never staff or superuser, whatever the role: the Django admin is for operators (decision 0700).
            is_staff=False,
            is_superuser=False,
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
        audit(workspace.pk, actor, "agent.created", "agent", agent.pk, {"username": username, "role": role})
    return agent


class ChannelRef(Protocol):
    """A channel account as far as a token needs it (channels sits above workspaces)."""

    pk: int
    workspace_id: int


def check_api_token(
    agent: Agent, *, name: str, scope: str, channel_account: ChannelRef | None, expires_days: int | None
) -> None:
    if not name.strip():
        raise InvalidInput(gettext("Ein Token braucht einen Namen (wer es nutzt: Telefonie, CRM …)"))
    if scope not in ApiToken.Scope.values:
        raise InvalidInput(
            gettext("Unbekannter Umfang „%(scope)s“; erlaubt sind %(scopes)s")
            % {"scope": scope, "scopes": ", ".join(ApiToken.Scope.values)}
        )
    if scope == ApiToken.Scope.INGEST and channel_account is None:
        raise InvalidInput(
            gettext("Ein Ingest-Token braucht das Kanalkonto, in das es schreibt (--channel ID)")
        )
    if scope != ApiToken.Scope.INGEST and channel_account is not None:
        raise InvalidInput(gettext("Nur ein Ingest-Token gehört zu einem Kanalkonto"))
    if channel_account is not None and channel_account.workspace_id != agent.workspace_id:
        raise NotFound(gettext("Kanalkonto %(pk)s nicht gefunden") % {"pk": channel_account.pk})
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise InvalidInput(gettext("Ein Token läuft nach 1 bis 3650 Tagen ab"))
    if not agent.user.is_active:
        raise InvalidInput(gettext("%(name)s ist deaktiviert") % {"name": agent.display_name})


def do_create_api_token(
    agent: Agent,
    name: str,
    *,
    scope: str = ApiToken.Scope.AGENT,
    channel_account: ChannelRef | None = None,
    expires_days: int | None = None,
    actor: Agent | None = None,
) -> tuple[ApiToken, str]:
    """Returns the token row and the key, which is shown once: only its SHA-256 is stored."""
    check_api_token(agent, name=name, scope=scope, channel_account=channel_account, expires_days=expires_days)
    key = ApiToken.new_key()
    expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            agent=agent,
            name=name.strip(),
            key_hash=ApiToken.hash_key(key),
            prefix=key[:10],
            scope=scope,
            channel_account_id=channel_account.pk if channel_account else None,
            expires_at=expires_at,
            created_by_id=actor.pk if actor else None,
        )
        audit(
            agent.workspace_id,
            actor,
            "token.created",
            "api_token",
            token.pk,
            {
                "name": token.name,
                "agent": agent.user.get_username(),
                "scope": scope,
                "channel_account": token.channel_account_id,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return token, key


def do_revoke_api_token(token: ApiToken, *, actor: Agent | None = None) -> ApiToken:
    """Revoked at once for every later request (401); revoking twice changes nothing."""
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        token.refresh_from_db()
        if updated:
            audit(
                token.agent.workspace_id,
                actor,
                "token.revoked",
                "api_token",
                token.pk,
                {"name": token.name, "prefix": token.prefix},
            )
    return token


def audit(
    workspace_id: int,
    actor: Agent | None,
    action: str,
    object_type: str,
    object_id: int | None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """One audit entry for a settings change (who, what, on which object)."""
    return AuditEntry.objects.create(
        workspace_id=workspace_id,
        actor_id=actor.pk if actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=data or {},
    )


LANGUAGE_CODE_LENGTH = (2, 3)


def check_languages(languages: list[str]) -> list[str]:
    cleaned = []
    for code in languages:
        code = code.strip().lower()
        if not (code.isalpha() and LANGUAGE_CODE_LENGTH[0] <= len(code) <= LANGUAGE_CODE_LENGTH[1]):
            raise InvalidInput(
                gettext("Sprachen: „%(code)s“ ist kein Sprachcode (de, en, tr …)") % {"code": code}
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def do_update_agent(
    agent: Agent,
    *,
    actor: Agent | None,
    display_name: str | None = None,
    role: str | None = None,
    teams: list[Team] | None = None,
    skills: list[Skill] | None = None,
    languages: list[str] | None = None,
    capacity: int | None = None,
    presence: str | None = None,
    active: bool | None = None,
) -> Agent:
    """Change what an admin may change about an agent; every change is one audit entry with the fields.
    Deactivating keeps the agent and their history: they can no longer log in or use tokens, and routing
    passes them by (offline)."""
    changes: dict[str, Any] = {}
    if role is not None and role not in Agent.Role.values:
        raise InvalidInput(
            gettext("Rolle: unbekannte Rolle „%(role)s“; erlaubt sind %(roles)s")
            % {"role": role, "roles": ", ".join(Agent.Role.values)}
        )
    if capacity is not None and not 0 <= capacity <= 500:
        raise InvalidInput(gettext("Kapazität: 0 bis 500 offene Gespräche"))
    if presence is not None and presence not in Agent.Presence.values:
        raise InvalidInput(
            gettext("Anwesenheit: erlaubt sind %(presences)s")
            % {"presences": ", ".join(Agent.Presence.values)}
        )
    if display_name is not None and not display_name.strip():
        raise InvalidInput(gettext("Anzeigename: darf nicht leer sein"))
    for group in (teams or []) + (skills or []):
        if group.workspace_id != agent.workspace_id:
            raise NotFound(gettext("%(group)s nicht gefunden") % {"group": group})
    if languages is not None:
        languages = check_languages(languages)
        if not languages:
            raise InvalidInput(gettext("Sprachen: mindestens eine"))
    if (
        actor is not None
        and actor.pk == agent.pk
        and ((role is not None and role != Agent.Role.ADMIN) or active is False)
        and agent.role == Agent.Role.ADMIN
        and not Agent.objects.filter(
            workspace_id=agent.workspace_id, role=Agent.Role.ADMIN, user__is_active=True
        )
        .exclude(pk=agent.pk)
        .exists()
    ):
        raise Conflict(
            gettext(
                "Der letzte Admin eines Arbeitsbereichs kann sich nicht selbst herabstufen oder deaktivieren"
            )
        )
    with transaction.atomic():
        fields: list[str] = []
        for name, value in (
            ("display_name", display_name.strip() if display_name else None),
            ("role", role),
            ("languages", languages),
            ("capacity", capacity),
            ("presence", presence),
        ):
            if value is not None and getattr(agent, name) != value:
                changes[name] = value
                setattr(agent, name, value)
                fields.append(name)
        if "display_name" in changes:
            agent.initials = initials_of(agent.display_name)
            fields.append("initials")
        if active is not None and agent.user.is_active != active:
            agent.user.is_active = active
            agent.user.save(update_fields=["is_active"])
            changes["active"] = active
            if not active and agent.presence != Agent.Presence.OFFLINE:
                agent.presence = Agent.Presence.OFFLINE
                fields.append("presence")
        if fields:
            agent.save(update_fields=fields)
        if teams is not None and {t.pk for t in teams} != set(agent.teams.values_list("pk", flat=True)):
            agent.teams.set(teams)
            changes["teams"] = sorted(t.slug for t in teams)
        if skills is not None and {s.pk for s in skills} != set(agent.skills.values_list("pk", flat=True)):
            agent.skills.set(skills)
            changes["skills"] = sorted(s.slug for s in skills)
        if changes:
            audit(
                agent.workspace_id,
                actor,
                "agent.updated",
                "agent",
                agent.pk,
                {"username": agent.user.get_username(), **changes},
            )
    return agent


def do_set_user_password(agent: Agent, password: str, *, actor: Agent | None) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, agent.user)
    except ValidationError as error:
        raise InvalidInput(gettext("Passwort: %(reasons)s") % {"reasons": " ".join(error.messages)}) from None
    with transaction.atomic():
        agent.user.set_password(password)
        agent.user.save(update_fields=["password"])
        audit(
            agent.workspace_id,
            actor,
            "agent.password_set",
            "agent",
            agent.pk,
            {"username": agent.user.get_username()},
        )


def agent_summary(agent: Agent) -> dict[str, Any]:
    """An agent as the CLI and the settings pages list it."""
    return {
        "id": agent.pk,
        "username": agent.user.get_username(),
        "display_name": agent.display_name,
        "email": agent.user.email,
        "role": agent.role,
        "teams": sorted(t.slug for t in agent.teams.all()),
        "skills": sorted(s.slug for s in agent.skills.all()),
        "languages": list(agent.languages),
        "capacity": agent.capacity,
        "presence": agent.presence,
        "active": agent.user.is_active,
    }
