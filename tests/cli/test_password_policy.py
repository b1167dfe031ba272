"""The password policy for agents: Django's validators on every password an agent gets, and the demo's
published password only in the demo workspace (through the CLI and the admin's password form)."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from resonanz.demo import content
from resonanz.demo.loader import ensure_agents
from resonanz.testing.factories import PASSWORD, AgentFactory
from resonanz.workspaces.actions import do_create_workspace
from resonanz.workspaces.models import Agent

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345678901", "Dieses Passwort ist komplett numerisch."),
        ("password123", "Dieses Passwort ist zu üblich."),
        ("mia.kramer1", "Das Passwort ist zu ähnlich zu Benutzername."),
        (content.DEMO_PASSWORD, "Das veröffentlichte Demo-Passwort gilt nur im Demo-Arbeitsbereich"),
    ],
)
def test_createagent_refuses_weak_and_published_passwords(password, message):
    run("init", "--workspace", "Netzwelt")
    with pytest.raises(CommandError, match=message):
        run("createagent", "mia.kramer", "--password", password)
    assert not Agent.objects.exists()


def test_the_demo_workspace_keeps_its_published_password():
    workspace = do_create_workspace(content.WORKSPACE_NAME)
    agents = ensure_agents(workspace)
    assert authenticate(username="demo", password=content.DEMO_PASSWORD) == agents["demo"].user
    workspace.refresh_from_db()
    assert workspace.settings["demo"] is True


def test_an_admin_cannot_give_a_real_agent_the_published_password(workspace):
    admin = get_user_model().objects.create_superuser("operator", "", "betreiber-passwort-1")
    agent = AgentFactory(workspace=workspace)
    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/admin/auth/user/{agent.user.pk}/password/",
        {"password1": content.DEMO_PASSWORD, "password2": content.DEMO_PASSWORD},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "Demo-Passwort gilt nur im Demo-Arbeitsbereich" in response.content.decode()
    agent.user.refresh_from_db()
    assert agent.user.check_password(PASSWORD)


def test_the_demo_refuses_a_workspace_with_agents_of_its_own(workspace):
    """`resonanz demo` on a company's only workspace would add 20 logins (one an admin) with a password
    printed in the README: refused, nothing created."""
    own = AgentFactory(workspace=workspace)
    with pytest.raises(CommandError, match="hat eigene Servicekräfte"):
        call_command("demo", verbosity=0, stdout=io.StringIO())
    assert list(Agent.objects.values_list("pk", flat=True)) == [own.pk]
    workspace.refresh_from_db()
    assert "demo" not in workspace.settings
