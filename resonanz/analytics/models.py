from __future__ import annotations

from django.db import models

from resonanz.channels.models import ChannelAccount
from resonanz.workspaces.models import Workspace


class ResponseRateAlert(models.Model):
    """The answered share of a public channel account fell below the workspace's threshold.

    At most one open alert per channel account (a partial unique constraint): the watch inserts or
    ignores, and resolves the alert once the share is back at or above the threshold."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="response_rate_alerts")
    channel_account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="response_rate_alerts"
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    received = models.PositiveIntegerField()
    answered = models.PositiveIntegerField()
    answered_share = models.FloatField()
    threshold = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_account"],
                condition=models.Q(resolved_at__isnull=True),
                name="response_rate_alert_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"response rate {self.answered_share:.0%} on {self.channel_account_id}"
