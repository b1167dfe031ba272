"""Writes on the knowledge base and the suggestion index. Every article write stores a version and upserts
the article's suggestion item in the same transaction, so suggestions follow edits at once."""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext

from resonanz.conversations.models import Conversation, Message
from resonanz.core.errors import Conflict, InvalidInput
from resonanz.core.models import AuditEntry
from resonanz.core.text import clean_text, one_line
from resonanz.knowledge import render
from resonanz.knowledge.models import LANGUAGES, Article, ArticleVersion, Category, Feedback, SuggestionItem
from resonanz.workspaces.models import Agent, Workspace

logger = logging.getLogger("resonanz.knowledge")

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_TRANSCRIPT = 100_000
DUPLICATE_THRESHOLD = 0.55


@dataclass(frozen=True)
class ArticleInput:
    title: str
    body: str
    language: str = "de"
    slug: str = ""
    category_slug: str = ""
    visibility: str = Article.Visibility.PUBLIC
    status: str = Article.Status.DRAFT
    video_url: str = ""
    video_transcript: str = ""


def check_article_input(workspace: Workspace, data: ArticleInput) -> ArticleInput:
    """Titles are one plain line (a `<script>` in a title is text, escaped wherever shown); bodies are
    Markdown rendered without raw HTML; video links are http(s) only."""
    title = one_line(clean_text(data.title)[0], MAX_TITLE)
    if not title:
        raise InvalidInput(gettext("Titel fehlt"))
    body = clean_text(data.body)[0]
    if not body.strip():
        raise InvalidInput(gettext("Text fehlt"))
    if len(body) > MAX_BODY:
        raise InvalidInput(gettext("Text zu lang"))
    if data.language not in dict(LANGUAGES):
        raise InvalidInput(gettext("Sprache nicht unterstützt"))
    if data.visibility not in Article.Visibility.values or data.status not in Article.Status.values:
        raise InvalidInput(gettext("Sichtbarkeit oder Status unbekannt"))
    video_url = data.video_url.strip()
    if video_url and not video_url.lower().startswith(("https://", "http://")):
        raise InvalidInput(gettext("Video-Link muss mit https:// beginnen"))
    transcript = clean_text(data.video_transcript)[0][:MAX_TRANSCRIPT]
    slug = slugify(data.slug or title)[:120] or "artikel"
    if (
        data.category_slug
        and not Category.objects.filter(workspace=workspace, slug=data.category_slug).exists()
    ):
        raise InvalidInput(gettext("Kategorie unbekannt"))
    return ArticleInput(
        title,
        body,
        data.language,
        slug,
        data.category_slug,
        data.visibility,
        data.status,
        video_url,
        transcript,
    )


def do_save_category(
    workspace: Workspace, slug: str, name_de: str, name_en: str = "", position: int = 0
) -> Category:
    category, _ = Category.objects.update_or_create(
        workspace=workspace,
        slug=slugify(slug)[:80],
        defaults={"name_de": one_line(name_de, 120), "name_en": one_line(name_en, 120), "position": position},
    )
    return category


def do_create_article(workspace: Workspace, author: Agent | None, data: ArticleInput) -> Article:
    data = check_article_input(workspace, data)
    category = Category.objects.filter(workspace=workspace, slug=data.category_slug).first()
    try:
        with transaction.atomic():
            article = Article.objects.create(
                workspace=workspace,
                category=category,
                slug=data.slug,
                language=data.language,
                title=data.title,
                body=data.body,
                video_url=data.video_url,
                video_transcript=data.video_transcript,
                visibility=data.visibility,
                status=data.status,
            )
            _record_version(article, author)
            _index_article(article)
            _audit(article, author, "knowledge.article_created")
    except IntegrityError:
        raise Conflict(
            gettext("Artikel „%(slug)s“ (%(language)s) gibt es schon")
            % {"slug": data.slug, "language": data.language}
        ) from None
    return article


def do_update_article(
    article: Article, author: Agent | None, data: ArticleInput, *, base_version: int
) -> Article:
    """Save a new version. `base_version` is the version the editor started from: if someone saved in
    between, this is a conflict (409) instead of silently overwriting their work."""
    data = check_article_input(article.workspace, data)
    category = Category.objects.filter(workspace_id=article.workspace_id, slug=data.category_slug).first()
    with transaction.atomic():
        updated = Article.objects.filter(pk=article.pk, version=base_version).update(
            version=F("version") + 1,
            title=data.title,
            body=data.body,
            category=category,
            video_url=data.video_url,
            video_transcript=data.video_transcript,
            visibility=data.visibility,
            status=data.status,
        )
        if not updated:
            raise Conflict(gettext("Der Artikel wurde inzwischen geändert; bitte neu laden"))
        article.refresh_from_db()
        _record_version(article, author)
        _index_article(article)
        _audit(article, author, "knowledge.article_updated")
    return article


def _record_version(article: Article, author: Agent | None) -> None:
    ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        video_url=article.video_url,
        video_transcript=article.video_transcript,
        author=author,
    )


def _audit(article: Article, author: Agent | None, action: str) -> None:
    AuditEntry.objects.create(
        workspace_id=article.workspace_id,
        actor_id=author.pk if author else None,
        action=action,
        object_type="article",
        object_id=article.pk,
        data={"version": article.version, "language": article.language},
    )


def version_diff(article: Article, old: int, new: int) -> list[str]:
    """Unified diff lines between two versions of an article (title and body)."""
    versions = {v.number: v for v in article.versions.filter(number__in=(old, new))}
    if old not in versions or new not in versions:
        raise InvalidInput(gettext("Version unbekannt"))
    before, after = versions[old], versions[new]
    return list(
        difflib.unified_diff(
            [before.title, "", *before.body.splitlines()],
            [after.title, "", *after.body.splitlines()],
            fromfile=f"v{old}",
            tofile=f"v{new}",
            lineterm="",
        )
    )


def do_record_feedback(article: Article, helpful: bool, comment: str = "") -> None:
    with transaction.atomic():
        Feedback.objects.create(
            article=article, helpful=helpful, comment=one_line(clean_text(comment)[0], 500)
        )
        field = "helpful_yes" if helpful else "helpful_no"
        Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})


def article_text(article: Article) -> str:
    text = render.to_text(article.body)
    if article.video_transcript:
        text = f"{text}\n\n{article.video_transcript}"
    return text


def _index_article(article: Article) -> None:
    """Agents are offered published articles, public and internal alike (internal ones are for agents)."""
    do_upsert_suggestion_item(
        article.workspace_id,
        SuggestionItem.Kind.ARTICLE,
        article.pk,
        title=article.title,
        text=article_text(article),
        language=article.language,
        url=f"/hilfe/{article.language}/{article.slug}/"
        if article.visibility == Article.Visibility.PUBLIC
        else "",
        version=article.version,
        active=article.status == Article.Status.PUBLISHED,
    )


def do_upsert_suggestion_item(
    workspace_id: int,
    kind: str,
    source_id: int,
    *,
    title: str,
    text: str,
    language: str = "",
    url: str = "",
    version: int = 1,
    active: bool = True,
    embed: bool | None = None,
) -> SuggestionItem:
    """One row per source. Its embedding is computed here when this process has the model loaded (two
    texts, a few milliseconds) or `embed=True`; otherwise the readers compute it (`suggest._with_vectors`),
    so a writer that never suggests (the demo loader, a worker) does not load a 300 MB model for it."""
    from resonanz.understanding import embedding

    if embed is None:
        embed = embedding.is_loaded()
    vector = item_vector(title, text) if active and embed else None
    item, _ = SuggestionItem.objects.update_or_create(
        workspace_id=workspace_id,
        kind=kind,
        source_id=source_id,
        defaults={
            "title": title[:200],
            "text": text,
            "language": language,
            "url": url[:300],
            "source_version": version,
            "embedding": embedding.pack(vector) if vector is not None else "",
            "active": active,
        },
    )
    return item


def item_vector(title: str, text: str) -> np.ndarray:
    from resonanz.knowledge.suggest import item_vectors

    return np.asarray(item_vectors([(title, text)])[0], dtype=np.float32)


@dataclass(frozen=True)
class Duplicate:
    article_id: int
    title: str
    score: float


def duplicates_of(workspace_id: int, text: str, language: str = "") -> list[Duplicate]:
    """Existing articles that already cover `text` (the duplicate check before a new draft)."""
    from resonanz.knowledge import suggest

    found = suggest.suggest(workspace_id, text, language, limit=10)
    return [
        Duplicate(s.source_id, s.title, s.score)
        for s in found
        if s.kind == SuggestionItem.Kind.ARTICLE and s.score >= DUPLICATE_THRESHOLD
    ]


def draft_from_conversation(conversation: Conversation) -> ArticleInput:
    """A draft article from a solved conversation: the customer's question and the agents' public answers,
    for an agent to edit before publishing (internal until someone decides otherwise)."""
    messages = list(
        conversation.messages.exclude(visibility=Message.Visibility.NOTE).order_by("created_at", "pk")[:50]
    )
    question = next((m.text for m in messages if m.direction == Message.Direction.INBOUND), "")
    answers = [m.text for m in messages if m.direction == Message.Direction.OUTBOUND and m.author_agent_id]
    if not question.strip() or not answers:
        raise InvalidInput(gettext("Das Gespräch hat keine Frage mit Antwort"))
    spoken = next(
        (m.language for m in messages if m.direction == Message.Direction.INBOUND and m.language), ""
    )
    language = spoken if spoken in dict(LANGUAGES) else "de"
    headings = ("Frage", "Antwort") if language == "de" else ("Question", "Answer")
    body = f"## {headings[0]}\n\n{_quote_free(question)}\n\n## {headings[1]}\n\n" + "\n\n".join(
        _quote_free(answer) for answer in answers
    )
    title = one_line(conversation.subject or question, 120)
    return ArticleInput(
        title=title,
        body=body,
        language=language,
        slug=f"{slugify(title)[:100]}-{conversation.pk}",
        visibility=Article.Visibility.INTERNAL,
        status=Article.Status.DRAFT,
    )


def _quote_free(text: str) -> str:
    """Customer text is shown as typed: Markdown markers in it are escaped, handles are dropped."""
    text = re.sub(r"(?<!\w)@\w+", "", text)
    return re.sub(r"([\\`*_{}\[\]()#+!<>|])", r"\\\1", text).strip()


def do_draft_article_from_conversation(
    agent: Agent, conversation: Conversation
) -> tuple[Article, list[Duplicate]]:
    """The draft plus the existing articles that already cover it (shown next to the draft, so the agent
    can link one instead of publishing a second)."""
    if conversation.workspace_id != agent.workspace_id:
        raise InvalidInput(gettext("Gespräch gehört zu einem anderen Arbeitsbereich"))
    data = draft_from_conversation(conversation)
    duplicates = duplicates_of(agent.workspace_id, f"{data.title}\n{data.body}", data.language)
    existing = Article.objects.filter(
        workspace_id=agent.workspace_id, source_conversation_id=conversation.pk, language=data.language
    ).first()
    if existing is not None:
        return existing, duplicates
    article = do_create_article(agent.workspace, agent, data)
    Article.objects.filter(pk=article.pk).update(source_conversation_id=conversation.pk)
    article.source_conversation_id = conversation.pk
    return article, [d for d in duplicates if d.article_id != article.pk]


def do_index_agent_replies(limit: int = 500) -> int:
    """Past agent replies join the suggestion index in the order they were written (a cursor: the highest
    message id indexed so far). Notes stay out; so do very short replies ("Danke!")."""
    last = SuggestionItem.objects.filter(kind=SuggestionItem.Kind.AGENT_REPLY).order_by("-source_id").first()
    after = last.source_id if last else 0
    replies = list(
        Message.objects.filter(pk__gt=after, direction=Message.Direction.OUTBOUND, author_agent__isnull=False)
        .exclude(visibility=Message.Visibility.NOTE)
        .select_related("reply_to")
        .order_by("pk")[:limit]
    )
    for reply in replies:
        question = reply.reply_to.text if reply.reply_to else ""
        useful = len(reply.text.split()) >= 5
        do_upsert_suggestion_item(
            reply.workspace_id,
            SuggestionItem.Kind.AGENT_REPLY,
            reply.pk,
            title=one_line(question, 200),
            text=reply.text,
            language=reply.language,
            active=useful,
            embed=True,  # replies come in bulk from the periodic job: one batch here, not in every reader
        )
    return len(replies)
