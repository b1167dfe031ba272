from __future__ import annotations

from django.db import models

from resonanz.conversations.models import Message


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
