"""Input that a form cannot parse (an id that is not a number, a time that is not one, an unknown action) on
the incident, community and knowledge pages: a 4xx with a message the person can read, the page again with
what they typed, never a 500 and nothing stored. And no view reads ``request.POST`` past its form."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import cast

import pytest
from django.test import Client
from django.utils import timezone

from resonanz.community import actions as community
from resonanz.community.models import Member, Question
from resonanz.conversations.models import Conversation
from resonanz.incidents.models import Announcement, Incident, IncidentMember, IncidentNotice
from resonanz.knowledge import actions as knowledge
from resonanz.knowledge.models import Article, Feedback
from resonanz.testing.factories import PASSWORD, AgentFactory, ConversationFactory
from resonanz.workspaces.models import Agent, Workspace

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_suggestions")]


def _client_of(workspace: Workspace, role: str) -> Client:
    agent = cast(Agent, AgentFactory(workspace=workspace, role=role))
    client = Client()
    assert client.login(username=agent.user.username, password=PASSWORD)
    return client


# --- incidents ---------------------------------------------------------------------------------------------


@pytest.fixture
def incident(fake_account) -> Incident:
    incident = Incident.objects.create(
        workspace=fake_account.workspace,
        title="Kein Internet in Köln",
        status="investigating",
        public_text="Wir arbeiten an einer Störung in Köln.",
        detected_at=timezone.now(),
        customer_count=2,
    )
    for _ in range(2):
        conversation = cast(Conversation, ConversationFactory(channel_account=fake_account))
        IncidentMember.objects.create(
            incident=incident,
            conversation=conversation,
            customer=conversation.customer,
            reported_at=timezone.now(),
        )
    return incident


def test_a_merge_target_that_is_not_a_number_is_refused_with_a_message(agent_client: Client, incident):
    response = agent_client.post(f"/incidents/{incident.pk}/action", {"action": "merge", "other": "abc"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Bitte eine Störung zum Zusammenführen wählen." in page
    assert "invalid literal" not in page
    incident.refresh_from_db()
    assert incident.status == "investigating"


def test_a_split_of_conversations_that_are_not_numbers_is_refused_and_the_title_kept(
    agent_client: Client, incident
) -> None:
    response = agent_client.post(
        f"/incidents/{incident.pk}/action",
        {"action": "split", "conversation_ids": ["abc"], "title": "Kein Internet in Bonn"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Abspalten: bitte Gespräche aus der Liste wählen." in page
    assert 'value="Kein Internet in Bonn"' in page
    assert Incident.objects.count() == 1


def test_an_unknown_incident_action_is_refused_with_a_message(agent_client: Client, incident) -> None:
    response = agent_client.post(f"/incidents/{incident.pk}/action", {"action": "explode"})
    assert response.status_code == 422
    assert "Unbekannte Aktion." in response.content.decode()


def test_a_refused_update_keeps_the_typed_public_text(agent_client: Client, incident) -> None:
    response = agent_client.post(
        f"/incidents/{incident.pk}/action",
        {"action": "update", "status": "kaputt", "public_text": "Ein Bagger hat das Kabel getroffen."},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Status: erlaubt sind" in page
    assert ">Ein Bagger hat das Kabel getroffen.</textarea>" in page
    incident.refresh_from_db()
    assert incident.public_text == "Wir arbeiten an einer Störung in Köln."


def test_an_update_with_the_box_unticked_notifies_nobody(agent_client: Client, incident) -> None:
    page = agent_client.get(f"/incidents/{incident.pk}/").content.decode()
    # An unticked box is not posted at all: the hidden "off" before it is, so the update says so.
    assert '<input type="hidden" name="notify" value="off"><input type="checkbox" name="notify" checked>' in (
        page.replace("<label>", "")
    )
    response = agent_client.post(
        f"/incidents/{incident.pk}/action",
        {"action": "update", "status": "identified", "public_text": "Kabel defekt.", "notify": "off"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "identified"
    assert not IncidentNotice.objects.exists()


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("", "Beginn: bitte Datum und Uhrzeit angeben."),
        ("morgen früh", "Beginn: kein gültiges Datum mit Uhrzeit."),
        ("2026-13-45T25:00", "Beginn: kein gültiges Datum mit Uhrzeit."),
    ],
)
def test_a_maintenance_window_with_a_bad_time_is_refused_and_the_text_kept(
    workspace, starts_at: str, message: str
) -> None:
    lead = _client_of(workspace, Agent.Role.LEAD)
    response = lead.post(
        "/incidents/announcements",
        {
            "kind": "maintenance",
            "title": "Wartung in Leipzig",
            "public_text": "Heute Nacht von 22 bis 4 Uhr kein Internet.",
            "regions": "Leipzig, Dresden",
            "starts_at": starts_at,
            "ends_at": "2026-12-08T04:00",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="Wartung in Leipzig"' in page
    assert ">Heute Nacht von 22 bis 4 Uhr kein Internet.</textarea>" in page
    assert 'value="Leipzig, Dresden"' in page
    assert 'value="2026-12-08T04:00"' in page
    assert not Announcement.objects.exists()


def test_a_maintenance_window_from_the_browser_is_stored_in_the_workspace_time(workspace) -> None:
    lead = _client_of(workspace, Agent.Role.LEAD)
    response = lead.post(
        "/incidents/announcements",
        {
            "kind": "maintenance",
            "title": "Wartung in Leipzig",
            "public_text": "Heute Nacht.",
            "regions": "Leipzig, Dresden",
            "starts_at": "2026-12-07T22:00",
            "ends_at": "2026-12-08T04:00",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/incidents/"
    stored = Announcement.objects.get()
    assert stored.regions == ["Leipzig", "Dresden"]
    assert stored.ends_at - stored.starts_at == dt.timedelta(hours=6)
    assert timezone.localtime(stored.starts_at).hour == 22


def test_an_announcement_the_action_refuses_shows_its_message_and_keeps_the_text(workspace) -> None:
    lead = _client_of(workspace, Agent.Role.LEAD)
    response = lead.post(
        "/incidents/announcements",
        {
            "kind": "maintenance",
            "title": "Wartung",
            "public_text": "Rückwärts.",
            "starts_at": "2026-12-08T04:00",
            "ends_at": "2026-12-07T22:00",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Eine Ankündigung muss nach ihrem Beginn enden" in page
    assert ">Rückwärts.</textarea>" in page
    assert not Announcement.objects.exists()


# --- community ---------------------------------------------------------------------------------------------


def _signed_in(member: Member) -> Client:
    client = Client()
    session = client.session
    session["community_member"] = member.pk
    session.save()
    client.cookies["sessionid"] = session.session_key or ""
    return client


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("question", "Frage nicht gefunden – bitte die Seite neu laden."),
        ("answer", "Antwort nicht gefunden – bitte die Seite neu laden."),
    ],
)
def test_moderation_of_an_id_that_is_not_a_number_is_refused_with_a_message(
    workspace, field: str, message: str
) -> None:
    moderator = _client_of(workspace, Agent.Role.MODERATOR)
    response = moderator.post("/community/moderation/", {field: "abc", "action": "approve"})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_moderation_of_a_held_answer_with_an_unknown_action_is_refused(workspace) -> None:
    asker = community.do_join(workspace, "asker")
    question = community.do_ask_question(asker, "WLAN bricht ab", "Immer abends.")
    held = community.do_answer(
        community.do_join(workspace, "spam"),
        question,
        "Bitcoin Gewinnspiel http://x.example http://y.example",
    )
    assert community.answer_queue(workspace).filter(pk=held.pk).exists()
    moderator = _client_of(workspace, Agent.Role.MODERATOR)
    response = moderator.post("/community/moderation/", {"answer": held.pk, "action": "explode"})
    assert response.status_code == 400
    assert "Unbekannte Aktion." in response.content.decode()
    assert community.answer_queue(workspace).filter(pk=held.pk).exists()


def test_a_member_moderating_an_answer_that_is_not_a_number_sees_a_message(workspace) -> None:
    asker = community.do_join(workspace, "asker")
    question = community.do_ask_question(asker, "Rechnung doppelt", "Zweimal abgebucht.")
    moderator = community.do_join(workspace, "moderatorin", email="mod@example.org")
    Member.objects.filter(pk=moderator.pk).update(is_moderator=True)
    response = _signed_in(moderator).post(
        f"/community/{question.pk}/moderieren", {"action": "hide_answer", "answer": "abc"}
    )
    assert response.status_code == 400
    assert "Antwort nicht gefunden – bitte die Seite neu laden." in response.content.decode()


def test_a_visitors_refused_answer_keeps_the_nickname_and_the_text(workspace, client: Client) -> None:
    asker = community.do_join(workspace, "asker")
    question = community.do_ask_question(asker, "WLAN bricht ab", "Immer abends.")
    community.do_join(workspace, "rita", email="rita@example.org")
    response = client.post(
        f"/community/{question.pk}/antworten",
        {"nickname": "rita", "body": "Den Router auf Kanal 11 stellen."},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "bitte zuerst anmelden" in page
    assert 'value="rita"' in page
    assert ">Den Router auf Kanal 11 stellen.</textarea>" in page
    assert not question.answers.exists()
    assert Question.objects.count() == 1


# --- knowledge ---------------------------------------------------------------------------------------------


def test_help_feedback_that_is_neither_yes_nor_no_is_refused_with_a_message(agent, client: Client) -> None:
    knowledge.do_create_article(
        agent.workspace,
        agent,
        knowledge.ArticleInput(
            title="Router einrichten", body="Anschließen.", slug="router-einrichten", status="published"
        ),
    )
    response = client.post("/hilfe/de/router-einrichten/feedback", {"helpful": "vielleicht"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Bitte „Ja“ oder „Nein“ wählen." in page
    assert "Router einrichten" in page  # the article again, its feedback buttons with it
    assert not Feedback.objects.exists()


def test_a_refused_article_keeps_everything_that_was_typed(agent_client: Client) -> None:
    response = agent_client.post(
        "/wissen/neu/",
        {
            "title": "Video: Router einrichten",
            "body": "Siehe Video.",
            "language": "en",
            "slug": "router-video",
            "visibility": "internal",
            "status": "published",
            "video_url": "ftp://video.example/router",
            "video_transcript": "Erst das Kabel, dann der Strom.",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Video-Link muss mit https:// beginnen" in page
    assert 'value="ftp://video.example/router"' in page
    assert ">Erst das Kabel, dann der Strom.</textarea>" in page
    assert '<option value="en" selected>' in page
    assert '<option value="internal" selected>' in page
    assert '<option value="published" selected>' in page
    assert not Article.objects.exists()


def test_an_article_version_that_is_not_a_number_is_refused_and_the_text_kept(agent_client, agent) -> None:
    article = knowledge.do_create_article(
        agent.workspace,
        agent,
        knowledge.ArticleInput(
            title="WLAN langsam", body="Router neu starten.", slug="wlan", category_slug=""
        ),
    )
    response = agent_client.post(
        f"/wissen/{article.pk}/",
        {"title": "WLAN langsam", "body": "Kanal wechseln.", "language": "de", "base_version": "zwei"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Version unbekannt" in page
    assert ">Kanal wechseln.</textarea>" in page
    article.refresh_from_db()
    assert article.version == 1


# --- no view reads request.POST past its form -------------------------------------------------------------

WEB = Path(__file__).resolve().parents[2] / "resonanz" / "web"


def _direct_reads(path: Path) -> list[int]:
    """Lines where ``request.POST`` is used other than as an argument of a call (a form's data)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    passed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                for choice in (
                    [argument.body, argument.orelse] if isinstance(argument, ast.IfExp) else [argument]
                ):
                    passed.add(id(choice))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "POST"
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
        and id(node) not in passed
    ]


def test_no_web_view_reads_request_post_past_a_form() -> None:
    found = {
        str(path.relative_to(WEB)): lines
        for path in sorted(WEB.rglob("*.py"))
        if (lines := _direct_reads(path))
    }
    assert found == {}, "read posts through a form in resonanz/web/forms.py: forms.read(Form, request.POST)"
