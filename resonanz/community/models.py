"""The community forum: members (a forum identity of a customer), questions, answers, votes. Staff answers
are answers written by an agent and marked official."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from resonanz.customers.models import Identity
from resonanz.workspaces.models import Agent, Workspace

TRUSTED_FROM = 50  # reputation at which a member gets the trusted badge and their answers rank higher


class Member(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="community_members")
    identity = models.OneToOneField(Identity, on_delete=models.CASCADE, related_name="community_member")
    nickname = models.CharField(max_length=40)
    email = models.EmailField(blank=True, help_text="optional: notified when the question gets an answer")
    reputation = models.IntegerField(default=0)
    banned = models.BooleanField(default=False)
    is_moderator = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "nickname"], name="community_member_unique_nickname")
        ]

    def __str__(self) -> str:
        return self.nickname

    @property
    def trusted(self) -> bool:
        return self.reputation >= TRUSTED_FROM


class Question(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("in Prüfung")
        OPEN = "open", _("offen")
        ANSWERED = "answered", _("beantwortet")
        HIDDEN = "hidden", _("ausgeblendet")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="community_questions")
    author = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="questions")
    category = models.SlugField(max_length=80, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    locked = models.BooleanField(default=False)
    spam_score = models.FloatField(default=0)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    accepted_answer = models.ForeignKey(
        "Answer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    staff_needed_at = models.DateTimeField(null=True, blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)  # handed to staff as a conversation
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.title


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="answers"
    )
    agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    body = models.TextField()
    official = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    queued = models.BooleanField(default=False)  # held for moderation (spam score): hidden until approved
    spam_score = models.FloatField(default=0)
    score = models.IntegerField(default=0)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # the agent's reply in the routed conversation that this official answer publishes (once)
    source_message_id = models.BigIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"answer {self.pk} to {self.question_id}"


class Vote(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["answer", "member"], name="community_vote_once")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.value:+d} on {self.answer_id}"


class DeflectionEvent(models.Model):
    """One step of one visitor typing a question: matching answers shown, one opened, the question asked
    anyway. A visit that opened a match and never asked is a deflected question."""

    class Kind(models.TextChoices):
        SHOWN = "shown", _("Treffer gezeigt")
        OPENED = "opened", _("Treffer geöffnet")
        ASKED = "asked", _("Frage gestellt")

    class Source(models.TextChoices):
        FORUM = "forum", _("Forum")
        WIDGET = "widget", _("Widget und App")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    visit = models.CharField(max_length=40, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORUM)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.visit} {self.kind}"


class LoginLink(models.Model):
    """A sign-in link e-mailed to a member (decision 0870): valid for LINK_MINUTES, used once. The rows
    also count requests per address and IP address (rate limits)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="login_links")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    next_path = models.CharField(max_length=300, blank=True)  # the forum page to return to after signing in
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"login link {self.pk} for {self.member_id}"
