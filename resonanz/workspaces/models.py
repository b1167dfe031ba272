from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


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
        AGENT = "agent", "Agent"
        LEAD = "lead", "Team lead"
        ADMIN = "admin", "Admin"

    class Presence(models.TextChoices):
        ONLINE = "online", "online"
        AWAY = "away", "away"
        OFFLINE = "offline", "offline"

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
    """A bearer token for the REST API. Only its SHA-256 is stored; the key is shown once."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "rz_" + secrets.token_urlsafe(32)
