"""The inbox rows are built in Python (resonanz/web/templatetags/inbox.py, decision 0853) and write exactly
the HTML of the row template they replaced, kept here as the reference."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.template import engines
from django.template.loader import get_template
from django.utils import timezone, translation

from resonanz.conversations.models import Message
from resonanz.testing.factories import AgentFactory, ConversationFactory, CustomerFactory, MessageFactory
from resonanz.understanding.models import Annotation
from resonanz.web.queries import InboxFilter, inbox_page
from resonanz.workspaces.actions import do_ensure_team

pytestmark = pytest.mark.django_db

# templates/web/inbox/_rows.html before decision 0853.
REFERENCE = """{% load components i18n resonanz_web workspace %}{# The inbox rows: the first page and the live updates (rows newer than the newest shown). #}
{% for c in rows %}
<tr class="prio-{{ c.priority }} status-row-{{ c.status }}" data-conversation="{{ c.pk }}">
  {% if can_bulk %}<td class="col-select"><input type="checkbox" name="id" value="{{ c.pk }}" form="bulk-form" data-select-row aria-label="{% translate 'Auswählen' %}"></td>{% endif %}
  <td class="col-prio"><span class="prio prio-{{ c.priority }}" title="{% translate 'Priorität' %}: {% translate c.get_priority_display %}"></span></td>
  <td class="customer-cell">
    <strong>{{ c.customer.display_name }}</strong>{% if c.customer.is_vip %} {% badge "VIP" "vip" %}{% endif %}
    {% if c.customer.city %}<div class="muted small">{{ c.customer.city }}</div>{% endif %}
  </td>
  <td class="subject-cell">
    <a href="{% url 'web:conversation' c.pk %}" class="subject">{{ c.subject|default:"—" }}</a>
    {% if c.last_text and c.last_text != c.subject %}<div class="preview muted">{{ c.last_text|truncatechars:110 }}</div>{% endif %}
    <div class="labels">
      {% if c.sentiment_label %}<span class="label sentiment-{{ c.sentiment_label }}">{{ c.sentiment_label|sentiment_label }}</span>{% endif %}
      {% if c.topic_label %}<span class="label topic">{% firstof topic_names|get_item:c.topic_label c.topic_label %}</span>{% endif %}
      {% if c.team %}<span class="label team">{{ c.team.name }}</span>{% endif %}
      {% if c.message_count > 1 %}<span class="label count" title="{% translate 'Nachrichten' %}">{{ c.message_count }}</span>{% endif %}
    </div>
  </td>
  <td><span class="kind kind-{{ c.channel_account|channel_kind }}">{{ c.channel_account|channel_kind|kind_label }}</span>{% if c.is_public %} {% badge _("öffentlich") "public" %}{% endif %}</td>
  <td>{% status c.status c.get_status_display %}</td>
  <td>{% if c.owner %}{% avatar c.owner.initials c.owner.display_name "small" %} {{ c.owner.display_name }}{% else %}<span class="muted">—</span>{% endif %}</td>
  <td class="when"><time datetime="{{ c.last_message_at|date:'c' }}" title="{{ c.last_message_at|date:'d.m.Y H:i' }}">{{ c.last_message_at|since }}</time></td>
</tr>
{% empty %}{% if not only_new %}
<tr data-empty-row><td colspan="{% if can_bulk %}8{% else %}7{% endif %}" class="empty muted">{% translate "Keine Gespräche." %}</td></tr>{% endif %}
{% endfor %}
"""


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("can_bulk", [True, False])
def test_the_rows_are_the_reference_templates_html(agent, workspace, fake_account, can_bulk, language):
    now = timezone.now()
    team = do_ensure_team(workspace, "Technik <Süd>")
    vip = make(
        CustomerFactory, workspace=workspace, display_name="Jürgen <b>Weiß</b>", is_vip=True, city="Köln"
    )
    nameless = make(AgentFactory, workspace=workspace, display_name="", initials="X&Y")
    rows = [
        make(
            ConversationFactory,
            channel_account=fake_account,
            customer=vip,
            subject='"Rechnung" & Co',
            status="open",
            priority=3,
            is_public=True,
            owner=agent,
            team=team,
            message_count=4,
            last_message_at=now - dt.timedelta(minutes=1),
        ),
        make(
            ConversationFactory,
            channel_account=fake_account,
            subject="",
            status="pending",
            priority=0,
            is_public=False,
            owner=nameless,
            message_count=1,
            last_message_at=now - dt.timedelta(hours=5),
        ),
        make(
            ConversationFactory,
            channel_account=fake_account,
            subject="Gleich",
            status="new",
            last_message_at=now - dt.timedelta(days=3),
        ),
    ]
    make(MessageFactory, conversation=rows[0], text="Lang <i>und</i> " + "sehr " * 40)
    note = make(MessageFactory, conversation=rows[2], text="Gleich")
    Annotation.objects.create(message=note, annotator="sentiment", version="1", label="negative")
    Annotation.objects.create(message=note, annotator="topic", version="1", label="billing<x>")
    make(MessageFactory, conversation=rows[1], text="Cafe\u0301 <ok>", visibility=Message.Visibility.PUBLIC)
    make(MessageFactory, conversation=rows[1], text="intern", visibility=Message.Visibility.NOTE)
    with translation.override(language):
        page = inbox_page(agent, InboxFilter(status="all"), "1", 50)
        context = {"rows": page, "can_bulk": can_bulk, "topic_names": {"billing<x>": "Rechnung <&>"}}
        expected = engines["django"].from_string(REFERENCE).render(context)
        built = get_template("web/inbox/_rows.html").render(context)
    assert len(page) == 3
    assert built.strip() == expected.strip()


def test_no_rows_say_so_except_in_the_live_updates(agent, fake_account):
    page = inbox_page(agent, InboxFilter(status="all"), "1", 50)
    rows = get_template("web/inbox/_rows.html")
    assert "Keine Gespräche." in rows.render({"rows": page, "can_bulk": True})
    assert rows.render({"rows": [], "only_new": True}).strip() == ""


@pytest.mark.parametrize(
    "text",
    [
        "",
        "kurz",
        "a" * 110,
        "a" * 111,
        "e\u0301" * 110,  # 220 code points, 110 characters once composed
        "q\u0301" * 60,  # no composed form: 60 characters as Truncator counts them, 120 code points
        "Lang <i>und</i> " + "sehr " * 40,
    ],
)
def test_the_preview_is_truncatechars(text):
    from django.template.defaultfilters import truncatechars

    from resonanz.web.templatetags.inbox import _preview

    assert _preview(text) == truncatechars(text, 110)
