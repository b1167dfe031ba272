from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Who changed what, for changes outside a conversation's timeline (merges, settings, agents).

    Plain ids instead of foreign keys: core sits below every domain app and must not import them."""

    class Action(models.TextChoices):
        """Every audited action, with the label the audit log shows (one place: write actions from here)."""

        AGENT_CREATED = "agent.created", _("Servicekraft angelegt")
        AGENT_PERSONA_CHANGED = "agent.persona_changed", _("Persona geändert")
        CHANNEL_UNHEALTHY = "channel.unhealthy", _("Kanalkonto gestört")
        CUSTOMER_MERGED = "customer.merged", _("Kunden zusammengeführt")
        CUSTOMER_MERGE_UNDONE = "customer.merge_undone", _("Zusammenführung rückgängig gemacht")
        CUSTOMER_SUGGESTION_REJECTED = (
            "customer.suggestion_rejected",
            _("Zusammenführungsvorschlag abgelehnt"),
        )
        RESPONSE_RATE_ALERT = "response_rate.alert", _("Antwortquote unter der Schwelle")
        RESPONSE_RATE_RECOVERED = "response_rate.recovered", _("Antwortquote wieder im Soll")
        ROUTING_RULE_CREATED = "routing.rule_created", _("Routing-Regel angelegt")
        ROUTING_RULE_DELETED = "routing.rule_deleted", _("Routing-Regel gelöscht")

    workspace_id = models.BigIntegerField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=80, choices=Action.choices)
    object_type = models.CharField(max_length=80)
    object_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"
