"""Small presentation helpers for the agent UI templates."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resonanz.channels.models import ChannelAccount

register = template.Library()

_KIND_LABELS = {
    "x": "X",
    "facebook": "Facebook",
    "forum": gettext_lazy("Forum"),
    "email": gettext_lazy("E-Mail"),
    "app": gettext_lazy("App"),
    "phone": gettext_lazy("Telefon"),
    "feed": gettext_lazy("Blog/Feed"),
    "webhook": gettext_lazy("Webhook"),
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
    if account.kind == "fake":
        return str(account.config.get("imitates") or "fake")
    return account.kind


@register.filter
def kind_label(kind: str) -> str:
    return str(_KIND_LABELS.get(kind, kind))


@register.filter
def sentiment_label(label: str) -> str:
    return str(_SENTIMENT_LABELS.get(label, label))


_TIMELINE_LABELS = {
    "created": gettext_lazy("Gespräch begonnen"),
    "reopened": gettext_lazy("wieder geöffnet"),
    "replied": gettext_lazy("geantwortet"),
    "status_changed": gettext_lazy("Status geändert"),
    "assigned": gettext_lazy("zugewiesen"),
    "delivery_retried": gettext_lazy("erneut gesendet"),
}


@register.filter
def timeline_label(kind: str) -> str:
    return str(_TIMELINE_LABELS.get(kind, kind.replace("_", " ")))


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
