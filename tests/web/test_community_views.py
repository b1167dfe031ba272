"""The public community pages through HTTP: asking under a nickname with matches shown while typing
(deflection measured), answering, escaping, limits, what is not shown."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from resonanz.community import actions
from resonanz.community.models import Question
from resonanz.knowledge import actions as knowledge_actions
from resonanz.knowledge.actions import ArticleInput

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_suggestions")]


def test_matches_while_typing_deflect_and_are_measured(agent, client: Client):
    knowledge_actions.do_create_article(
        agent.workspace,
        agent,
        ArticleInput(
            title="Umzug: Ihren Anschluss mitnehmen",
            body="Melden Sie den Umzug sechs Wochen vorher.",
            slug="umzug",
            status="published",
        ),
    )
    form = client.get("/community/fragen/").content.decode()
    found = re.search(r'name="visit" value="([0-9a-f]{32})"', form)
    assert found is not None
    visit = found.group(1)

    shown = client.get(
        "/community/treffer", {"title": "Ich ziehe um, was passiert mit meinem Anschluss?", "visit": visit}
    )
    html = shown.content.decode()
    assert "Umzug: Ihren Anschluss mitnehmen" in html
    opened = client.get("/community/weiter", {"visit": visit, "to": "/hilfe/de/umzug/"})
    assert opened.status_code == 302 and opened["Location"] == "/hilfe/de/umzug/"
    assert client.get("/community/weiter", {"visit": visit, "to": "https://evil.example/"}).status_code == 404

    # a second visitor sees the match but asks anyway
    other = "b" * 32
    client.get("/community/treffer", {"title": "Umzug nach Hamburg und mein Anschluss", "visit": other})
    asked = client.post(
        "/community/fragen/",
        {
            "visit": other,
            "nickname": "hamburg_hannes",
            "title": "Umzug nach Hamburg",
            "body": "Geht der Anschluss mit?",
        },
    )
    assert asked.status_code == 302
    figures = actions.deflection_figures(agent.workspace)
    assert (figures.visits_with_matches, figures.opened, figures.deflected, figures.share) == (2, 1, 1, 0.5)


def test_asking_and_answering_under_a_nickname_with_escaping(agent, client: Client):
    response = client.post(
        "/community/fragen/",
        {
            "nickname": "rita",
            "title": "<script>alert(1)</script> WLAN weg",
            "body": "<img src=x onerror=alert(1)>",
        },
    )
    question = Question.objects.get()
    assert response["Location"] == f"/community/{question.pk}/"
    assert (
        client.post(
            f"/community/{question.pk}/antworten", {"nickname": "helga", "body": "Router neu starten."}
        ).status_code
        == 302
    )
    page = client.get(f"/community/{question.pk}/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; WLAN weg" in page
    assert "Router neu starten." in page and "helga" in page
    assert "WLAN weg" in client.get("/community/").content.decode()


def test_queued_spam_is_not_shown_and_limits_answer_429(agent, client: Client):
    spammer = actions.do_join(agent.workspace, "spammer")
    spam = actions.do_ask_question(spammer, "GRATIS CASINO BONUS", "http://x.example http://y.example")
    assert client.get(f"/community/{spam.pk}/").status_code == 404
    for number in range(actions.QUESTIONS_PER_MEMBER_HOUR):
        actions.do_ask_question(actions.do_join(agent.workspace, "viel"), f"Frage Nummer {number}", "Text")
    limited = client.post(
        "/community/fragen/", {"nickname": "viel", "title": "Noch eine Frage", "body": "Text"}
    )
    assert limited.status_code == 429
    assert "Zu viele Fragen" in limited.content.decode()
    assert (
        client.post("/community/fragen/", {"nickname": "x", "title": "kurz", "body": ""}).status_code == 400
    )


def test_moderators_moderate_the_queue(agent, agent_client, client: Client):
    assert agent_client.get("/community/moderation/").status_code == 403  # an agent is no moderator
    agent.role = "moderator"
    agent.save(update_fields=["role"])
    spammer = actions.do_join(agent.workspace, "spammer")
    spam = actions.do_ask_question(spammer, "GRATIS CASINO BONUS", "http://x.example http://y.example")
    page = agent_client.get("/community/moderation/").content.decode()
    assert "GRATIS CASINO BONUS" in page
    assert client.get("/community/moderation/").status_code == 302  # login first
    assert (
        agent_client.post("/community/moderation/", {"question": spam.pk, "action": "approve"}).status_code
        == 302
    )
    spam.refresh_from_db()
    assert spam.status == Question.Status.OPEN
    agent_client.post("/community/moderation/", {"question": spam.pk, "action": "ban"})
    spammer.refresh_from_db()
    assert spammer.banned
    assert (
        agent_client.post("/community/moderation/", {"question": spam.pk, "action": "explode"}).status_code
        == 400
    )
