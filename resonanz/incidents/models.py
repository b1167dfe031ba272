"""Incidents (many conversations that are one problem), their updates and the one answer sent to all,
announcements (planned maintenance, launches), and the detector's persisted state."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from resonanz.channels.models import OutboundDelivery
from resonanz.conversations.models import Conversation, Message
from resonanz.customers.models import Customer
from resonanz.workspaces.models import Agent, Workspace


class Incident(models.Model):
    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("vorgeschlagen")
        INVESTIGATING = "investigating", _("wird untersucht")
        IDENTIFIED = "identified", _("Ursache gefunden")
        MONITORING = "monitoring", _("wird beobachtet")
        RESOLVED = "resolved", _("behoben")
        DISMISSED = "dismissed", _("verworfen")
        MERGED = "merged", _("zusammengeführt")

    ACTIVE = (Status.SUGGESTED, Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)
    PUBLIC = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED)

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="incidents")
    # `title` is the agents' name for it; a detected incident starts with a customer's words (decision 0874).
    # The public pages show `public_title`, or a heading from the regions while nobody has written one.
    title = models.CharField(max_length=200)
    public_title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.SUGGESTED)
    public_text = models.TextField(blank=True)
    internal_note = models.TextField(blank=True)
    # Federal states and cities with the number of member messages from each.
    states = models.JSONField(default=dict, blank=True)
    cities = models.JSONField(default=dict, blank=True)
    # The detector's key for this incident (None for incidents an agent opened by hand).
    detector_key = models.BigIntegerField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_report_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField(null=True, blank=True)
    burst_ended_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    customer_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "detector_key"],
                condition=models.Q(detector_key__isnull=False),
                name="incident_unique_detector_key",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "status"], name="incident_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def shown_title(self) -> str:
        """The title the public sees: the one an agent wrote, else "Störung in Köln" from the regions; never
        the detector's title, which is a customer's message (decision 0874)."""
        if self.public_title:
            return self.public_title
        regions = self.regions()[:3]
        if regions:
            return gettext("Störung in %(regions)s") % {"regions": ", ".join(regions)}
        return gettext("Störung")

    def regions(self) -> list[str]:
        """The places most members wrote from (cities first, else states), biggest first."""
        places = self.cities or self.states or {}
        total = sum(places.values()) or 1
        return [name for name, count in sorted(places.items(), key=lambda kv: -kv[1]) if count * 5 >= total]


class IncidentMember(models.Model):
    """A conversation that is part of an incident (with the message that made it one)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="members")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="incident_links")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reported_at = models.DateTimeField(help_text="When the member message was written.")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "conversation"], name="incident_member_unique"),
        ]
        indexes = [models.Index(fields=["incident", "reported_at"], name="incident_member_time")]

    def __str__(self) -> str:
        return f"incident {self.incident_id}: conversation {self.conversation_id}"


class IncidentUpdate(models.Model):
    """One status update written once and sent to every affected customer."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=14, choices=Incident.Status.choices)
    public_text = models.TextField()
    notify = models.BooleanField(default=True)
    author = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"incident {self.incident_id}: {self.status}"


class IncidentNotice(models.Model):
    """One update sent to one customer: unique per (update, customer), so nobody is told twice."""

    update = models.ForeignKey(IncidentUpdate, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    delivery = models.ForeignKey(
        OutboundDelivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["update", "customer"], name="incident_notice_unique"),
        ]

    def __str__(self) -> str:
        return f"update {self.update_id} → customer {self.customer_id}"


class Announcement(models.Model):
    """Planned maintenance or a launch: published once, shown to every agent, and in its regions it
    suppresses false incidents while it lasts."""

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("Wartung")
        LAUNCH = "launch", _("Neuheit")
        INFORMATION = "information", _("Hinweis")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="announcements")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MAINTENANCE)
    title = models.CharField(max_length=200)
    public_text = models.TextField()
    regions = models.JSONField(default=list, blank=True, help_text="City or federal state names; empty: all.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "ends_at"], name="announcement_ends")]

    def __str__(self) -> str:
        return self.title


class ObservedMessage(models.Model):
    """A message the detector has taken as evidence: never twice, when the after-ingest steps run again."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, primary_key=True, related_name="+")

    def __str__(self) -> str:
        return f"observed message {self.pk}"


class DetectorCluster(models.Model):
    """One cluster of a workspace's detector state, as the JSON text `detector.dumps_apart` wrote: a batch
    rewrites the clusters it changed, not the whole state (decision 0859). The rest of the state is the
    record's `state`; both are written in one transaction."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    cluster_id = models.BigIntegerField()
    text = models.TextField()
    # The record's version that wrote this text: a process whose copy is of a later or the same version
    # already holds the cluster as it is here.
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "cluster_id"], name="detector_cluster_unique"),
        ]

    def __str__(self) -> str:
        return f"detector cluster {self.cluster_id} of workspace {self.workspace_id}"


class DetectorRecord(models.Model):
    """The detector's state for one workspace, and its lease: whoever holds the row lock (and a lease that
    has not expired) is the one detector owner; everyone else waits or skips."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    state = models.BinaryField(default=b"")
    version = models.PositiveBigIntegerField(default=0)
    lease_owner = models.CharField(max_length=120, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"detector of workspace {self.workspace_id} (version {self.version})"
