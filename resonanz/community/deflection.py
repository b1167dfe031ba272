"""Matching public answers for a question being typed (the forum's ask form, the widget, the app): public
published articles and accepted or official community answers, never internal articles or agent replies."""

from __future__ import annotations

from resonanz.channels.app import deflection as app_deflection
from resonanz.channels.models import ChannelAccount
from resonanz.community.actions import do_record_deflection
from resonanz.community.models import DeflectionEvent
from resonanz.knowledge import suggest
from resonanz.knowledge.models import Article, SuggestionItem
from resonanz.workspaces.models import Workspace

MIN_CHARS = 8
EXCERPT = 240


def public_matches(
    workspace: Workspace, text: str, language: str = "", limit: int = 3
) -> list[suggest.Suggestion]:
    text = text.strip()[:1000]
    if len(text) < MIN_CHARS:
        return []
    found = suggest.suggest(workspace.pk, text, language, limit=limit * 4)
    articles = [s.source_id for s in found if s.kind == SuggestionItem.Kind.ARTICLE]
    public = set(
        Article.objects.filter(
            workspace=workspace,
            pk__in=articles,
            visibility=Article.Visibility.PUBLIC,
            status=Article.Status.PUBLISHED,
        ).values_list("pk", flat=True)
    )
    return [
        s
        for s in found
        if (s.kind == SuggestionItem.Kind.ARTICLE and s.source_id in public)
        or s.kind == SuggestionItem.Kind.COMMUNITY_ANSWER
    ][:limit]


class WidgetDeflection:
    """The provider the app channel's customer API asks (registered in CommunityConfig.ready)."""

    def matches(
        self, account: ChannelAccount, text: str, language: str, visit: str
    ) -> list[app_deflection.Match]:
        found = public_matches(account.workspace, text, language)
        if found:
            do_record_deflection(
                account.workspace, visit, DeflectionEvent.Kind.SHOWN, DeflectionEvent.Source.WIDGET
            )
        return [
            app_deflection.Match(
                s.kind,
                s.title,
                s.text if len(s.text) <= EXCERPT else s.text[: EXCERPT - 1].rstrip() + "…",
                s.url or "/community/",
            )
            for s in found
        ]

    def record(self, account: ChannelAccount, visit: str, event: str) -> bool:
        if event not in app_deflection.EVENTS:
            return False
        return do_record_deflection(account.workspace, visit, event, DeflectionEvent.Source.WIDGET)
