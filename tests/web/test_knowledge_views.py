"""Knowledge pages through HTTP: suggestions beside the composer and one-click insertion, a draft article
from a conversation, the public help centre (search, article, feedback, caching, bad input)."""

from __future__ import annotations

import pytest
from django.test import Client

from resonanz.knowledge import actions, suggest
from resonanz.knowledge.actions import ArticleInput
from resonanz.knowledge.models import Article, Feedback
from resonanz.testing.factories import ConversationFactory, MessageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_suggestions")]

ROUTER = ArticleInput(
    title="Router einrichten",
    body="1. Router an die Telefondose anschließen.\n2. Power-LED abwarten.\n3. Zugangsdaten eingeben.",
    slug="router-einrichten",
    category_slug="",
    status=Article.Status.PUBLISHED,
)


def test_suggestions_are_shown_and_inserted_into_the_composer(agent_client, agent, fake_account):
    article = actions.do_create_article(agent.workspace, agent, ROUTER)
    conversation = ConversationFactory(channel_account=fake_account)
    MessageFactory(conversation=conversation, text="Wie richte ich meinen neuen Router ein?")

    page = agent_client.get(f"/conversations/{conversation.pk}/")
    assert f'hx-get="/conversations/{conversation.pk}/suggestions"' in page.content.decode()
    listing = agent_client.get(f"/conversations/{conversation.pk}/suggestions", HTTP_HX_REQUEST="true")
    html = listing.content.decode()
    assert "Router einrichten" in html
    item = article.pk and suggest.index_for(agent.workspace_id).rows[0].item_id
    assert f"/suggestions/{item}/insert?version=1" in html

    inserted = agent_client.get(
        f"/conversations/{conversation.pk}/suggestions/{item}/insert", {"version": "1", "text": "Hallo Anna,"}
    )
    body = inserted.content.decode()
    assert inserted.status_code == 200
    assert body.startswith('<textarea id="reply-text"')
    # the fake channel imitates X: one line of plain text, 280 weighted characters at most
    assert (
        ">Hallo Anna,\n\nRouter an die Telefondose anschließen. Power-LED abwarten. Zugangsdaten eingeben.<"
        in body
    )


def test_suggestions_of_another_workspaces_conversation_are_not_found(agent_client):
    other = ConversationFactory(
        channel_account__workspace__slug="andere", channel_account__workspace__name="Andere"
    )
    assert agent_client.get(f"/conversations/{other.pk}/suggestions").status_code == 404


def test_a_withdrawn_suggestion_keeps_the_agents_text(agent_client, agent, fake_account):
    article = actions.do_create_article(agent.workspace, agent, ROUTER)
    conversation = ConversationFactory(channel_account=fake_account)
    item = suggest.index_for(agent.workspace_id, force=True).rows[0].item_id
    draft = ArticleInput(**{**ROUTER.__dict__, "status": Article.Status.DRAFT})
    actions.do_update_article(article, agent, draft, base_version=1)

    inserted = agent_client.get(
        f"/conversations/{conversation.pk}/suggestions/{item}/insert", {"version": "1", "text": "Mein Text"}
    )
    body = inserted.content.decode()
    assert ">Mein Text</textarea>" in body
    assert 'role="alert"' in body


def test_a_conversation_becomes_a_draft_article(agent_client, agent, fake_account):
    conversation = ConversationFactory(channel_account=fake_account, subject="Umzug")
    question = MessageFactory(
        conversation=conversation, text="Ich ziehe um, was passiert mit meinem Anschluss?"
    )
    MessageFactory(
        conversation=conversation,
        direction="out",
        author_agent=agent,
        reply_to=question,
        visibility="public",
        text="Melden Sie den Umzug sechs Wochen vorher, wir schalten am neuen Ort frei.",
    )
    response = agent_client.post(f"/conversations/{conversation.pk}/draft-article", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    article = Article.objects.get(source_conversation_id=conversation.pk)
    assert article.status == "draft" and "sechs Wochen" in article.body
    empty = ConversationFactory(channel_account=fake_account)
    assert agent_client.post(f"/conversations/{empty.pk}/draft-article").status_code == 400


def test_public_help_centre_lists_searches_and_shows_articles(agent, client: Client):
    actions.do_save_category(agent.workspace, "internet", "Internet & Router", "Internet & router")
    actions.do_create_article(
        agent.workspace, agent, ArticleInput(**{**ROUTER.__dict__, "category_slug": "internet"})
    )
    english = ArticleInput(**{**ROUTER.__dict__, "title": "Setting up your router", "language": "en"})
    actions.do_create_article(agent.workspace, agent, english)
    internal = ArticleInput(
        title="Interne Eskalation", body="Nur für uns", slug="intern", visibility="internal"
    )
    actions.do_create_article(
        agent.workspace, agent, ArticleInput(**{**internal.__dict__, "status": "published"})
    )

    home = client.get("/hilfe/de/").content.decode()
    assert "Internet &amp; Router" in home and "Router einrichten" in home
    assert "Interne Eskalation" not in home
    found = client.get("/hilfe/de/", {"q": "Router anschließen"}).content.decode()
    assert 'href="/hilfe/de/router-einrichten/"' in found
    article = client.get("/hilfe/de/router-einrichten/").content.decode()
    assert "<ol>" in article and 'hreflang="en"' in article
    assert client.get("/hilfe/de/intern/").status_code == 404
    assert client.get("/hilfe/tr/").status_code == 404
    assert client.get("/hilfe/en/router-einrichten/").status_code == 200


def test_script_in_a_title_and_body_is_escaped_on_the_public_page(agent, client: Client):
    evil = ArticleInput(
        title='<script>alert("t")</script> Rechnung',
        body='<script>alert("b")</script>\n\n[x](javascript:alert(1))',
        slug="rechnung",
        status="published",
    )
    actions.do_create_article(agent.workspace, agent, evil)
    page = client.get("/hilfe/de/rechnung/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; Rechnung" in page
    assert 'href="javascript' not in page


def test_feedback_is_recorded_and_bad_values_refused(agent, client: Client):
    article = actions.do_create_article(agent.workspace, agent, ROUTER)
    response = client.post("/hilfe/de/router-einrichten/feedback", {"helpful": "yes"})
    assert response.status_code == 302 and response["Location"].endswith("?danke=1")
    assert client.post("/hilfe/de/router-einrichten/feedback", {"helpful": "vielleicht"}).status_code == 400
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no, Feedback.objects.count()) == (1, 0, 1)


def test_public_pages_are_cached_for_a_burst_of_visitors(
    agent, client: Client, django_assert_max_num_queries
):
    actions.do_create_article(agent.workspace, agent, ROUTER)
    first = client.get("/hilfe/de/router-einrichten/")
    assert first.status_code == 200 and not first.cookies  # nothing per visitor: one cached copy for all
    assert client.get("/hilfe/de/").status_code == 200
    with django_assert_max_num_queries(0):
        for _ in range(50):  # new visitors without cookies
            assert Client().get("/hilfe/de/router-einrichten/").status_code == 200
            assert Client().get("/hilfe/de/").status_code == 200


def test_agents_write_articles_in_versions_and_see_the_diff(agent_client, agent):
    created = agent_client.post(
        "/wissen/neu/",
        {
            "title": "<b>WLAN</b> langsam",
            "body": "Router neu starten.",
            "language": "de",
            "status": "published",
        },
    )
    article = Article.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/wissen/{article.pk}/"
    form = {"title": "WLAN langsam", "body": "Router neu starten.\nKanal wechseln.", "language": "de"}
    assert agent_client.post(f"/wissen/{article.pk}/", {**form, "base_version": "1"}).status_code == 302
    # a colleague still on version 1 saves: conflict, their text stays in the form
    stale = agent_client.post(f"/wissen/{article.pk}/", {**form, "body": "Anderer Text", "base_version": "1"})
    assert stale.status_code == 409
    assert "Anderer Text" in stale.content.decode()
    assert 'name="base_version" value="2"' in stale.content.decode()
    article.refresh_from_db()
    assert article.version == 2

    diff = agent_client.get(f"/wissen/{article.pk}/diff", {"from": "1", "to": "2"}).content.decode()
    assert '<span class="added">+Kanal wechseln.</span>' in diff
    assert "&lt;b&gt;WLAN&lt;/b&gt; langsam" in diff
    listing = agent_client.get("/wissen/").content.decode()
    assert "<td>Forum</td><td>0</td><td>0</td><td>0</td><td>0 %</td>" in listing
    assert "<td>Widget und App</td>" in listing
    assert "WLAN langsam" in listing and "<b>WLAN" not in listing
    assert agent_client.get(f"/wissen/{article.pk}/diff", {"from": "1", "to": "9"}).status_code == 404


def test_articles_of_another_workspace_are_not_found(agent_client):
    from typing import cast

    from resonanz.testing.factories import AgentFactory, WorkspaceFactory
    from resonanz.workspaces.models import Agent

    other = cast(Agent, AgentFactory(workspace=WorkspaceFactory(slug="andere", name="Andere")))
    article = actions.do_create_article(other.workspace, other, ROUTER)
    assert agent_client.get(f"/wissen/{article.pk}/").status_code == 404
    assert (
        agent_client.post(
            f"/wissen/{article.pk}/", {"title": "x", "body": "y", "base_version": "1"}
        ).status_code
        == 404
    )
    assert agent_client.get(f"/wissen/{article.pk}/diff").status_code == 404
