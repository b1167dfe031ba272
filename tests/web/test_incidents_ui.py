"""The incidents in the agent UI and the public status page."""

from __future__ import annotations

import datetime as dt
import json
from typing import cast

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from resonanz.conversations.models import Conversation
from resonanz.incidents.models import Announcement, Incident, IncidentMember
from resonanz.testing.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def incident(fake_account):
    incident = Incident.objects.create(
        workspace=fake_account.workspace,
        title="Kein Internet in Köln",
        public_title="Kein Internet in Köln",
        status="investigating",
        public_text="Wir arbeiten an einer Störung in Köln.",
        cities={"Köln": 8},
        states={"Nordrhein-Westfalen": 8},
        detected_at=timezone.now(),
        customer_count=1,
    )
    conversation = cast(Conversation, ConversationFactory(channel_account=fake_account))
    IncidentMember.objects.create(
        incident=incident,
        conversation=conversation,
        customer=conversation.customer,
        reported_at=timezone.now(),
    )
    return incident


def test_the_agent_sees_the_list_the_page_and_the_banner(agent_client: Client, incident) -> None:
    assert "Kein Internet in Köln" in agent_client.get("/incidents/").content.decode()
    page = agent_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Update an alle Betroffenen" in page
    assert "Köln" in page
    banner = agent_client.get("/incidents/banner").content.decode()
    assert "Kein Internet in Köln" in banner
    member = IncidentMember.objects.get()
    fragment = agent_client.get(f"/conversations/{member.conversation_id}/incident").content.decode()
    assert "Teil der Störung" in fragment


def test_an_update_from_the_page_is_stored_and_a_bad_one_is_shown(agent_client: Client, incident) -> None:
    response = agent_client.post(
        f"/incidents/{incident.pk}/action",
        {"action": "update", "status": "identified", "public_text": "Ein Kabel ist defekt.", "notify": "on"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "identified"
    bad = agent_client.post(f"/incidents/{incident.pk}/action", {"action": "update", "status": "kaputt"})
    assert bad.status_code == 422
    assert "Status: erlaubt sind" in bad.content.decode()


def test_another_workspace_cannot_see_the_incident(client: Client, incident) -> None:
    from resonanz.testing.factories import PASSWORD, AgentFactory

    outsider = AgentFactory(workspace__slug="andere", workspace__name="Andere")
    assert client.login(username=outsider.user.username, password=PASSWORD)
    assert client.get(f"/incidents/{incident.pk}/").status_code == 404
    assert client.post(f"/incidents/{incident.pk}/action", {"action": "dismiss"}).status_code == 404
    incident.refresh_from_db()
    assert incident.status == "investigating"


def test_the_pages_need_a_login(client: Client, incident) -> None:
    assert client.get("/incidents/").status_code == 302


def test_the_public_status_page_shows_confirmed_incidents_without_login(
    client: Client, incident, fake_account, django_assert_num_queries
) -> None:
    Incident.objects.create(workspace=fake_account.workspace, title="Nur ein Verdacht", status="suggested")
    now = timezone.now()
    Announcement.objects.create(
        workspace=fake_account.workspace, title="Wartung Leipzig und Dresden", public_text="Heute Nacht.",
        regions=["Leipzig", "Dresden"], starts_at=now + dt.timedelta(hours=3), ends_at=now + dt.timedelta(hours=7),
    )  # fmt: skip
    slug = fake_account.workspace.slug
    page = client.get(f"/status/{slug}/").content.decode()
    assert "Kein Internet in Köln" in page
    assert "Nur ein Verdacht" not in page
    assert "Wartung Leipzig und Dresden" in page
    assert "Aktuelle Störungen" in page
    english = client.get(f"/status/{slug}/?lang=en").content.decode()
    assert "Current incidents" in english
    with django_assert_num_queries(0):  # cached: a burst of visitors costs nothing
        client.get(f"/status/{slug}/")
    data = json.loads(client.get(f"/status/{slug}/status.json").content)
    assert [i["title"] for i in data["incidents"]] == ["Kein Internet in Köln"]
    assert data["incidents"][0]["regions"] == ["Köln"]
    assert data["announcements"][0]["regions"] == ["Leipzig", "Dresden"]
    feed = client.get(f"/status/{slug}/feed.atom")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "Kein Internet in Köln" in feed.content.decode()
    assert client.get("/status/unbekannt/").status_code == 404


def test_a_customer_of_another_region_sees_no_incident(incident) -> None:
    from resonanz.incidents.access import current_status_for_region

    assert current_status_for_region(incident.workspace, "Köln", "de") == (
        "Wir untersuchen eine Störung in Köln: Wir arbeiten an einer Störung in Köln."
    )
    assert current_status_for_region(incident.workspace, "München", "de") is None


def _second_member(incident: Incident) -> int:
    conversation = cast(
        Conversation, ConversationFactory(channel_account=Conversation.objects.get().channel_account)
    )
    IncidentMember.objects.create(
        incident=incident,
        conversation=conversation,
        customer=conversation.customer,
        reported_at=timezone.now(),
    )
    return conversation.pk


def test_an_agent_splits_members_off_on_the_page(agent_client: Client, incident) -> None:
    second = _second_member(incident)
    page = agent_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'name="conversation_ids"' in page and "abspalten" in page
    response = agent_client.post(
        f"/incidents/{incident.pk}/action",
        {"action": "split", "conversation_ids": [str(second)], "title": "Kein Internet in Bonn"},
    )
    new = Incident.objects.get(title="Kein Internet in Bonn")
    assert response.status_code == 302 and response["Location"] == f"/incidents/{new.pk}/"
    assert list(IncidentMember.objects.filter(incident=new).values_list("conversation_id", flat=True)) == [
        second
    ]
    refused = agent_client.post(
        f"/incidents/{new.pk}/action", {"action": "split", "conversation_ids": [str(second)]}
    )
    assert refused.status_code == 422  # not all of its members


def test_the_api_lists_reads_and_splits_incidents(agent_client: Client, incident) -> None:
    second = _second_member(incident)
    listed = agent_client.get("/api/incidents").json()
    assert [row["id"] for row in listed] == [incident.pk]
    read = agent_client.get(f"/api/incidents/{incident.pk}").json()
    assert read["status"] == "investigating" and second in read["conversation_ids"]
    response = agent_client.post(
        f"/api/incidents/{incident.pk}/split",
        json.dumps({"conversation_ids": [second], "title": "Bonn"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["conversation_ids"] == [second] and response.json()["title"] == "Bonn"
    assert agent_client.get(f"/api/incidents/{incident.pk}").json()["member_count"] == 1
    bad = agent_client.post(
        f"/api/incidents/{incident.pk}/split",
        json.dumps({"conversation_ids": [second]}),
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_the_status_page_draws_the_map_of_germany_by_federal_state(
    client: Client, incident, fake_account
) -> None:
    now = timezone.now()
    Announcement.objects.create(
        workspace=fake_account.workspace, title="Wartung Leipzig und Dresden", public_text="Heute Nacht.",
        regions=["Leipzig", "Dresden"], starts_at=now, ends_at=now + dt.timedelta(hours=4),
    )  # fmt: skip
    page = client.get(f"/status/{fake_account.workspace.slug}/").content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count("<path ") == 16
    assert 'data-state="DE-NW" data-condition="incident"' in svg
    assert 'data-state="DE-SN" data-condition="maintenance"' in svg
    assert 'data-state="DE-BY" data-condition="normal"' in svg
    assert "<title>Nordrhein-Westfalen: Störung – Kein Internet in Köln</title>" in svg
    # The same in words, for screen readers and without colour, and the map data's attribution.
    assert "<strong>Sachsen</strong>: Wartung – Wartung Leipzig und Dresden" in page
    assert "© GeoBasis-DE / BKG" in page
    assert "<script" not in page and "//cdn" not in page
    english = client.get(f"/status/{fake_account.workspace.slug}/?lang=en").content.decode()
    assert "<strong>Nordrhein-Westfalen</strong>: Incident" in english and "Map of Germany" in english


def test_a_hostile_title_is_escaped_in_the_map(client: Client, incident) -> None:
    hostile = '<script>alert(1)</script>"><svg onload=x>'
    Incident.objects.filter(pk=incident.pk).update(title=hostile, public_title=hostile)
    page = client.get(f"/status/{incident.workspace.slug}/").content.decode()
    assert "<script>alert(1)" not in page and "<svg onload" not in page


def test_the_incident_page_shows_its_states_on_the_map(agent_client: Client, incident) -> None:
    page = agent_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-state="DE-NW" data-condition="incident"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/customers/",
        "/notifications/",
        "/team/",
        "/wissen/",
        "/community/moderation/",
        "/incidents/",
        "/settings/channels/",
        "/settings/audit/",
    ],
)
def test_every_agent_screen_loads_the_banner(admin_client_of_workspace: Client, path: str) -> None:
    page = admin_client_of_workspace.get(path)
    assert page.status_code == 200, path
    assert 'id="incident-banner"' in page.content.decode(), path


@pytest.fixture
def admin_client_of_workspace(workspace) -> Client:
    from resonanz.testing.factories import PASSWORD, AgentFactory
    from resonanz.workspaces.models import Agent

    agent = AgentFactory(workspace=workspace, role=Agent.Role.ADMIN)
    client = Client()
    assert client.login(username=agent.user.username, password=PASSWORD)
    return client


def test_the_banner_shows_the_announcement_text_to_every_agent(agent_client: Client, fake_account) -> None:
    now = timezone.now()
    Announcement.objects.create(
        workspace=fake_account.workspace, kind="launch", title="Neuer Tarif", public_text="Ab Montag <b>50 %</b>.",
        regions=[], starts_at=now, ends_at=now + dt.timedelta(days=3),
    )  # fmt: skip
    banner = agent_client.get("/incidents/banner").content.decode()
    assert "Neuer Tarif" in banner and "Ab Montag &lt;b&gt;50 %&lt;/b&gt;." in banner


def test_the_public_pages_never_show_a_detected_title_only_the_public_one(
    client: Client, agent_client: Client, incident, agent
) -> None:
    """A detected incident is named after a customer's message (here a private app report): the status
    page, its JSON and feed show "Störung in Köln" until an agent writes a public title (decision 0874)."""
    customer_words = "Problem melden: Kein Internet. Ort: 50999 Köln. Tel. 0221 5550123"
    Incident.objects.filter(pk=incident.pk).update(title=customer_words, public_title="", detector_key=7)
    slug = incident.workspace.slug

    def public() -> str:
        cache.clear()
        return "".join(
            client.get(f"/status/{slug}/{tail}").content.decode() for tail in ("", "status.json", "feed.atom")
        )

    shown = public()
    assert "50999" not in shown and "Problem melden" not in shown
    assert shown.count("Störung in Köln") >= 3  # page (heading, map, history), JSON, feed
    cache.clear()
    assert "Incident in Köln" in client.get(f"/status/{slug}/?lang=en").content.decode()
    page = agent_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert customer_words in page and "wird nie veröffentlicht" in page  # the team sees it, and why

    response = agent_client.post(
        f"/incidents/{incident.pk}/action",
        {"action": "rename", "title": "Köln: Kabelschaden", "public_title": "Störung Internet in Köln-Porz"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.public_title) == ("Köln: Kabelschaden", "Störung Internet in Köln-Porz")
    shown = public()
    assert shown.count("Störung Internet in Köln-Porz") >= 3 and "Kabelschaden" not in shown
    from resonanz.core.models import AuditEntry

    entry = AuditEntry.objects.get(action="incident.renamed", object_id=incident.pk)
    assert entry.actor_id == agent.pk and entry.data["title"] == [customer_words, "Köln: Kabelschaden"]


def test_a_rename_without_a_title_is_refused_and_shown(agent_client: Client, incident) -> None:
    bad = agent_client.post(
        f"/incidents/{incident.pk}/action", {"action": "rename", "title": "  ", "public_title": "Neu"}
    )
    assert bad.status_code == 422 and "braucht einen Titel" in bad.content.decode()
    long = agent_client.post(
        f"/incidents/{incident.pk}/action", {"action": "rename", "title": "x", "public_title": "y" * 201}
    )
    assert long.status_code == 422 and "höchstens 200 Zeichen" in long.content.decode()
    incident.refresh_from_db()
    assert incident.public_title == "Kein Internet in Köln"


def test_the_api_renames_an_incident(agent_client: Client, incident) -> None:
    response = agent_client.post(
        f"/api/incidents/{incident.pk}/rename",
        json.dumps({"title": "Köln intern", "public_title": ""}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["public_title"], body["shown_title"]) == (
        "Köln intern",
        "",
        "Incident in Köln",
    )
    refused = agent_client.post(
        f"/api/incidents/{incident.pk}/rename", json.dumps({"title": ""}), content_type="application/json"
    )
    assert refused.status_code == 400


def test_an_update_not_sent_to_the_customers_says_so_instead_of_zero_queued(
    agent_client: Client, incident
) -> None:
    agent_client.post(
        f"/incidents/{incident.pk}/action",
        {
            "action": "update",
            "status": "identified",
            "public_text": "Nur für die Statusseite.",
            "notify": "off",
        },
    )
    page = agent_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "nicht an die Kunden gesendet" in page and "0 / 1" not in page
