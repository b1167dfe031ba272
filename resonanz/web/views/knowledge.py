"""Knowledge in the agent UI (suggestions beside the composer, a draft article from a conversation) and the
public help centre (`/hilfe/<language>/`: categories, search, articles, "did this help?"). Public pages are
server-rendered, cached for anonymous visitors and show only published public articles."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from resonanz.conversations.models import Message
from resonanz.core.errors import Conflict, InvalidInput, NotFound
from resonanz.knowledge import actions, suggest
from resonanz.knowledge import render as markdown
from resonanz.knowledge.models import LANGUAGES, Article, Category
from resonanz.web.forms import ArticleForm, HelpFeedbackForm, read, typed
from resonanz.web.permissions import requires
from resonanz.web.views.common import current_agent as _agent
from resonanz.web.views.common import visible_conversation as _conversation
from resonanz.workspaces.models import Workspace

PUBLIC_CACHE_SECONDS = 60
SUGGESTION_CONTEXT_MESSAGES = 3


def _channel_kind(conversation_channel_kind: str, imitates: str) -> str:
    return imitates or conversation_channel_kind


@requires("knowledge.view")
def suggestions(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The top suggestions for the open conversation: its last inbound messages are the question."""
    agent = _agent(request)
    conversation = _conversation(agent, conversation_id)
    recent = list(
        conversation.messages.filter(direction=Message.Direction.INBOUND).order_by("-created_at")[
            :SUGGESTION_CONTEXT_MESSAGES
        ]
    )
    question = "\n".join(m.text for m in reversed(recent))
    language = next((m.language for m in recent if m.language), "")
    found = suggest.suggest(agent.workspace_id, question, language) if question.strip() else []
    return render(
        request, "web/knowledge/_suggestions.html", {"conversation": conversation, "suggestions": found}
    )


@requires("conversations.reply")
def insert_suggestion(request: HttpRequest, conversation_id: int, item_id: int) -> HttpResponse:
    """One click: the composer comes back with the suggestion appended, shortened for the channel."""
    agent = _agent(request)
    conversation = _conversation(agent, conversation_id)
    account = conversation.channel_account
    kind = _channel_kind(account.kind, str((account.config or {}).get("imitates", "")))
    current = request.GET.get("text", "")
    notice = ""
    try:
        shown = int(request.GET.get("version", "0") or 0)
        inserted = suggest.insertion(agent.workspace_id, item_id, shown, kind)
        text = f"{current.rstrip()}\n\n{inserted.text}".strip() if current.strip() else inserted.text
        if inserted.changed:
            notice = "changed"
    except (NotFound, Conflict, ValueError):
        text, notice = current, "withdrawn"  # the composer keeps what the agent wrote
    return render(
        request,
        "web/knowledge/_composer_text.html",
        {"conversation": conversation, "text": text, "notice": notice},
    )


@requires("knowledge.manage")
@require_POST
def draft_article(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent = _agent(request)
    conversation = _conversation(agent, conversation_id)
    try:
        article, duplicates = actions.do_draft_article_from_conversation(agent, conversation)
    except InvalidInput as invalid:
        return render(request, "web/knowledge/_draft.html", {"error": invalid.message}, status=400)
    return render(
        request,
        "web/knowledge/_draft.html",
        {"article": article, "duplicates": duplicates, "conversation": conversation},
    )


# --- the public help centre -------------------------------------------------------------------------------


def _public_workspace() -> Workspace:
    """The installation's help centre shows its first workspace (embedded mode serves one company)."""
    workspace = Workspace.objects.order_by("pk").first()
    if workspace is None:
        raise Http404("no workspace")
    return workspace


def _language(code: str) -> str:
    if code not in dict(LANGUAGES):
        raise Http404("language")
    translation.activate(code)
    return code


def _public_articles(workspace: Workspace, language: str) -> object:
    return Article.objects.filter(
        workspace=workspace,
        language=language,
        visibility=Article.Visibility.PUBLIC,
        status=Article.Status.PUBLISHED,
    ).select_related("category")


@cache_page(PUBLIC_CACHE_SECONDS)
def help_home(request: HttpRequest, language: str) -> HttpResponse:
    language = _language(language)
    workspace = _public_workspace()
    query = request.GET.get("q", "").strip()[:200]
    articles = list(_public_articles(workspace, language))  # type: ignore[call-overload]
    results: list[Article] = []
    if query:
        results = _search(workspace, language, query, articles)
    categories = [
        (category.name(language), [a for a in articles if a.category_id == category.pk])
        for category in Category.objects.filter(workspace=workspace)
    ]
    uncategorised = [a for a in articles if a.category_id is None]
    return render(
        request,
        "web/knowledge/help_home.html",
        {
            "workspace": workspace,
            "language": language,
            "query": query,
            "results": results,
            "categories": [(name, items) for name, items in categories if items],
            "uncategorised": uncategorised,
            "other_language": "en" if language == "de" else "de",
        },
    )


def _search(workspace: Workspace, language: str, query: str, articles: list[Article]) -> list[Article]:
    """Hybrid suggestion search restricted to this language's public articles; plain word matches after."""
    by_id = {article.pk: article for article in articles}
    ranked = [
        by_id[s.source_id]
        for s in suggest.suggest(workspace.pk, query, language, limit=20)
        if s.kind == "article" and s.source_id in by_id
    ]
    words = [word for word in query.split() if len(word) > 2][:8]
    if words:
        condition = Q()
        for word in words:
            condition |= Q(title__icontains=word) | Q(body__icontains=word)
        for article in Article.objects.filter(pk__in=by_id).filter(condition)[:20]:
            if article not in ranked:
                ranked.append(by_id[article.pk])
    return ranked[:10]


def _help_article_page(
    request: HttpRequest, language: str, slug: str, error: str = "", status: int = 200
) -> HttpResponse:
    workspace = _public_workspace()
    article = _public_articles(workspace, language).filter(slug=slug).first()  # type: ignore[attr-defined]
    if article is None:
        raise Http404("article")
    other = (
        _public_articles(workspace, "en" if language == "de" else "de").filter(slug=slug).first()  # type: ignore[attr-defined]
    )
    return render(
        request,
        "web/knowledge/help_article.html",
        {
            "workspace": workspace,
            "language": language,
            "article": article,
            "html": markdown.to_html(article.body),
            "other": other,
            "thanks": request.GET.get("danke") == "1",
            "error": error,
        },
        status=status,
    )


@cache_page(PUBLIC_CACHE_SECONDS)
def help_article(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    return _help_article_page(request, _language(language), slug)


@csrf_exempt  # an anonymous yes/no counter: no token, so the article page stays one cached copy for everyone
@require_POST
def help_feedback(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    language = _language(language)
    workspace = _public_workspace()
    article = _public_articles(workspace, language).filter(slug=slug).first()  # type: ignore[attr-defined]
    if article is None:
        raise Http404("article")
    try:
        posted = read(HelpFeedbackForm, request.POST)
    except InvalidInput as refused:  # the article again with the reason (not cached: this is a post)
        return _help_article_page(request, language, slug, refused.message, refused.status_code)
    actions.do_record_feedback(article, posted["helpful"], posted["comment"])
    return redirect(f"{request.path.rsplit('feedback', 1)[0]}?danke=1")


# --- articles for agents: list, write, versions ------------------------------------------------------------


@requires("knowledge.view")
def article_list(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    from resonanz.community.actions import DeflectionFigures, deflection_figures
    from resonanz.community.models import DeflectionEvent

    articles = Article.objects.filter(workspace_id=agent.workspace_id).select_related("category")
    deflection: list[tuple[str, DeflectionFigures]] = [
        (str(label), deflection_figures(agent.workspace, source=source))
        for source, label in DeflectionEvent.Source.choices
    ]
    deflection.append((_("Zusammen"), deflection_figures(agent.workspace)))
    return render(
        request,
        "web/knowledge/articles.html",
        {"agent": agent, "articles": articles, "deflection": deflection},
    )


def _or(value: str | None, default: str) -> str:
    """A field that was not posted at all is the new article's default (one posted empty is refused)."""
    return default if value is None else value


def _article_input(posted: dict[str, Any]) -> actions.ArticleInput:
    return actions.ArticleInput(
        title=posted["title"],
        body=posted["body"],
        language=_or(posted["language"], "de"),
        slug=posted["slug"],
        category_slug=posted["category"],
        visibility=_or(posted["visibility"], Article.Visibility.PUBLIC),
        status=_or(posted["status"], Article.Status.DRAFT),
        video_url=posted["video_url"],
        video_transcript=posted["video_transcript"],
    )


@requires("knowledge.manage")
def article_edit(request: HttpRequest, article_id: int = 0) -> HttpResponse:
    """New article (id 0) or a new version of one. Saving from an outdated version is refused (409)."""
    agent = _agent(request)
    article = None
    if article_id:
        article = Article.objects.filter(workspace_id=agent.workspace_id, pk=article_id).first()
        if article is None:
            raise Http404("article")
    error = ""
    status = 200
    form: dict[str, Any] = {}
    if request.method == "POST":
        try:
            posted = read(ArticleForm, request.POST)
            data = _article_input(posted)
            if article is None:
                article = actions.do_create_article(agent.workspace, agent, data)
            else:
                base = posted["base_version"] or 0
                article = actions.do_update_article(article, agent, data, base_version=base)
            return redirect("web:article_edit", article_id=article.pk)
        except (InvalidInput, Conflict) as problem:
            # the form keeps what the agent typed; after a conflict it is based on the newest version, so
            # saving again replaces it knowingly
            error, status = problem.message, problem.status_code
            form = typed(ArticleForm, request.POST)
            if article is not None:
                article.refresh_from_db()
    return render(
        request,
        "web/knowledge/article_edit.html",
        {
            "agent": agent,
            "article": article,
            "form": form,
            "categories": Category.objects.filter(workspace_id=agent.workspace_id),
            "versions": list(article.versions.order_by("-number")[:20]) if article else [],
            "visibilities": Article.Visibility.choices,
            "statuses": Article.Status.choices,
            "languages": LANGUAGES,
            "error": error,
        },
        status=status,
    )


@requires("knowledge.view")
def article_diff(request: HttpRequest, article_id: int) -> HttpResponse:
    agent = _agent(request)
    article = Article.objects.filter(workspace_id=agent.workspace_id, pk=article_id).first()
    if article is None:
        raise Http404("article")
    try:
        old = int(request.GET.get("from", max(article.version - 1, 1)))
        new = int(request.GET.get("to", article.version))
        lines = actions.version_diff(article, old, new)
    except (ValueError, InvalidInput):
        raise Http404("version") from None
    return render(
        request,
        "web/knowledge/article_diff.html",
        {"agent": agent, "article": article, "old": old, "new": new, "lines": lines},
    )
