"""Settings → Themen, Textbausteine, SLAs."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from resonanz.conversations.models import Macro, SlaPolicy
from resonanz.conversations.sla import targets_for
from resonanz.core.models import AuditEntry
from resonanz.testing.factories import AgentFactory, WorkspaceFactory
from resonanz.understanding.models import Topic

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


def login(workspace: Any, role: str) -> Client:
    client = Client()
    client.force_login(make(AgentFactory, workspace=workspace, role=role).user)
    return client


def test_admin_adds_a_topic_with_example_phrases(workspace):
    client = login(workspace, "admin")
    response = client.post(
        "/settings/topics/",
        {
            "name": "Umzug",
            "slug": "umzug",
            "example_phrases": "Ich ziehe um\nI am moving house\n",
            "is_private": "on",
        },
    )
    assert response.status_code == 302
    topic = Topic.objects.get(workspace=workspace, slug="umzug")
    assert (topic.example_phrases, topic.is_private) == (["Ich ziehe um", "I am moving house"], True)
    assert AuditEntry.objects.get(action="topic.saved").data == {"slug": "umzug", "name": "Umzug"}
    assert client.post("/settings/topics/", {"name": ""}).status_code == 400


def test_a_lead_manages_macros_and_a_bad_placeholder_is_refused(workspace):
    client = login(workspace, "lead")
    assert (
        client.post(
            "/settings/macros/", {"name": "Gruß", "language": "de", "text": "Hallo {customer_name}"}
        ).status_code
        == 302
    )
    macro = Macro.objects.get()
    response = client.post(
        "/settings/macros/",
        {"macro": str(macro.pk), "name": "Gruß", "language": "de", "text": "Hallo {kundennummer}"},
    )
    assert response.status_code == 400 and "Unbekannte Platzhalter" in response.content.decode()
    macro.refresh_from_db()
    assert macro.text == "Hallo {customer_name}"
    client.post(
        "/settings/macros/",
        {"macro": str(macro.pk), "name": "Gruß", "language": "en", "text": "Hi {customer_first_name}"},
    )
    macro.refresh_from_db()
    assert (macro.language, macro.text) == ("en", "Hi {customer_first_name}")
    client.post(f"/settings/macros/{macro.pk}/delete")
    assert not Macro.objects.exists()
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == [
        "macro.created",
        "macro.updated",
        "macro.deleted",
    ]
    assert login(workspace, "agent").get("/settings/macros/").status_code == 403


def test_admin_sets_sla_targets_that_the_sla_clocks_use(workspace):
    client = login(workspace, "admin")
    response = client.post(
        "/settings/sla/",
        {
            "channel_kind": "x",
            "priority": "2",
            "first_response_minutes": "20",
            "resolution_minutes": "240",
            "warn_before_minutes": "5",
        },
    )
    assert response.status_code == 302
    targets = targets_for(workspace.pk, "x", 2)
    assert (targets.first_response_minutes, targets.resolution_minutes) == (20, 240)
    bad = client.post(
        "/settings/sla/",
        {"channel_kind": "x", "priority": "2", "first_response_minutes": "60", "resolution_minutes": "30"},
    )
    assert bad.status_code == 400
    assert SlaPolicy.objects.get().first_response_minutes == 20
    other = make(WorkspaceFactory, slug="andere", name="Andere")
    foreign = SlaPolicy.objects.create(
        workspace=other, channel_kind="", priority=None, first_response_minutes=5, resolution_minutes=50
    )
    assert client.post(f"/settings/sla/{foreign.pk}/delete").status_code == 404
    assert SlaPolicy.objects.filter(pk=foreign.pk).exists()


def test_the_catalog_pages_render(workspace):
    client = login(workspace, "admin")
    macro = Macro.objects.create(
        workspace=workspace, name="Gruß", language="de", text="Hallo {customer_name}"
    )
    for url in (
        "/settings/topics/",
        "/settings/macros/",
        f"/settings/macros/?edit={macro.pk}",
        "/settings/sla/",
    ):
        assert client.get(url).status_code == 200, url
    assert "Hallo {customer_name}" in client.get(f"/settings/macros/?edit={macro.pk}").content.decode()


def test_a_topic_has_an_english_name_and_a_failure_demand_flag(workspace):
    from django.utils import translation

    from resonanz.web.templatetags.resonanz_web import topic_name

    client = login(workspace, "admin")
    response = client.post(
        "/settings/topics/",
        {"name": "Falsche Rechnung", "name_en": "Wrong invoice", "is_failure_demand": "on"},
    )
    assert response.status_code == 302
    topic = Topic.objects.get(workspace=workspace, slug="falsche-rechnung")
    assert (topic.name_en, topic.is_failure_demand) == ("Wrong invoice", True)
    with translation.override("en"):
        assert topic_name(topic) == "Wrong invoice"
    with translation.override("de"):
        assert topic_name(topic) == "Falsche Rechnung"
    assert "Wrong invoice" in client.get("/settings/topics/").content.decode()


def test_the_default_topics_know_their_english_names_and_failure_demand(workspace):
    from resonanz.understanding.actions import do_ensure_default_topics

    topics = {t.slug: t for t in do_ensure_default_topics(workspace)}
    assert topics["stoerung"].name_en == "Outage" and topics["stoerung"].is_failure_demand
    assert topics["lob"].name_en == "Praise" and not topics["lob"].is_failure_demand


def test_a_macro_is_limited_to_channel_kinds_and_a_bad_kind_is_refused(workspace):
    client = login(workspace, "lead")
    response = client.post(
        "/settings/macros/",
        {"name": "Mail-Gruß", "language": "de", "text": "Hallo", "channel_kinds": ["email", "app"]},
    )
    assert response.status_code == 302
    assert Macro.objects.get(workspace=workspace, name="Mail-Gruß").channel_kinds == ["email", "app"]
    bad = client.post(
        "/settings/macros/",
        {"name": "Kaputt", "language": "de", "text": "Hallo", "channel_kinds": ["<script>"]},
    )
    assert bad.status_code == 400
    assert not Macro.objects.filter(workspace=workspace, name="Kaputt").exists()


def test_the_sla_page_shows_the_built_in_targets(workspace):
    page = login(workspace, "admin").get("/settings/sla/").content.decode()
    defaults = page[page.index("data-sla-defaults") :]
    assert "<tr><td>dringend</td><td>30 min</td><td>240 min</td><td>15 min</td></tr>" in defaults
    assert "docs/sla.md" not in page
