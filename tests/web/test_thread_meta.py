"""The head of each message of the thread is built in Python (resonanz/web/templatetags/thread.py, decision
0854) and writes exactly the HTML of the template it replaced, kept here as the reference."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.middleware.csrf import get_token
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone, translation

from resonanz.channels.models import OutboundDelivery
from resonanz.conversations.models import Message
from resonanz.testing.factories import (
    AgentFactory,
    ConversationFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
)
from resonanz.understanding.models import Annotation
from resonanz.web.views.conversation_actions import conversation_context

pytestmark = pytest.mark.django_db

# The message loop of templates/web/conversation/_thread.html before decision 0854.
REFERENCE = (
    "{% load components i18n resonanz_web %}"
    + """{% for m in messages %}
  <li class="message {{ m.direction }} {{ m.visibility }}" data-message="{{ m.pk }}">
    <div class="meta">
      {% if m.direction == "in" %}{% if m.author_identity %}<strong>{{ m.author_identity.display_name|default:m.author_identity.handle }}</strong> <span class="muted">{{ m.author_identity.handle }}</span>{% else %}<strong>{% translate "unbekannt" %}</strong>{% endif %}{% if m.sender_unverified %} <span class="badge unverified" title="{% translate 'Der Mailserver konnte den Absender nicht bestätigen (SPF/DKIM/DMARC): die Adresse kann gefälscht sein.' %}">{% translate "Absender nicht bestätigt" %}</span>{% endif %}{% if m.extra.participant %} <span class="badge participant" title="{% translate 'Nicht der Kunde dieses Gesprächs: erhält keine Antworten.' %}">{% translate "weitere Person" %}</span>{% endif %}
      {% else %}<span class="avatar small">{{ m.author_agent.initials|default:"R" }}</span> <strong>{{ m.author_agent.display_name|default:"Resonanz" }}</strong>{% endif %}
      · <time datetime="{{ m.created_at|date:'c' }}">{{ m.created_at|date:"d.m.Y H:i" }}</time>
      {% if m.visibility == "public" %}{% badge _("öffentlich") "public" %}{% elif m.visibility == "private" %}{% badge _("privat") "private" %}{% else %}{% badge _("interne Notiz") "note" %}{% endif %}
      {% if m.direction == "in" and m.visibility == "public" %}<form class="relevance" method="post" action="{% url 'web:mark_relevance' conversation.pk m.pk %}">{% csrf_token %}{% if m.labels.relevance == "false" %}<span class="label noise">{% translate "Rauschen" %}</span> <button type="submit" name="relevant" value="true" class="link small">{% translate "Ist relevant" %}</button>{% else %}<button type="submit" name="relevant" value="false" class="link small">{% translate "Als Rauschen markieren" %}</button>{% endif %}</form>{% endif %}
      {% if m.direction == "out" and m.delivery %}{% include "web/conversation/_delivery.html" %}{% endif %}
    </div>
    <div class="text">{{ m.text|linebreaksbr }}</div>
    {% include "web/conversation/_annotations.html" %}
    {% if m.direction == "out" and m.delivery.status == "failed" and m.delivery.last_error %}<div class="error small">{{ m.delivery.last_error }}</div>{% endif %}
    {% if m.attachments.all %}<ul class="attachments">{% for a in m.attachments.all %}<li>📎 {{ a.filename }} <span class="muted">({{ a.size|filesizeformat }})</span></li>{% endfor %}</ul>{% endif %}
  </li>
{% endfor %}
"""
)
THREAD = Path(__file__).parents[2] / "resonanz/web/templates/web/conversation/_thread.html"


def current_loop() -> str:
    source = THREAD.read_text()
    head = source.split("\n", 1)[0]
    return head + re.search(r"{% for m in messages %}.*?\n{% endfor %}\n", source, re.S).group(0)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_thread_is_the_reference_templates_html(agent, workspace, fake_account, language):
    now = timezone.now()
    customer = CustomerFactory(workspace=workspace, display_name="Jürgen <b>Weiß</b>")
    named = IdentityFactory(customer=customer, display_name='A "B" & C', handle="@a<b>")
    handle_only = IdentityFactory(customer=customer, display_name="", handle="nur&handle")
    conversation = ConversationFactory(workspace=workspace, channel_account=fake_account, customer=customer)
    nameless = AgentFactory(workspace=workspace, display_name="", initials="")

    def message(minutes: int, **fields):
        return MessageFactory(
            conversation=conversation, created_at=now - dt.timedelta(minutes=minutes), **fields
        )

    message(90, author_identity=named, visibility=Message.Visibility.PUBLIC)
    noise = message(80, author_identity=handle_only, visibility=Message.Visibility.PUBLIC)
    Annotation.objects.create(message=noise, annotator="relevance", version="1", label="false")
    Annotation.objects.create(message=noise, annotator="sentiment", version="1", label="negative")
    message(
        70,
        author_identity=None,
        visibility=Message.Visibility.PRIVATE,
        extra={"participant": True, "email": {"authentication": {"verified": False}}},
    )
    message(65, author_identity=named, visibility=Message.Visibility.PRIVATE, extra=["not", "a", "dict"])
    for minutes, author, status, error in [
        (60, agent, "sent", ""),
        (50, nameless, "failed", "Timeout <500>"),
        (40, None, "pending", ""),
        (30, agent, "", ""),
    ]:
        reply = message(
            minutes,
            direction=Message.Direction.OUTBOUND,
            author_agent=author,
            visibility=Message.Visibility.PUBLIC if minutes > 45 else Message.Visibility.PRIVATE,
            external_id="",
        )
        if status:
            OutboundDelivery.objects.create(
                channel_account=fake_account,
                message=reply,
                status=status,
                last_error=error,
                idempotency_key=f"k-{reply.pk}",
            )
    message(20, direction=Message.Direction.OUTBOUND, author_agent=agent, visibility=Message.Visibility.NOTE)
    request = RequestFactory().get(f"/conversations/{conversation.pk}/")
    request.user = agent.user
    get_token(request)
    with translation.override(language):
        context = conversation_context(agent, conversation)
        assert len(context["messages"]) == 9
        expected = engines["django"].from_string(REFERENCE).render(context, request)
        built = engines["django"].from_string(current_loop()).render(context, request)
    assert "csrfmiddlewaretoken" in built

    def one_token(html: str) -> str:  # each render masks the token anew
        return re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="T"', html
        )

    assert one_token(built) == one_token(expected)
