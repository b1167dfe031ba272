from __future__ import annotations

from django.db import models

from resonanz.workspaces.models import Agent, Workspace


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
    # The customer's user id in the company's app, when a channel told us (a strong match signal).
    app_user_id = models.CharField(max_length=120, blank=True, db_index=True)
    # Set while this customer is merged into another one; cleared when the merge is undone.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_customers"
    )
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
    # The platform's stable id of the account where its handle can change (X: the numeric user id). Where
    # set, it is the identity's key and ``handle`` is a display field updated when the account is renamed.
    external_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "handle"], name="identity_unique_handle"),
            models.UniqueConstraint(
                fields=["workspace", "kind", "external_id"],
                condition=~models.Q(external_id=""),
                name="identity_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.handle}"


class CustomerMerge(models.Model):
    """One explicit merge of ``source`` into ``target``: what moved, so that undoing restores it exactly."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="customer_merges")
    target = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_in")
    source = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_out")
    actor = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    identity_ids = models.JSONField(default=list)
    conversation_ids = models.JSONField(default=list)
    # The target's profile fields before the merge filled its blanks from the source.
    target_profile_before = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return f"merge {self.source_id} → {self.target_id}"


class MatchSuggestion(models.Model):
    """ "These two customers may be one person", with a confidence and a reason; an agent accepts
    (merges) or rejects it. Unique per (customer, candidate, reason): recomputing never reopens a rejected
    suggestion."""

    class Reason(models.TextChoices):
        SAME_APP_USER_ID = "same_app_user_id", "gleiche App-Nutzer-ID"
        SAME_EMAIL = "same_email", "gleiche E-Mail-Adresse"
        SAME_PHONE = "same_phone", "gleiche Telefonnummer"
        HANDLE_IN_SIGNATURE = "handle_in_signature", "Handle in E-Mail-Signatur"

    class Status(models.TextChoices):
        OPEN = "open", "offen"
        ACCEPTED = "accepted", "angenommen"
        REJECTED = "rejected", "abgelehnt"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="match_suggestions")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="match_suggestions")
    candidate = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    confidence = models.FloatField()
    evidence = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    merge = models.ForeignKey(
        CustomerMerge, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "candidate", "reason"], name="match_suggestion_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ~ {self.candidate_id} ({self.reason})"
