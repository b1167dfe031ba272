from __future__ import annotations

from django.db import models

from resonanz.workspaces.models import Workspace


class Customer(models.Model):
    """A person (or company) we serve; owns one or more identities across channels."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="customers")
    display_name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=120, blank=True)
    is_vip = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.display_name


class Identity(models.Model):
    """One handle on one channel kind: an X handle, an e-mail address, a forum nickname, a phone number,
    an app user id. Unique per workspace and kind; linked to exactly one customer."""

    class Kind(models.TextChoices):
        X = "x", "X"
        FACEBOOK = "facebook", "Facebook"
        EMAIL = "email", "E-Mail"
        PHONE = "phone", "Telefon"
        APP = "app", "App"
        FORUM = "forum", "Forum"
        FEED = "feed", "Blog/Feed"
        WEBHOOK = "webhook", "Webhook"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="identities")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    handle = models.CharField(max_length=254)
    display_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "handle"], name="identity_unique_handle"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.handle}"
