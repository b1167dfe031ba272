from __future__ import annotations

from django.db import models

from resonanz.conversations.models import Message
from resonanz.workspaces.models import Agent, Workspace


class Annotation(models.Model):
    """One annotator's result for one message, keyed by (message, annotator, version) and upserted:
    re-running an annotator is a no-op, a new model version is a backfill."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="annotations")
    annotator = models.CharField(max_length=40)
    version = models.CharField(max_length=40)
    label = models.CharField(max_length=80, blank=True)
    score = models.FloatField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "annotator", "version"], name="annotation_unique"),
        ]
        indexes = [models.Index(fields=["annotator", "label"], name="annotation_label")]

    def __str__(self) -> str:
        return f"{self.annotator}={self.label}"


class Topic(models.Model):
    """One contact reason in a workspace's taxonomy. The description and the example phrases are all the
    topic annotator needs on day one; agents' corrections teach it the rest."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="topics")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    # The English name (the German one stands in where it is empty).
    name_en = models.CharField(max_length=120, blank=True)
    description = models.TextField(blank=True)
    # Failure demand (John Seddon): contacts caused by our failing to do something, or to do it right
    # (an outage, a wrong invoice) — the reports show their share; value demand is everything else.
    is_failure_demand = models.BooleanField(default=False)
    # Short phrases a customer would write, one per item, German and English.
    example_phrases = models.JSONField(default=list, blank=True)
    # Messages on a private topic (health, debts, intimate products…) are handled one-to-one, never in public.
    is_private = models.BooleanField(default=False)
    # The skill (workspaces.Skill slug) routing should look for; a hint, not a foreign key.
    skill_hint = models.SlugField(max_length=80, blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "slug"], name="topic_unique_slug")]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        """The topic's name in the UI language: English where an English name is set, else German."""
        return self.name_en if language.startswith("en") and self.name_en else self.name


class Correction(models.Model):
    """An agent's correction of one annotation: the right label for (message, annotator). It wins over
    every model's label and becomes a training example (`resonanz train --corrections WORKSPACE`)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="annotation_corrections")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="annotation_corrections")
    annotator = models.CharField(max_length=40)
    label = models.CharField(max_length=80)
    previous_label = models.CharField(max_length=80, blank=True)
    agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "annotator"], name="correction_unique_message"),
        ]
        indexes = [models.Index(fields=["workspace", "annotator"], name="correction_workspace")]

    def __str__(self) -> str:
        return f"{self.annotator}={self.label} #{self.message_id}"


class WorkspaceModel(models.Model):
    """A classifier trained for one workspace (`resonanz train --workspace SLUG`), replacing the default."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="understanding_models")
    task = models.CharField(max_length=20)
    path = models.CharField(max_length=500)
    version = models.CharField(max_length=40)
    trained_on = models.JSONField(default=dict, blank=True)
    installed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "task"], name="workspace_model_unique")]

    def __str__(self) -> str:
        return f"{self.task} {self.version}"
