"""The head of each message of a conversation's thread, built in Python: ``{% message_meta m %}``
(templates/web/conversation/_thread.html).

Through the template engine the author, the time, the visibility badge and the relevance form were half of
the thread's CPU (some 150 µs a message: variables, filters, ``{% translate %}``s, ``{% url %}`` and
``{% csrf_token %}`` resolved per message). Here the fixed texts, the form's URL and the token are made once
per page (decision 0854), as the inbox rows are (0853). The HTML is the template's byte for byte
(tests/web/test_thread_meta.py keeps that template as the reference); a change to it is made here.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs
from django.utils.translation import gettext as _

from resonanz.web.templatetags.inbox import _e, _when

register = template.Library()

# A message id no URL prefix holds: the relevance form's URL is reversed once per page around it.
_SOME_ID = 987654321987
_DELIVERY = "web/conversation/_delivery.html"


class _Page:
    """What every message of one page's thread shares, made once (kept on the render context). The fixed
    texts are not escaped, as ``{% translate "…" %}`` does not escape them (a literal is safe, and so is its
    translation)."""

    def __init__(self, context: template.Context, conversation_id: int) -> None:
        self.unknown = f"<strong>{_('unbekannt')}</strong>"
        self.unverified = (
            ' <span class="badge unverified" title="'
            + _(
                "Der Mailserver konnte den Absender nicht bestätigen (SPF/DKIM/DMARC): die Adresse kann "
                "gefälscht sein."
            )
            + f'">{_("Absender nicht bestätigt")}</span>'
        )
        self.participant = (
            ' <span class="badge participant" title="'
            + _("Nicht der Kunde dieses Gesprächs: erhält keine Antworten.")
            + f'">{_("weitere Person")}</span>'
        )
        self.badges = {
            "public": f'<span class="badge public">{_("öffentlich")}</span>',
            "private": f'<span class="badge private">{_("privat")}</span>',
            "note": f'<span class="badge note">{_("interne Notiz")}</span>',
        }
        url = reverse("web:mark_relevance", args=[conversation_id, _SOME_ID])
        self.url_before, self.url_after = (_e(part) for part in url.split(str(_SOME_ID), 1))
        self.csrf = CsrfTokenNode().render(context)
        self.noise = (
            f'<span class="label noise">{_("Rauschen")}</span> <button type="submit" name="relevant" '
            f'value="true" class="link small">{_("Ist relevant")}</button>'
        )
        self.relevant = (
            '<button type="submit" name="relevant" value="false" class="link small">'
            f"{_('Als Rauschen markieren')}</button>"
        )
        self.delivery = context.template.engine.get_template(_DELIVERY) if context.template else None


def _or(value: Any, fallback: Any) -> Any:
    """``|default:``: the fallback for any false value."""
    return value if value else fallback


@register.simple_tag(takes_context=True)
def message_meta(context: template.Context, m: Any) -> SafeString:
    """The ``<div class="meta">`` of one message of the thread (its author, time, visibility, the relevance
    form of a public inbound message, the delivery of an outbound one), escaped."""
    conversation = context["conversation"]
    page = context.render_context.get("thread_meta")
    if page is None:
        page = context.render_context["thread_meta"] = _Page(context, conversation.pk)
    inbound = m.direction == "in"
    if inbound:
        identity = m.author_identity
        if identity is not None:
            author = (
                f"<strong>{_e(_or(identity.display_name, identity.handle))}</strong> "
                f'<span class="muted">{_e(identity.handle)}</span>'
            )
        else:
            author = page.unknown
        if m.sender_unverified:
            author += page.unverified
        if isinstance(m.extra, dict) and m.extra.get("participant"):
            author += page.participant
        author += "\n      "
    else:
        agent = m.author_agent
        initials = _or(agent.initials if agent is not None else "", "R")
        name = _or(agent.display_name if agent is not None else "", "Resonanz")
        author = f'<span class="avatar small">{_e(initials)}</span> <strong>{_e(name)}</strong>'
    iso, shown = _when(template_localtime(m.created_at, context.use_tz))
    badge = page.badges.get(m.visibility, page.badges["note"])
    form = ""
    if inbound and m.visibility == "public":
        labels = getattr(m, "labels", None) or {}
        choice = page.noise if labels.get("relevance") == "false" else page.relevant
        form = (
            f'<form class="relevance" method="post" action="{page.url_before}{_e(m.pk)}{page.url_after}">'
            f"{page.csrf}{choice}</form>"
        )
    delivery = ""
    if not inbound and getattr(m, "delivery", None) and page.delivery is not None:
        with context.push(m=m):
            delivery = page.delivery.render(context)
    return mark_safe(  # noqa: S308  # every value above went through _e; the markup is constant
        f'<div class="meta">\n      {author}\n      · <time datetime="{_e(iso)}">{_e(shown)}</time>\n'
        f"      {badge}\n      {form}\n      {delivery}\n    </div>"
    )
