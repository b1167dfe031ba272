from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def default_languages() -> list[str]:
    return ["de", "en"]


class Workspace(models.Model):
    """One company using Resonanz: its channels, agents, customers and settings."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    languages = models.JSONField(default=default_languages)
    # How outbound public replies are signed: "first_name" ("– Mia"), "initials" ("^MK") or "none".
    signature_style = models.CharField(max_length=20, default="initials")
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "slug"], name="team_unique_slug")]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="skills")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "slug"], name="skill_unique_slug")]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A person answering customers: a Django user in one workspace, with a persona for public replies."""

    class Role(models.TextChoices):
        # What each role may do is in resonanz/workspaces/permissions.py. No role grants Django staff or
        # superuser: the Django admin is for operators (`resonanz operator NAME`).
        AGENT = "agent", _("Servicekraft")
        LEAD = "lead", _("Teamleitung")
        ADMIN = "admin", _("Admin")
        MODERATOR = "moderator", _("Community-Moderation")
        ANALYST = "analyst", _("Analyse (nur lesen)")

    class Presence(models.TextChoices):
        ONLINE = "online", _("online")
        AWAY = "away", _("abwesend")
        OFFLINE = "offline", _("offline")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="agents")
    display_name = models.CharField(max_length=120)
    initials = models.CharField(max_length=8, blank=True)
    photo_url = models.CharField(max_length=300, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(Team, related_name="agents", blank=True)
    skills = models.ManyToManyField(Skill, related_name="agents", blank=True)
    languages = models.JSONField(default=default_languages)
    presence = models.CharField(max_length=10, choices=Presence.choices, default=Presence.OFFLINE)
    capacity = models.PositiveIntegerField(default=20)
    signature = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.display_name

    @property
    def first_name(self) -> str:
        return self.display_name.split(" ")[0]


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored; the key is shown once.

    The scope limits what the token may do on top of its agent's role (decision 0701): ``cti`` only the CTI
    lookup, ``ingest`` only posting events to one channel account, ``read`` only reading, ``agent``
    whatever the agent may do."""

    class Scope(models.TextChoices):
        CTI = "cti", _("CTI-Abfrage")
        INGEST = "ingest", _("Ereignisse einliefern")
        READ = "read", _("Nur lesen")
        AGENT = "agent", _("Wie die Servicekraft")

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.AGENT)
    # For the ``ingest`` scope: the one channel account it may post to (a plain id: channels sits above us).
    channel_account_id = models.BigIntegerField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def unusable_because(self, now: dt.datetime | None = None) -> str:
        """Why the token cannot be used (revoked, expired), or "" when it can."""
        if self.revoked_at is not None:
            return gettext("Das API-Token wurde widerrufen")
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return gettext("Das API-Token ist abgelaufen")
        return ""

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "rz_" + secrets.token_urlsafe(32)
