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
        AGENT_INVITED = "agent.invited", _("Servicekraft eingeladen")
        AGENT_PASSWORD_SET = "agent.password_set", _("Passwort gesetzt")
        AGENT_PRESENCE_SET = "agent.presence_set", _("Anwesenheit gesetzt")
        AGENT_UPDATED = "agent.updated", _("Servicekraft geändert")
        ANNOUNCEMENT_CREATED = "announcement.created", _("Ankündigung veröffentlicht")
        ANNOUNCEMENT_POSTED = "announcement.posted", _("Ankündigung auf den öffentlichen Kanälen gepostet")
        CHANNEL_CREATED = "channel.created", _("Kanalkonto angelegt")
        CHANNEL_UPDATED = "channel.updated", _("Kanalkonto geändert")
        CHANNEL_DELETED = "channel.deleted", _("Kanalkonto gelöscht")
        CHANNEL_ENABLED = "channel.enabled", _("Kanalkonto aktiviert")
        CHANNEL_DISABLED = "channel.disabled", _("Kanalkonto deaktiviert")
        INCIDENT_DETECTED = "incident.detected", _("Störung erkannt")
        INCIDENT_CREATED = "incident.created", _("Störung angelegt")
        INCIDENT_CONFIRMED = "incident.confirmed", _("Störung bestätigt")
        INCIDENT_DISMISSED = "incident.dismissed", _("Störung verworfen")
        INCIDENT_MERGED = "incident.merged", _("Störungen zusammengeführt")
        INCIDENT_SPLIT = "incident.split", _("Störung aufgeteilt")
        INCIDENT_NOTE = "incident.note", _("Interne Notiz zur Störung")
        INCIDENT_UPDATED = "incident.updated", _("Störungsmeldung veröffentlicht")
        ARTICLE_CREATED = "knowledge.article_created", _("Artikel angelegt")
        ARTICLE_UPDATED = "knowledge.article_updated", _("Artikel geändert")
        MACRO_CREATED = "macro.created", _("Textbaustein angelegt")
        MACRO_UPDATED = "macro.updated", _("Textbaustein geändert")
        MACRO_DELETED = "macro.deleted", _("Textbaustein gelöscht")
        OPERATOR_GRANTED = "operator.granted", _("Betreiberrechte erteilt")
        OPERATOR_REVOKED = "operator.revoked", _("Betreiberrechte entzogen")
        ROUTING_RULE_CHANGED = "routing.rule_changed", _("Routing-Regel geändert")
        SLA_CREATED = "sla.created", _("SLA angelegt")
        SLA_UPDATED = "sla.updated", _("SLA geändert")
        SLA_DELETED = "sla.deleted", _("SLA gelöscht")
        TOKEN_CREATED = "token.created", _("API-Token erstellt")
        TOKEN_REVOKED = "token.revoked", _("API-Token widerrufen")
        TOPIC_SAVED = "topic.saved", _("Thema gespeichert")
        RELEVANCE_TRAINED = "understanding.relevance_trained", _("Relevanzmodell trainiert")
        WORKSPACE_MARKED_DEMO = "workspace.marked_demo", _("Als Demo markiert")
        WORKSPACE_UPDATED = "workspace.updated", _("Einstellungen geändert")

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
