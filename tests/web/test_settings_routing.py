"""Settings → Routing: rules on real topic slugs, the preview, the version history; scoped to the workspace."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from resonanz.core.models import AuditEntry
from resonanz.routing.models import RoutingRule, RuleSetVersion
from resonanz.testing.factories import AgentFactory, ConversationFactory, WorkspaceFactory
from resonanz.understanding.actions import do_ensure_default_topics
from resonanz.understanding.models import Annotation
from resonanz.workspaces.actions import do_ensure_skill, do_ensure_team

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


@pytest.fixture
def admin_client(workspace):
    do_ensure_default_topics(workspace)
    admin = make(AgentFactory, workspace=workspace, role="admin")
    client = Client()
    client.force_login(admin.user)
    return client


def rule_form(**changes: Any) -> dict[str, Any]:
    return {"name": "Störungen", "position": "10", "is_active": "on", "topics": "stoerung", **changes}


def test_admin_creates_edits_and_deletes_a_rule_each_a_version(admin_client, workspace):
    technik = do_ensure_team(workspace, "Technik")
    response = admin_client.post("/settings/routing/", rule_form(team=str(technik.pk), priority="2"))
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.topics, rule.team, rule.priority, rule.workspace) == ("stoerung", technik, 2, workspace)
    english = admin_client.get("/settings/routing/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Technik · high" in english and "· hoch" not in english  # the rule's priority in the UI language
    admin_client.post("/settings/routing/", rule_form(rule=str(rule.pk), topics="stoerung, geraet"))
    rule.refresh_from_db()
    assert rule.topics == "stoerung, geraet"
    admin_client.post(f"/settings/routing/{rule.pk}/delete")
    assert not RoutingRule.objects.exists()
    assert list(RuleSetVersion.objects.order_by("version").values_list("version", flat=True)) == [1, 2, 3]
    page = admin_client.get("/settings/routing/").content.decode()
    assert "deleted rule" in page
    assert AuditEntry.objects.filter(action__startswith="routing.rule_").count() == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"topics": "internet-weg"}, "Unbekanntes Thema: internet-weg"),
        ({"urgencies": "sofort"}, "Erlaubt: high, low, normal, urgent"),
        ({"name": ""}, "Dieses Feld ist zwingend erforderlich"),
    ],
)
def test_invalid_rules_are_refused_and_no_version_written(admin_client, changes, message):
    response = admin_client.post("/settings/routing/", rule_form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RoutingRule.objects.exists() and not RuleSetVersion.objects.exists()


def test_a_team_of_another_workspace_is_refused(admin_client):
    foreign = do_ensure_team(make(WorkspaceFactory, slug="andere", name="Andere"), "Fremd")
    response = admin_client.post("/settings/routing/", rule_form(team=str(foreign.pk)))
    assert response.status_code == 400
    assert not RoutingRule.objects.exists()


def test_an_admin_cannot_touch_another_workspaces_rules(admin_client):
    other = make(WorkspaceFactory, slug="andere", name="Andere")
    foreign = RoutingRule.objects.create(workspace=other, name="Fremd", position=1)
    assert admin_client.get(f"/settings/routing/?edit={foreign.pk}").status_code == 404
    assert admin_client.post("/settings/routing/", rule_form(rule=str(foreign.pk))).status_code == 404
    assert admin_client.post(f"/settings/routing/{foreign.pk}/delete").status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Fremd"
    assert "Fremd" not in admin_client.get("/settings/routing/").content.decode()


def test_the_preview_says_which_agent_would_get_the_conversation(admin_client, workspace, fake_account):
    technik = do_ensure_team(workspace, "Technik")
    skill = do_ensure_skill(workspace, "Störungen")
    expert = make(AgentFactory, workspace=workspace, display_name="Felix Schubert", presence="online")
    expert.teams.add(technik)
    expert.skills.add(skill)
    make(AgentFactory, workspace=workspace, display_name="Paul Zimmermann", presence="online")
    admin_client.post("/settings/routing/", rule_form(team=str(technik.pk), skill=str(skill.pk)))
    conversation = make(ConversationFactory, channel_account=fake_account)
    message = conversation.messages.create(
        workspace=workspace,
        channel_account=fake_account,
        direction="in",
        text="Internet weg",
        external_id="p-1",
        created_at=conversation.created_at,
        received_at=conversation.created_at,
    )
    Annotation.objects.create(message=message, annotator="topic", version="1", label="stoerung", score=0.9)
    page = admin_client.get("/settings/routing/", {"preview": conversation.pk}).content.decode()
    assert "<code>stoerung</code>" in page
    owner = page.split('id="preview-owner"', 1)[1]
    assert "Felix Schubert" in owner and "Paul Zimmermann" not in owner
    conversation.refresh_from_db()
    assert conversation.owner_id is None  # a preview writes nothing
