"""The agent UI's reusable components, in one place; `/dev/components` shows each (the component library,
admins only), and tests/web/test_components.py renders each.

Small ones that appear in every inbox row (badge, avatar, status, timeline entry) are simple tags built
with `format_html` (escaped; no template per call, which would cost 50 template renders a page); larger
ones are inclusion tags with their template in `templates/web/components/`.

    {% load components %}
    {% badge _("öffentlich") "public" %}   {% avatar agent.initials agent.display_name "small" %}
    {% status c.status c.get_status_display %}   {% timeline_entry entry %}   {% composer %}
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.safestring import SafeString

from resonanz.web.templatetags.resonanz_web import timeline_label

register = template.Library()


@register.simple_tag
def badge(text: Any, kind: str = "", title: str = "") -> SafeString:
    """A small label: public/private/note, VIP, unverified sender, trusted member …"""
    classes = f"badge {kind}".strip()
    if title:
        return format_html('<span class="{}" title="{}">{}</span>', classes, title, text)
    return format_html('<span class="{}">{}</span>', classes, text)


@register.simple_tag
def avatar(initials: Any, name: str = "", size: str = "") -> SafeString:
    """An agent's (or customer's) initials in a circle; ``size`` "small" or "large"; ``name`` as tooltip."""
    classes = f"avatar {size}".strip()
    if name:
        return format_html('<span class="{}" title="{}">{}</span>', classes, name, initials)
    return format_html('<span class="{}">{}</span>', classes, initials)


@register.simple_tag
def status(value: str, label: Any, data: bool = False) -> SafeString:
    """A conversation's (or incident's) status in its colour; ``data`` adds ``data-status`` for scripts."""
    if data:
        return format_html('<span class="status status-{}" data-status="{}">{}</span>', value, value, label)
    return format_html('<span class="status status-{}">{}</span>', value, label)


@register.simple_tag
def timeline_entry(entry: Any) -> SafeString:
    """One line of a conversation's timeline: time, what happened (translated), who."""
    actor = getattr(entry, "actor", None)
    who = format_html(" · {}", actor.display_name) if actor else ""
    return format_html(
        '<li><time datetime="{}">{}</time> {}{}</li>',
        date_filter(entry.created_at, "c"),
        date_filter(entry.created_at, "d.m. H:i"),
        timeline_label(entry.kind),
        who,
    )


@register.inclusion_tag("web/components/composer.html", takes_context=True)
def composer(context: template.Context) -> dict[str, Any]:
    """The reply composer of the conversation in the context."""
    return {str(key): value for key, value in context.flatten().items()}
