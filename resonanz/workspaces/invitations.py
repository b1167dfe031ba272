"""Inviting an agent by e-mail: the agent is created without a password and gets a one-time link to set
one. The link carries Django's password-reset token, which is void once the password is set (it hashes the
password) and after PASSWORD_RESET_TIMEOUT, so it works once."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from resonanz.core.errors import InvalidInput
from resonanz.workspaces.actions import audit, do_create_agent
from resonanz.workspaces.models import Agent, Skill, Team


def invitation_path(agent: Agent) -> str:
    uid = urlsafe_base64_encode(force_bytes(agent.user.pk))
    return f"/invite/{uid}/{default_token_generator.make_token(agent.user)}/"


def do_invite_agent(
    workspace_agent: Agent,
    *,
    username: str,
    display_name: str,
    email: str,
    role: str,
    base_url: str,
    teams: list[Team] | None = None,
    skills: list[Skill] | None = None,
    languages: list[str] | None = None,
    capacity: int = 20,
) -> Agent:
    """Create the agent (no password yet) and e-mail the one-time link; a mail that cannot be sent undoes
    the invitation, so nothing is saved half."""
    if "@" not in email:
        raise InvalidInput(_("E-Mail: für eine Einladung nötig."))
    with transaction.atomic():
        agent = do_create_agent(
            workspace_agent.workspace,
            username=username,
            password=None,
            display_name=display_name or username,
            email=email,
            role=role,
            teams=teams,
            skills=skills,
            languages=languages,
            capacity=capacity,
            actor=workspace_agent,
        )
        link = base_url.rstrip("/") + invitation_path(agent)
        try:
            send_mail(
                _("Einladung zu Resonanz (%(workspace)s)") % {"workspace": agent.workspace.name},
                _(
                    "Hallo %(name)s,\n\n%(inviter)s lädt Sie in den Arbeitsbereich %(workspace)s ein. "
                    "Mit diesem Link legen Sie Ihr Passwort fest (er gilt einmal):\n\n%(link)s\n\n"
                    "Ihr Anmeldename: %(username)s\n"
                )
                % {
                    "name": agent.display_name,
                    "inviter": workspace_agent.display_name,
                    "workspace": agent.workspace.name,
                    "link": link,
                    "username": username,
                },
                settings.DEFAULT_FROM_EMAIL,
                [email],
            )
        except OSError as error:
            raise InvalidInput(
                _("Die Einladung konnte nicht gesendet werden: %(error)s") % {"error": error}
            ) from None
        audit(
            agent.workspace_id,
            workspace_agent,
            "agent.invited",
            "agent",
            agent.pk,
            {"username": username, "email": email},
        )
    return agent


def agent_for_invitation(uidb64: str, token: str) -> Agent | None:
    """The invited agent if the link is valid (and unused), else None."""
    try:
        user_pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    agent = (
        Agent.objects.select_related("user", "workspace")
        .filter(user__pk=user_pk, user__is_active=True)
        .first()
    )
    if agent is None or not default_token_generator.check_token(agent.user, token):
        return None
    return agent
