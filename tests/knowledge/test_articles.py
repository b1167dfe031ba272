"""The knowledge base: safe Markdown, versions with a diff, feedback, and the suggestion index following
every write; bad input (script injection, a question in a language no article has, an article edited while
an agent inserts it)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from resonanz.conversations.models import Conversation, Message
from resonanz.core.errors import Conflict, InvalidInput
from resonanz.knowledge import actions, render, suggest
from resonanz.knowledge.actions import ArticleInput
from resonanz.knowledge.models import Article, ArticleVersion, SuggestionItem
from resonanz.knowledge.shorten import shorten, weighted_length
from resonanz.testing.factories import AgentFactory, ConversationFactory, MessageFactory
from resonanz.workspaces.models import Agent

pytestmark = pytest.mark.django_db

ROUTER_DE = ArticleInput(
    title="Router einrichten",
    body="## Schritt für Schritt\n\n1. Router an die Telefondose anschließen.\n2. Die Power-LED abwarten.\n"
    "3. Im Browser `http://192.168.178.1` öffnen und die Zugangsdaten aus dem Brief eingeben.",
    language="de",
    slug="router-einrichten",
    status=Article.Status.PUBLISHED,
)
INVOICE_EN = ArticleInput(
    title="Understanding your invoice",
    body="Your invoice lists the monthly fee, one-off charges and credits. Payment is collected on the 5th.",
    language="en",
    slug="invoice",
    status=Article.Status.PUBLISHED,
)


def make_agent() -> Agent:
    return cast(Agent, AgentFactory())


def make_message(**fields: Any) -> Message:
    return cast(Message, MessageFactory(**fields))


@pytest.fixture(autouse=True)
def _fresh_index():
    suggest.forget_indexes()
    yield
    suggest.forget_indexes()


def test_markdown_renders_without_scripts_or_javascript_links():
    html = render.to_html(
        "# Hallo <script>alert(1)</script>\n\n[klick](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n"
        "[gut](https://example.de/hilfe)"
    )
    assert "<script" not in html
    assert 'href="javascript' not in html  # the text stays, the link is refused
    assert "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text
    assert '<a href="https://example.de/hilfe" rel="noopener noreferrer nofollow">gut</a>' in html


def test_a_script_in_a_title_is_stored_as_one_plain_line():
    agent = make_agent()
    article = actions.do_create_article(
        agent.workspace, agent, ArticleInput(title="<script>alert(1)</script>\nRouter", body="Text")
    )
    assert article.title == "<script>alert(1)</script> Router"  # text; templates escape it


def test_bad_article_input_is_refused_and_nothing_is_stored():
    agent = make_agent()
    for bad in (
        ArticleInput(title="  ", body="x"),
        ArticleInput(title="x", body=""),
        ArticleInput(title="x", body="y", language="tr"),
        ArticleInput(title="x", body="y", video_url="javascript:alert(1)"),
        ArticleInput(title="x", body="y", category_slug="gibt-es-nicht"),
    ):
        with pytest.raises(InvalidInput):
            actions.do_create_article(agent.workspace, agent, bad)
    assert Article.objects.count() == 0
    assert SuggestionItem.objects.count() == 0


def test_versions_keep_every_state_and_show_a_diff():
    agent = make_agent()
    article = actions.do_create_article(agent.workspace, agent, ROUTER_DE)
    edited = ArticleInput(
        **{**ROUTER_DE.__dict__, "body": ROUTER_DE.body.replace("Power-LED", "Power-LED (grün)")}
    )

    article = actions.do_update_article(article, agent, edited, base_version=1)

    assert article.version == 2
    assert list(ArticleVersion.objects.filter(article=article).values_list("number", flat=True)) == [1, 2]
    diff = actions.version_diff(article, 1, 2)
    assert "-2. Die Power-LED abwarten." in diff
    assert "+2. Die Power-LED (grün) abwarten." in diff


def test_saving_from_an_old_version_is_a_conflict_not_an_overwrite():
    agent = make_agent()
    article = actions.do_create_article(agent.workspace, agent, ROUTER_DE)
    actions.do_update_article(article, agent, ROUTER_DE, base_version=1)

    with pytest.raises(Conflict):
        actions.do_update_article(article, agent, INVOICE_EN, base_version=1)
    article.refresh_from_db()
    assert (article.version, article.title) == (2, "Router einrichten")


def test_german_and_english_versions_share_the_slug():
    agent = make_agent()
    actions.do_create_article(agent.workspace, agent, ROUTER_DE)
    english = ArticleInput(**{**ROUTER_DE.__dict__, "title": "Setting up your router", "language": "en"})
    actions.do_create_article(agent.workspace, agent, english)
    with pytest.raises(Conflict):
        actions.do_create_article(agent.workspace, agent, english)
    assert sorted(Article.objects.filter(slug="router-einrichten").values_list("language", flat=True)) == [
        "de",
        "en",
    ]


def test_feedback_is_counted():
    agent = make_agent()
    article = actions.do_create_article(agent.workspace, agent, ROUTER_DE)
    actions.do_record_feedback(article, True)
    actions.do_record_feedback(article, True)
    actions.do_record_feedback(article, False, "zu kurz <b>")
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (2, 1)


def test_suggestions_follow_writes_and_cross_languages():
    agent = make_agent()
    workspace_id = agent.workspace_id
    actions.do_create_article(agent.workspace, agent, ROUTER_DE)
    assert [s.title for s in suggest.suggest(workspace_id, "Wie richte ich meinen neuen Router ein?")][
        :1
    ] == ["Router einrichten"]
    # written after the index was loaded: found on the next look (the index follows the database)
    actions.do_create_article(agent.workspace, agent, INVOICE_EN)
    suggest.index_for(workspace_id, force=True)
    found = suggest.suggest(workspace_id, "Warum ist meine Rechnung diesen Monat so hoch?")
    assert found and found[0].title == "Understanding your invoice"  # German question, English article


def test_a_question_in_a_language_no_article_has():
    """French: no French article exists; the multilingual embedding still finds the German router article,
    and an unrelated question gets no suggestion rather than a wrong one."""
    agent = make_agent()
    actions.do_create_article(agent.workspace, agent, ROUTER_DE)
    actions.do_create_article(agent.workspace, agent, INVOICE_EN)

    found = suggest.suggest(agent.workspace_id, "Comment installer mon nouveau routeur ?", language="fr")
    assert found and found[0].title == "Router einrichten"
    assert (
        suggest.suggest(agent.workspace_id, "Qui a gagné le match de football hier soir ?", language="fr")
        == []
    )


def test_a_draft_article_is_not_suggested_until_published():
    agent = make_agent()
    draft = ArticleInput(**{**ROUTER_DE.__dict__, "status": Article.Status.DRAFT})
    article = actions.do_create_article(agent.workspace, agent, draft)
    assert suggest.suggest(agent.workspace_id, "Router einrichten") == []
    actions.do_update_article(article, agent, ROUTER_DE, base_version=1)
    suggest.index_for(agent.workspace_id, force=True)
    assert [s.source_id for s in suggest.suggest(agent.workspace_id, "Router einrichten")] == [article.pk]


def test_an_article_edited_while_an_agent_inserts_it():
    agent = make_agent()
    article = actions.do_create_article(agent.workspace, agent, ROUTER_DE)
    [shown] = [s for s in suggest.suggest(agent.workspace_id, "Router einrichten") if s.kind == "article"]
    # a colleague saves a new version between showing and clicking
    edited = ArticleInput(**{**ROUTER_DE.__dict__, "body": "Neu: Der Router richtet sich selbst ein."})
    actions.do_update_article(article, agent, edited, base_version=1)

    inserted = suggest.insertion(agent.workspace_id, shown.item_id, shown.source_version, "email")
    assert (inserted.text, inserted.version, inserted.changed) == (
        "Neu: Der Router richtet sich selbst ein.",
        2,
        True,
    )

    # withdrawn meanwhile: a conflict, not outdated text
    unpublished = ArticleInput(**{**edited.__dict__, "status": Article.Status.DRAFT})
    actions.do_update_article(article, agent, unpublished, base_version=2)
    with pytest.raises(Conflict):
        suggest.insertion(agent.workspace_id, shown.item_id, 2, "email")


def test_x_suggestions_fit_280_weighted_characters(settings):
    settings.PUBLIC_URL = "https://hilfe.netzwelt.example"
    long_text = " ".join(["Bitte starten Sie den Router neu und warten Sie zwei Minuten."] * 10)
    short = shorten(long_text, "x", "https://hilfe.netzwelt.example/hilfe/de/router-einrichten/")
    assert weighted_length(short) <= 280
    assert short.endswith("https://hilfe.netzwelt.example/hilfe/de/router-einrichten/")
    assert short.startswith("Bitte starten Sie den Router neu")
    assert weighted_length("日本" * 140) == 560  # CJK counts twice
    assert shorten(long_text, "email") == long_text
    assert weighted_length(shorten("日本語" * 200, "x")) <= 280


def test_past_agent_replies_join_the_index_and_drafts_check_duplicates():
    agent = make_agent()
    actions.do_create_article(agent.workspace, agent, ROUTER_DE)
    conversation = cast(
        Conversation, ConversationFactory(workspace=agent.workspace, subject="Router einrichten")
    )
    question = make_message(conversation=conversation, direction="in", text="Wie richte ich den Router ein?")
    reply = make_message(
        conversation=conversation,
        direction="out",
        author_agent=agent,
        reply_to=question,
        visibility="public",
        text="Router an die Dose, Power-LED abwarten, dann 192.168.178.1 im Browser öffnen.",
    )
    assert actions.do_index_agent_replies() >= 1
    assert SuggestionItem.objects.filter(kind="agent_reply", source_id=reply.pk, active=True).exists()
    assert actions.do_index_agent_replies() == 0  # the cursor moved on

    article, duplicates = actions.do_draft_article_from_conversation(agent, conversation)

    assert article.status == Article.Status.DRAFT and article.visibility == Article.Visibility.INTERNAL
    assert "## Frage" in article.body and "Power-LED abwarten" in article.body
    assert [d.title for d in duplicates] == ["Router einrichten"]
    again, _ = actions.do_draft_article_from_conversation(agent, conversation)
    assert again.pk == article.pk  # one draft per conversation


def test_the_demo_knowledge_base_is_bilingual_and_loads_twice():
    from resonanz.demo.knowledge import ARTICLES, ensure_knowledge_base

    agent = make_agent()
    created = ensure_knowledge_base(agent.workspace)
    assert created == sum(2 if demo.title_en else 1 for demo in ARTICLES)
    assert ensure_knowledge_base(agent.workspace) == 0
    assert set(Article.objects.filter(slug="umzug").values_list("language", flat=True)) == {"de", "en"}
    for article in Article.objects.all():
        assert "<script" not in render.to_html(article.body)
    found = suggest.suggest(
        agent.workspace_id, "Ich ziehe nächsten Monat nach Hamburg, was wird aus meinem Vertrag?"
    )
    assert found[0].title == "Umzug: Ihren Anschluss mitnehmen"


def test_the_demo_forum_is_alive_and_loads_twice():
    from resonanz.community.models import Answer, Member, Question
    from resonanz.demo.community import QUESTIONS, VETERAN, ensure_community

    agent = make_agent()
    assert ensure_community(agent.workspace, {"mia": agent}) == len(QUESTIONS) + 1
    assert ensure_community(agent.workspace, {"mia": agent}) == 0
    questions = Question.objects.filter(workspace=agent.workspace)
    assert questions.filter(status=Question.Status.QUEUED).count() == 1  # the spam post waits for moderation
    assert questions.filter(accepted_answer__isnull=False).count() == 2
    assert Answer.objects.filter(official=True, question__workspace=agent.workspace).count() == 2
    assert questions.filter(status=Question.Status.OPEN, answers__isnull=True).exists()  # still waiting
    assert Member.objects.get(nickname=VETERAN).trusted
    found = suggest.suggest(agent.workspace_id, "Meine Box blinkt rot und das Internet geht nicht")
    assert any(s.kind == "community_answer" and "TAE-Dose" in s.text for s in found)


def test_another_process_follows_the_writes_incrementally(monkeypatch):
    """Scale-out: each web process has its own index and follows the database. A second follower (what
    another process holds) loaded before the writes reads only the rows written since its last look."""
    agent = make_agent()
    actions.do_create_article(agent.workspace, agent, ROUTER_DE)
    other = suggest._Follower()
    suggest._follow(agent.workspace_id, other)
    assert len(other.index) == 1
    applied: list[int] = []
    original = suggest.Index.apply

    def counting(self: suggest.Index, rows: Any) -> None:
        applied.append(len(rows))
        original(self, rows)

    monkeypatch.setattr(suggest.Index, "apply", counting)
    invoice = actions.do_create_article(agent.workspace, agent, INVOICE_EN)
    suggest._follow(agent.workspace_id, other)
    assert applied == [1]  # the new article only (re-read rows that did not change are skipped)
    vector = suggest.item_vectors([("", "Why is my invoice so high?")])[0]
    assert other.index.search("Why is my invoice so high?", vector, limit=1)[0].source_id == invoice.pk
    unpublished = ArticleInput(**{**INVOICE_EN.__dict__, "status": Article.Status.DRAFT})
    actions.do_update_article(invoice, agent, unpublished, base_version=1)
    suggest._follow(agent.workspace_id, other)
    assert all(s.source_id != invoice.pk for s in other.index.search("invoice", vector, limit=5))
    assert len(other.index) == 1
