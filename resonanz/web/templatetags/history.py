"""The messages of a customer's history, built in Python: ``{% history_messages item.messages %}``
(templates/web/customers/detail.html).

A customer page shows up to 500 messages; through the template engine each cost a ``date``, a
``truncatechars``, a ``linebreaksbr`` and the author's lookups — the page's largest cost at some 30 messages
a customer. Here the same HTML, byte for byte (tests/web/test_history_messages.py keeps the template as the
reference), with the truncation and the date made without Django's per-call machinery where the result is
the same (as the inbox rows do, decision 0853).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs

from resonanz.web.templatetags.inbox import _e, _when, truncated_chars

register = template.Library()

HISTORY_TEXT_CHARS = 400


def history_message(m: Any) -> str:
    """One message of the history, escaped."""
    _iso, shown = _when(template_localtime(m.created_at))
    if m.direction == "in":
        author = (m.author_identity.handle if m.author_identity else "") or "—"
    else:
        author = (m.author_agent.display_name if m.author_agent else "") or "Resonanz"
    text = linebreaksbr(truncated_chars(m.text, HISTORY_TEXT_CHARS), autoescape=True)
    return (
        f'<li class="message {_e(m.direction)} {_e(m.visibility)}"><span class="muted small">{_e(shown)} · '
        f'{_e(author)}</span> <div class="text">{text}</div></li>'
    )


@register.simple_tag
def history_messages(messages: Iterable[Any]) -> SafeString:
    """The messages of one conversation in a customer's history."""
    # Every value went through _e or linebreaksbr (escaped); the markup around them is constant.
    return mark_safe("".join(history_message(m) for m in messages))  # noqa: S308
