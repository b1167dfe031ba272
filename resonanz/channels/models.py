from __future__ import annotations

from django.db import models

from resonanz.core.fields import ConfigWithSecretsField, EncryptedTextField
from resonanz.workspaces.models import Workspace


class ChannelAccount(models.Model):
    """An installed channel: which adapter (``kind``), its credentials and config, and its health.

    The adapter class (code, in the registry) is separate from this row (data), as Sentry separates an
    IntegrationProvider from an Integration."""

    class Status(models.TextChoices):
        HEALTHY = "healthy", "healthy"
        UNHEALTHY = "unhealthy", "unhealthy"
        DISABLED = "disabled", "disabled"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channel_accounts")
    kind = models.CharField(max_length=30)
    name = models.CharField(max_length=120)
    # Shared secret for webhook signatures (HMAC-SHA256) and the platform's credentials. Both are encrypted
    # at rest, the secret whole and the config's credential entries (passwords, tokens): decision 0542.
    secret = EncryptedTextField(blank=True)
    config = ConfigWithSecretsField(default=dict, blank=True)
    is_public = models.BooleanField(default=False, help_text="Posts on this channel are visible to everyone.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.HEALTHY)
    status_detail = models.CharField(max_length=500, blank=True)
    # Where a poller left off (since_id, IMAP UID, feed ETag…), owned by the adapter.
    cursor = models.JSONField(default=dict, blank=True)
    # One poll per account at a time (decision 0525): who holds the poll lease and until when. Taken when a
    # poll is enqueued, renewed when it starts, released when it ends; an expired lease is free.
    poll_lease_token = models.CharField(max_length=32, blank=True)
    poll_lease_until = models.DateTimeField(null=True, blank=True)
    # When a poll (e-mail, feed) last finished: the settings' health column shows it.
    last_polled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class InboundEvent(models.Model):
    """A raw event exactly as a channel delivered it, stored before any work is done.

    Unique on (channel account, external id): a second delivery of the same event is dropped here."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        PROCESSED = "processed", "processed"
        IGNORED = "ignored", "ignored"
        FAILED = "failed", "failed"

    channel_account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="inbound_events"
    )
    external_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=60, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Claims: counted in their own commit before the payload is parsed (decision 0521).
    attempts = models.PositiveIntegerField(default=0)
    # Claims that never reached an outcome (the worker died); at settings.INGEST_MAX_CRASHES it is failed.
    crashes = models.PositiveIntegerField(default=0)
    # Set while a worker holds the event; an outcome clears it. Still set after the lease: that worker died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # After an error the event waits until then (exponential backoff, decision 0522); empty: due now.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel_account", "external_id"], name="inbound_event_unique"),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_event_pending")]

    def __str__(self) -> str:
        return f"{self.channel_account_id}:{self.external_id}"


class OutboundDelivery(models.Model):
    """One outbound message on its way to a platform; the send task takes only this row's id.

    ``idempotency_key`` is unique, so the same reply can never be queued twice; ``status`` moves
    pending → sending → sent | failed, and a sent delivery is never sent again."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    channel_account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="deliveries")
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="delivery", null=True, blank=True
    )
    action = models.CharField(max_length=40, default="reply")
    payload = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    external_ids = models.JSONField(default=list, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.status})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(OutboundDelivery, on_delete=models.CASCADE, related_name="attempt_rows")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20)  # sent | retry | failed
    status_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"attempt {self.pk} {self.outcome}"
