"""The inbox's rows, built in Python: ``{% inbox_rows rows can_bulk %}`` (templates/web/inbox/_rows.html).

An inbox page shows 50 rows of some 25 values each; through the template engine they were half of the
page's CPU (about 300 µs a row: every variable, filter, ``{% if %}`` and ``{% translate %}`` resolved per
row). Here every value is escaped once and the labels (status, priority, channel, sentiment) are looked up
once per page (decision 0853). The HTML is the one the row template wrote, byte for byte
(tests/web/test_inbox_rows.py keeps that template as the reference); a change to a row is made here.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs
from django.utils.translation import gettext as _

from resonanz.web.templatetags.resonanz_web import (
    channel_kind,
    kind_label,
    priority_label,
    sentiment_label,
    since,
    status_label,
)

register = template.Library()


def _e(value: Any) -> str:
    """Escaped for HTML, as ``{{ value }}`` escapes (Django's ``conditional_escape``, without its lazy-string
    wrappers: this runs some 1,500 times a page)."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


# A conversation id no URL prefix holds: the conversation URL is reversed once per page around it.
_SOME_ID = 987654321987
PREVIEW_CHARS = 110


def truncated_chars(text: str, limit: int) -> str:
    """``|truncatechars:limit`` (Truncator.chars): most texts are shorter and are returned NFC-normalized as
    Truncator returns them, without its walk over every character."""
    normalized = unicodedata.normalize("NFC", text)
    if len(normalized) <= limit:
        return normalized
    return Truncator(text).chars(limit)


def _preview(text: str) -> str:
    return truncated_chars(text, PREVIEW_CHARS)


def _when(moment: Any) -> tuple[str, str]:
    """``|date:"c"`` and ``|date:"d.m.Y H:i"`` of the (local) time, without Django's DateFormat per row."""
    return (
        moment.isoformat(),
        f"{moment.day:02d}.{moment.month:02d}.{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}",
    )


class _Labels:
    """The page's translated labels, each looked up once (a page has few statuses, channels, sentiments)."""

    def __init__(self, topic_names: dict[str, str] | None = None) -> None:
        self.topic_names = topic_names or {}
        self.select = _e(_("Auswählen"))
        self.priority = _e(_("Priorität"))
        self.messages = _e(_("Nachrichten"))
        self.public = _e(_("öffentlich"))
        self._seen: dict[tuple[str, Any], str] = {}
        # reverse() per row cost as much as the rest of the row's values together.
        url = reverse("web:conversation", args=[_SOME_ID])
        self.url_before, self.url_after = (_e(part) for part in url.split(str(_SOME_ID), 1))
        self._kinds: dict[int, str] = {}

    def kind(self, account: Any) -> str:
        """The platform the channel account stands for (a class name and a lookup key; escaped all the same:
        a fake account's ``imitates`` is configuration text)."""
        if account.pk not in self._kinds:
            self._kinds[account.pk] = _e(channel_kind(account))
        return self._kinds[account.pk]

    def of(self, name: str, value: Any, label: Callable[[Any], str]) -> str:
        key = (name, value)
        if key not in self._seen:
            self._seen[key] = _e(label(value))
        return self._seen[key]


def inbox_row(c: Any, can_bulk: bool, labels: _Labels) -> str:
    """One conversation of the inbox (a row of `web.queries.inbox_page` or of the live updates), escaped."""
    pk = _e(c.pk)
    priority = _e(c.priority)
    state = _e(c.status)
    customer = c.customer
    kind = labels.kind(c.channel_account)
    iso, shown = _when(template_localtime(c.last_message_at))
    owner = c.owner
    last_text = getattr(c, "last_text", None)
    sentiment = getattr(c, "sentiment_label", None)
    topic = getattr(c, "topic_label", None)
    select = (
        f'<td class="col-select"><input type="checkbox" name="id" value="{pk}" form="bulk-form" '
        f'data-select-row aria-label="{labels.select}"></td>'
        if can_bulk
        else ""
    )
    vip = ' <span class="badge vip">VIP</span>' if customer.is_vip else ""
    city = f'<div class="muted small">{_e(customer.city)}</div>' if customer.city else ""
    preview = (
        f'<div class="preview muted">{_e(_preview(last_text))}</div>'
        if last_text and last_text != c.subject
        else ""
    )
    mood = (
        f'<span class="label sentiment-{_e(sentiment)}">{labels.of("sentiment", sentiment, sentiment_label)}</span>'
        if sentiment
        else ""
    )
    theme = f'<span class="label topic">{_e(labels.topic_names.get(topic, topic))}</span>' if topic else ""
    team = f'<span class="label team">{_e(c.team.name)}</span>' if c.team_id else ""
    count = (
        f'<span class="label count" title="{labels.messages}">{_e(c.message_count)}</span>'
        if c.message_count > 1
        else ""
    )
    public = f' <span class="badge public">{labels.public}</span>' if c.is_public else ""
    if owner is not None:
        name = _e(owner.display_name)
        title = f' title="{name}"' if owner.display_name else ""
        owned = f'<span class="avatar small"{title}>{_e(owner.initials)}</span> {name}'
    else:
        owned = '<span class="muted">—</span>'
    return (
        f'\n<tr class="prio-{priority} status-row-{state}" data-conversation="{pk}">\n  {select}\n'
        f'  <td class="col-prio"><span class="prio prio-{priority}" title="{labels.priority}: '
        f'{labels.of("priority", c.priority, priority_label)}"></span></td>\n'
        f'  <td class="customer-cell">\n    <strong>{_e(customer.display_name)}</strong>{vip}\n    {city}\n  </td>\n'
        f'  <td class="subject-cell">\n'
        f'    <a href="{labels.url_before}{pk}{labels.url_after}" class="subject">{_e(c.subject or "—")}</a>\n'
        f'    {preview}\n    <div class="labels">\n      {mood}\n      {theme}\n      {team}\n      {count}\n'
        f"    </div>\n  </td>\n"
        f'  <td><span class="kind kind-{_e(kind)}">{labels.of("kind_label", kind, kind_label)}</span>{public}</td>\n'
        f'  <td><span class="status status-{state}">{labels.of("status", c.status, status_label)}</span></td>\n'
        f"  <td>{owned}</td>\n"
        f'  <td class="when"><time datetime="{_e(iso)}" '
        f'title="{_e(shown)}">{_e(since(c.last_message_at))}</time></td>\n</tr>\n'
    )


@register.simple_tag
def inbox_rows(
    rows: Iterable[Any], can_bulk: bool = False, topic_names: dict[str, str] | None = None
) -> SafeString:
    """The rows of an inbox table; `topic_names`: slug → name in the UI language (a slug without one is
    shown as it is)."""
    labels = _Labels(topic_names)
    # Every value in the rows went through _e (escaped); the markup around them is constant.
    return mark_safe("".join(inbox_row(c, bool(can_bulk), labels) for c in rows))  # noqa: S308
