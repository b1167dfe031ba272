"""Routing rules (data, edited by admins) and their versions.

Admins edit `RoutingRule` rows; every change writes a new `RuleSetVersion` holding a snapshot of all the
workspace's rules. The router evaluates the newest snapshot, so a decision always names the version it
followed and old decisions stay explainable after the rules change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from resonanz.workspaces.models import Agent, Skill, Team, Workspace

# What an admin edits on a routing rule, in the order the forms show it (the settings page, the Django admin).
RULE_FIELDS = (
    "name",
    "position",
    "is_active",
    "stop",
    "topics",
    "languages",
    "channel_kinds",
    "urgencies",
    "sentiments",
    "sensitivities",
    "regions",
    "customer_is_vip",
    "conversation_is_public",
    "team",
    "skill",
    "priority",
    "move_private",
)


class RoutingRule(models.Model):
    """One rule: conditions on the conversation's facts (empty = any) and what follows when they hold.

    List conditions are comma-separated values (``outage, devices``); a rule matches when every
    non-empty condition contains the fact's value."""

    class Priority(models.IntegerChoices):
        LOW = 0, _("niedrig")
        NORMAL = 1, _("normal")
        HIGH = 2, _("hoch")
        URGENT = 3, _("dringend")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="routing_rules")
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=100, help_text="Rules are evaluated in this order.")
    is_active = models.BooleanField(default=True)
    # Conditions.
    topics = models.CharField(max_length=500, blank=True, help_text="Topic slugs, comma-separated.")
    languages = models.CharField(max_length=100, blank=True, help_text="Language codes (de, en).")
    channel_kinds = models.CharField(
        max_length=200, blank=True, help_text="Channel kinds (x, email, phone…)."
    )
    urgencies = models.CharField(max_length=100, blank=True, help_text="low, normal, high, urgent.")
    sentiments = models.CharField(max_length=100, blank=True, help_text="negative, neutral, positive.")
    sensitivities = models.CharField(max_length=100, blank=True, help_text="public, private.")
    regions = models.CharField(max_length=500, blank=True, help_text="Regions (Bundesländer).")
    customer_is_vip = models.BooleanField(null=True, blank=True, help_text="Empty: any customer.")
    conversation_is_public = models.BooleanField(null=True, blank=True, help_text="Empty: any conversation.")
    # Consequences.
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    skill = models.ForeignKey(Skill, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    priority = models.IntegerField(
        choices=Priority.choices, null=True, blank=True, help_text="Raise the priority to at least this."
    )
    move_private = models.BooleanField(
        default=False, help_text="Answer publicly with a short note and continue in private."
    )
    stop = models.BooleanField(default=False, help_text="Evaluate no further rules after this one.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["workspace", "position", "id"]
        indexes = [models.Index(fields=["workspace", "position"], name="routing_rule_order")]

    def __str__(self) -> str:
        return self.name


class RuleSetVersion(models.Model):
    """An immutable snapshot of a workspace's rules; each change to a rule writes the next version."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="rule_set_versions")
    version = models.PositiveIntegerField()
    rules = models.JSONField(default=list)
    created_by = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    change = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "version"], name="rule_set_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workspace_id} v{self.version}"
