"""The knowledge base in a real browser, as an agent and as a customer: a suggestion beside the open
conversation inserted into the composer with one click, a new article version and its diff, the public
help centre's search, article and "did this help?", and the moderation queue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from resonanz.community import actions as community
from resonanz.community.models import Question
from resonanz.knowledge import suggest
from resonanz.knowledge.actions import ArticleInput, do_create_article
from resonanz.knowledge.models import Article
from resonanz.testing.factories import PASSWORD, AgentFactory, ConversationFactory, MessageFactory

from .pages import ConversationPage, LoginPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_agent_inserts_a_suggestion_edits_an_article_and_customers_read_it(page, live_server, tmp_path):
    target = Path(os.environ.get("RESONANZ_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    agent = AgentFactory(role="moderator")
    suggest.forget_indexes()
    article = do_create_article(
        agent.workspace,
        agent,
        ArticleInput(
            title="Router blinkt rot: so beheben Sie es",
            body="Prüfen Sie das **DSL-Kabel** in der TAE-Dose und starten Sie den Router neu.",
            slug="router-blinkt-rot",
            status=Article.Status.PUBLISHED,
        ),
    )
    conversation = ConversationFactory(workspace=agent.workspace)
    MessageFactory(conversation=conversation, text="Hilfe, mein Router blinkt seit heute rot!")
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)

    LoginPage(page, live_server.url).open().log_in(agent.user.username, PASSWORD)
    ConversationPage(page, live_server.url, conversation.pk).open()
    suggestion = page.locator("#suggestions .suggestion.kind-article")
    expect(suggestion.locator(".title")).to_have_text("Router blinkt rot: so beheben Sie es")
    suggestion.get_by_role("button", name="Einfügen").click()
    expect(page.locator("#reply-text")).to_have_value(
        "Prüfen Sie das DSL-Kabel in der TAE-Dose und starten Sie den Router neu."
    )
    page.screenshot(path=str(target / "knowledge-suggestion.png"))

    # a new version, then its diff
    page.goto(f"{live_server.url}/wissen/{article.pk}/")
    page.locator("#body").fill("Prüfen Sie das DSL-Kabel. Neu: die Power-LED muss grün leuchten.")
    page.get_by_role("button", name="Speichern").click()
    page.goto(f"{live_server.url}/wissen/{article.pk}/")
    page.get_by_role("link", name="Änderungen").click()
    expect(page.locator(".added").last).to_contain_text("Power-LED")

    # the public help centre: search, article, feedback
    customer = page.context.browser.new_context(locale="de-DE")  # type: ignore[union-attr]
    visitor = customer.new_page()
    visitor.set_default_timeout(30_000)
    visitor.goto(f"{live_server.url}/hilfe/de/")
    visitor.locator("#q").fill("Lampe rot")
    visitor.locator("#q").press("Enter")
    visitor.get_by_role("region", name="Suchergebnisse").get_by_role(
        "link", name="Router blinkt rot: so beheben Sie es"
    ).click()
    expect(visitor.locator("article")).to_contain_text("Power-LED")
    visitor.get_by_role("button", name="Ja").click()
    expect(visitor.get_by_text("Danke für Ihre Rückmeldung!")).to_be_visible()
    customer.close()
    article.refresh_from_db()
    assert article.helpful_yes == 1

    # moderation: a spam question waits, the moderator approves it
    spammer = community.do_join(agent.workspace, "spam_sam")
    spam = community.do_ask_question(spammer, "GRATIS CASINO BONUS", "http://a.example http://b.example")
    page.goto(f"{live_server.url}/community/moderation/")
    row = page.locator("table.moderation tr", has_text="GRATIS CASINO BONUS").first
    row.get_by_role("button", name="Freigeben").click()
    expect(page.locator("table.moderation").first).not_to_contain_text("GRATIS CASINO BONUS")
    spam.refresh_from_db()
    assert spam.status == Question.Status.OPEN
