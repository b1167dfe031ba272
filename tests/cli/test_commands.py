"""The foundation's CLI commands, through call_command (and the console script for `run`, see
tests/scaleout/test_exactly_once.py, which starts and kills the real server)."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from resonanz.core.models import AuditEntry
from resonanz.workspaces.models import Agent, Workspace

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_init_is_idempotent():
    first = run("init", "--workspace", "Netzwelt Kommunikation")
    second = run("init", "--workspace", "Netzwelt Kommunikation")
    assert "ready: workspace 'Netzwelt Kommunikation' (netzwelt-kommunikation)" in first
    assert "ready" in second
    assert Workspace.objects.filter(slug="netzwelt-kommunikation").count() == 1
    # The default contact reasons exist once, so annotators and routing can sort by topic from day one.
    from resonanz.understanding.models import Topic

    slugs = list(
        Topic.objects.filter(workspace__slug="netzwelt-kommunikation").values_list("slug", flat=True)
    )
    assert len(slugs) == len(set(slugs)) > 0


def test_createagent_creates_a_login_with_persona_and_team():
    run("init", "--workspace", "Netzwelt")
    out = run(
        "createagent",
        "mia",
        "--name",
        "Mia Kramer",
        "--role",
        "admin",
        "--team",
        "1st Level",
        "--password",
        "sicher-genug-1",
    )
    assert "agent 'mia' created in 'Netzwelt'" in out
    agent = Agent.objects.get(user__username="mia")
    assert (agent.display_name, agent.initials, agent.role) == ("Mia Kramer", "MK", "admin")
    assert list(agent.teams.values_list("name", flat=True)) == ["1st Level"]
    assert authenticate(username="mia", password="sicher-genug-1") is not None
    assert AuditEntry.objects.filter(action="agent.created", object_id=agent.pk).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--password", "kurz"], "Das Passwort braucht mindestens 8 Zeichen"),
        (["--password", "sicher-genug-1", "--workspace", "gibtsnicht"], "no workspace 'gibtsnicht'"),
    ],
)
def test_createagent_refuses_bad_input_and_creates_nothing(args, message):
    run("init", "--workspace", "Netzwelt")
    with pytest.raises(CommandError, match=message):
        run("createagent", "mia", *args)
    assert not Agent.objects.exists()


def test_createagent_refuses_a_taken_username():
    run("init", "--workspace", "Netzwelt")
    run("createagent", "mia", "--password", "sicher-genug-1")
    with pytest.raises(CommandError, match="Einen Benutzer „mia“ gibt es schon"):
        run("createagent", "mia", "--password", "sicher-genug-2")
    assert Agent.objects.count() == 1


def test_openapi_check_passes_on_the_committed_schema():
    assert "OpenAPI schema is current" in run("openapi", "--check")
