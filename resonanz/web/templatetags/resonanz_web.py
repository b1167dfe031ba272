"""Small presentation helpers for the agent UI templates."""

from __future__ import annotations

import datetime as dt

from django import template
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resonanz.channels.models import ChannelAccount
from resonanz.channels.registry import kind_badge, platform_kind
from resonanz.conversations.models import Conversation, Notification, TimelineEntry
from resonanz.core.models import AuditEntry
from resonanz.understanding.models import Topic

register = template.Library()

# Identity kinds that are no channel of their own (a forum posts through the webhook channel); every
# channel's badge comes from its package (ChannelSpec.badge).
_IDENTITY_LABELS = {
    "forum": gettext_lazy("Forum"),
}
_SENTIMENT_LABELS = {
    "negative": gettext_lazy("negativ"),
    "positive": gettext_lazy("positiv"),
    "neutral": gettext_lazy("neutral"),
    "mixed": gettext_lazy("gemischt"),
}


@register.filter
def channel_kind(account: ChannelAccount | None) -> str:
    """The platform a channel account stands for: its adapter, or what a fake account imitates."""
    if account is None:
        return ""
    return platform_kind(account.kind, account.config)


@register.filter
def kind_label(kind: str) -> str:
    return kind_badge(kind) or str(_IDENTITY_LABELS.get(kind, kind))


@register.filter
def sentiment_label(label: str) -> str:
    return str(_SENTIMENT_LABELS.get(label, label))


def _label(choices: type[models.TextChoices], value: str) -> str:
    """The translated label of a stored kind; an unknown one (an older version's) reads as plain words."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value.replace("_", " ").replace(".", " ")


@register.filter
def status_label(value: str) -> str:
    """A conversation's status, translated: what ``get_status_display`` says, for a fraction of its cost
    (Django rebuilds and hashes the lazily translated choices on every call; the inbox asks 50 times)."""
    return _label(Conversation.Status, value)


@register.filter
def priority_label(value: int) -> str:
    """A conversation's priority, translated (``get_priority_display`` without its cost per call)."""
    try:
        return str(Conversation.Priority(value).label)
    except ValueError:
        return str(value)


@register.filter
def timeline_label(kind: str) -> str:
    return _label(TimelineEntry.Kind, kind)


@register.filter
def audit_label(action: str) -> str:
    return _label(AuditEntry.Action, action)


@register.filter
def notification_label(kind: str) -> str:
    return _label(Notification.Kind, kind)


@register.filter
def get_count(counts: dict[str, int], key: str) -> int:
    return counts.get(key, 0)


@register.filter
def since(moment: dt.datetime | None) -> str:
    """A short relative time: "5 Min.", "3 Std.", "2 T."."""
    if moment is None:
        return ""
    seconds = max((timezone.now() - moment).total_seconds(), 0)
    if seconds < 60:
        return _("jetzt")
    if seconds < 3600:
        return _("%(n)d Min.") % {"n": seconds // 60}
    if seconds < 86400:
        return _("%(n)d Std.") % {"n": seconds // 3600}
    return _("%(n)d T.") % {"n": seconds // 86400}


@register.filter
def topic_name(topic: Topic) -> str:
    """A topic's name in the UI language (its English name where one is set)."""
    return topic.label(translation.get_language() or "de")


_WEEKDAYS = {
    "mon": gettext_lazy("Montag"),
    "tue": gettext_lazy("Dienstag"),
    "wed": gettext_lazy("Mittwoch"),
    "thu": gettext_lazy("Donnerstag"),
    "fri": gettext_lazy("Freitag"),
    "sat": gettext_lazy("Samstag"),
    "sun": gettext_lazy("Sonntag"),
}


@register.filter
def weekday_label(day: str) -> str:
    """A stored weekday key ("mon") in the UI language."""
    return str(_WEEKDAYS.get(day, day))
