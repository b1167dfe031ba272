from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from resonanz.customers.models import Customer, Identity
from resonanz.workspaces.models import Agent, Team, Workspace


class Conversation(models.Model):
    """One concern of one customer, across channels; owned by one agent (one-hand management)."""

    class Status(models.TextChoices):
        NEW = "new", _("neu")
        OPEN = "open", _("offen")
        PENDING = "pending", _("wartend")
        SOLVED = "solved", _("gelöst")
        CLOSED = "closed", _("geschlossen")

    class Priority(models.IntegerChoices):
        LOW = 0, _("niedrig")
        NORMAL = 1, _("normal")
        HIGH = 2, _("hoch")
        URGENT = 3, _("dringend")

    OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conversations")
    channel_account = models.ForeignKey(
        "channels.ChannelAccount", on_delete=models.PROTECT, related_name="conversations"
    )
    subject = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    is_public = models.BooleanField(default=False)
    # A public post found by listening that the workspace's relevance model (or an agent) judged not about
    # us: shown only in the inbox's "noise" view, never routed, no agent's load (docs/understanding.md).
    is_noise = models.BooleanField(default=False)
    owner = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    priority = models.IntegerField(choices=Priority.choices, default=Priority.NORMAL)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    # SLA clocks (docs/sla.md): when to warn, when a target was breached, and since when the clocks are
    # paused (status pending: waiting on the customer). A warning consumed sets its *_warn_at back to null.
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    last_message_at = models.DateTimeField(db_index=True)
    message_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "status", "-last_message_at"], name="conversation_inbox"),
            models.Index(fields=["customer", "channel_account", "status"], name="conversation_customer"),
            # The inbox's pages in its order (newest first, the id breaks ties) whatever the status filter,
            # and the noise view: read up to a page, never the table (docs/agent-workspace.md, speed).
            models.Index(
                fields=["workspace", "is_noise", "last_message_at", "id"], name="conversation_inbox_recent"
            ),
            # An agent's own conversations ("mine", "waiting for me") newest first: a page of them without
            # reading and sorting all of theirs (decision 0853).
            models.Index(fields=["owner", "last_message_at", "id"], name="conversation_owner_recent"),
            # The inbox's capped counts read from these alone, without a row lookup per counted conversation:
            # by status (and public/private, channel), and by owner (mine, waiting for me, unassigned).
            models.Index(
                fields=["workspace", "status", "is_noise", "is_public", "channel_account"],
                name="conversation_status_counts",
            ),
            models.Index(
                fields=["owner", "status", "is_noise", "workspace"], name="conversation_owner_counts"
            ),
            # The noise view and its count: the few noise conversations only (SQLite's statistics cannot tell
            # that is_noise is rare, and would read every open conversation to find them). Django writes
            # the condition as the bare column, as in the inbox's queries, so SQLite can match it.
            models.Index(
                fields=["workspace", "status", "last_message_at"],
                condition=models.Q(is_noise=True),
                name="conversation_noise",
            ),
            # The SLA watch (do_record_sla_events): a range scan over running conversations per clock.
            # Plain, not partial: SQLite cannot match a partial index's WHERE against bound parameters.
            models.Index(fields=["status", "first_response_due_at"], name="conversation_sla_first_due"),
            models.Index(fields=["status", "first_response_warn_at"], name="conversation_sla_first_warn"),
            models.Index(fields=["status", "resolution_due_at"], name="conversation_sla_done_due"),
            models.Index(fields=["status", "resolution_warn_at"], name="conversation_sla_done_warn"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class Message(models.Model):
    """One inbound or outbound message (or an internal note) in a conversation."""

    class Direction(models.TextChoices):
        INBOUND = "in", "eingehend"
        OUTBOUND = "out", "ausgehend"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "öffentlich"
        PRIVATE = "private", "privat"
        NOTE = "note", "interne Notiz"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="messages", db_index=False
    )  # reached through the conversation; an index per message row would cost every insert
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    channel_account = models.ForeignKey(
        "channels.ChannelAccount", on_delete=models.PROTECT, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE)
    author_identity = models.ForeignKey(
        Identity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_agent = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )  # only looked up when an agent is deleted (rare); not worth an index entry per message
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    # The platform's id (tweet id, Message-ID…); empty for outbound messages until they are sent.
    external_id = models.CharField(max_length=255, blank=True)
    text = models.TextField()
    language = models.CharField(max_length=8, blank=True)
    url = models.URLField(max_length=500, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True, help_text="When it was written (platform time).")
    received_at = models.DateTimeField(help_text="When Resonanz stored it.")
    # Inbound only: when the first reply after it was written, and how many seconds after it. Set by
    # do_send_reply so the response-rate watch counts with plain column comparisons (decision 0252).
    answered_at = models.DateTimeField(null=True, blank=True)
    response_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Inbound only: the steps after ingest (annotating, routing) have not run yet. Set when the message is
    # stored, cleared when the steps ran; the sweeper re-queues messages whose flag outlives a timeout
    # (a process died between storing and the steps).
    after_ingest_pending = models.BooleanField(default=False)
    # When a task was last handed these steps (re-queued by the sweeper, or started): the sweeper leaves a
    # message alone while that task may still be queued or running (a lease, decision 0520). Empty: the
    # task enqueued when the message was stored holds it, counted from ``received_at``.
    after_ingest_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_account", "external_id"],
                condition=~models.Q(external_id=""),
                name="message_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="message_conversation"),
            # The response-rate watch: public posts of one channel account in a period.
            models.Index(
                fields=["channel_account", "direction", "created_at"], name="message_account_created"
            ),
            # Partial: holds only the few messages whose after-ingest steps are still due.
            models.Index(
                fields=["received_at"],
                condition=models.Q(after_ingest_pending=True),
                name="message_after_ingest_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.text[:40]}"

    @property
    def sender_unverified(self) -> bool:
        """The receiving mail server could not vouch for the From address (SPF/DKIM/DMARC): it may be
        spoofed. False where the channel records nothing (X, Facebook, the app authenticate their users)."""
        email = self.extra.get("email") if isinstance(self.extra, dict) else None
        authentication = email.get("authentication") if isinstance(email, dict) else None
        return isinstance(authentication, dict) and authentication.get("verified") is False


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="attachments/%Y/%m/")

    def __str__(self) -> str:
        return self.filename


class TimelineEntry(models.Model):
    """What happened to a conversation and who did it: assigned, status changed, moved to private…"""

    class Kind(models.TextChoices):
        """Every kind of timeline entry, with the label the agent UI shows (one place: write kinds from here)."""

        CREATED = "created", _("Gespräch begonnen")
        REOPENED = "reopened", _("wieder geöffnet")
        REPLIED = "replied", _("geantwortet")
        STATUS_CHANGED = "status_changed", _("Status geändert")
        ASSIGNED = "assigned", _("zugewiesen")
        TRANSFERRED = "transferred", _("übergeben")
        MOVED_PRIVATE = "moved_private", _("in eine private Nachricht verlegt")
        NOTE_ADDED = "note_added", _("Notiz geschrieben")
        CALL_NOTE = "call_note", _("Anrufnotiz")
        COMMENT_HIDDEN = "comment_hidden", _("Kommentar verborgen")
        ADDRESS_CHANGED = "address_changed", _("Adressänderung bestätigt")
        CUSTOMER_MERGED = "customer_merged", _("Kunden zusammengeführt")
        CUSTOMER_MERGE_UNDONE = "customer_merge_undone", _("Zusammenführung rückgängig gemacht")
        PARTICIPANT = "participant", _("weitere Person im Verlauf")
        DELIVERY_RETRIED = "delivery_retried", _("erneut gesendet")
        ANNOTATION_CORRECTED = "annotation.corrected", _("Einordnung korrigiert")
        INCIDENT_LINKED = "incident_linked", _("einer Störung zugeordnet")
        PRIORITY_CHANGED = "priority_changed", _("Priorität geändert")
        QUEUED = "queued", _("wartet auf eine freie Servicekraft")
        ROUTING_UPDATED = "routing_updated", _("Team oder Priorität neu zugeordnet")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="timeline")
    actor = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=60, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.kind} #{self.conversation_id}"


class SlaPolicy(models.Model):
    """First-response and resolution targets in business minutes for one channel kind and priority.

    Empty ``channel_kind`` or null ``priority`` match any; the most specific row wins (docs/sla.md)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="sla_policies")
    channel_kind = models.CharField(max_length=30, blank=True)
    priority = models.IntegerField(choices=Conversation.Priority.choices, null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    warn_before_minutes = models.PositiveIntegerField(default=15)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel_kind", "priority"],
                condition=models.Q(priority__isnull=False),
                name="sla_policy_unique",
            ),
            models.UniqueConstraint(
                fields=["workspace", "channel_kind"],
                condition=models.Q(priority__isnull=True),
                name="sla_policy_unique_any_priority",
            ),
        ]

    def __str__(self) -> str:
        return f"SLA {self.channel_kind or '*'}/{self.priority if self.priority is not None else '*'}"


class Macro(models.Model):
    """A canned answer in one language with {placeholders} (resonanz/conversations/macros.py)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="macros")
    name = models.CharField(max_length=120)
    language = models.CharField(max_length=8)
    text = models.TextField()
    # The channel kinds it is offered on ("x", "email"…); empty: every channel.
    channel_kinds = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name", "language"], name="macro_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    def offered_on(self, channel_kind: str) -> bool:
        return not self.channel_kinds or channel_kind in self.channel_kinds


class Mention(models.Model):
    """An @username of a colleague in an internal note."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="mentions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "agent"], name="mention_unique")]

    def __str__(self) -> str:
        return f"@{self.agent_id} in {self.message_id}"


class Notification(models.Model):
    """Something an agent should look at: a mention, a response-rate alert…; read when ``read_at`` is set."""

    class Kind(models.TextChoices):
        MENTION = "mention", _("Erwähnung")
        ASSIGNED = "assigned", _("zugewiesen")
        SLA_WARNING = "sla_warning", _("SLA bald verletzt")
        SLA_BREACHED = "sla_breached", _("SLA verletzt")
        RESPONSE_RATE_ALERT = "response_rate_alert", _("Antwortquote unter der Schwelle")
        DELIVERY_FAILED = "delivery_failed", _("Zustellung fehlgeschlagen")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="notifications")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["agent", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.agent_id}"
