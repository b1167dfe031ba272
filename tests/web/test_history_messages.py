"""The messages of a customer's history are built in Python (resonanz/web/templatetags/history.py) and
write exactly the HTML of the template loop they replaced, kept here as the reference."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.template import engines
from django.utils import timezone, translation

from resonanz.conversations.access import customer_history
from resonanz.conversations.models import Message
from resonanz.testing.factories import (
    ConversationFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
)

pytestmark = pytest.mark.django_db

# The message loop of templates/web/customers/detail.html before the tag.
REFERENCE = (
    "{% for m in item.messages %}"
    '<li class="message {{ m.direction }} {{ m.visibility }}"><span class="muted small">'
    '{{ m.created_at|date:"d.m.Y H:i" }} · {% if m.direction == "in" %}'
    '{{ m.author_identity.handle|default:"—" }}{% else %}{{ m.author_agent.display_name|default:"Resonanz" }}'
    '{% endif %}</span> <div class="text">{{ m.text|truncatechars:400|linebreaksbr }}</div></li>{% endfor %}'
)
BUILT = "{% load history %}{% history_messages item.messages %}"


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_history_is_the_reference_templates_html(agent, workspace, fake_account, language):
    customer = make(CustomerFactory, workspace=workspace)
    handle = make(IdentityFactory, customer=customer, handle="@anna<b>")
    conversation = make(ConversationFactory, channel_account=fake_account, customer=customer)
    start = timezone.now() - dt.timedelta(days=40)
    texts = [
        ("in", handle, None, 'Router <blinkt> & "rot"\nzweite Zeile\r\ndritte'),
        ("in", None, None, "ohne Absender"),
        ("out", None, agent, "Antwort " + "sehr lang " * 60),
        ("out", None, None, "e\u0301" * 401),
        ("out", None, None, "q\u0301" * 220),
        ("in", handle, None, ""),
    ]
    for i, (direction, identity, author, text) in enumerate(texts):
        make(
            MessageFactory,
            conversation=conversation,
            direction=direction,
            author_identity=identity,
            author_agent=author,
            text=text,
            visibility=Message.Visibility.NOTE if i == 2 else Message.Visibility.PUBLIC,
            created_at=start + dt.timedelta(days=i * 9, minutes=i * 7),
        )
    history = customer_history(agent, customer.pk)
    item = history.conversations[0]
    assert len(item.messages) == len(texts)
    engine = engines["django"]
    with translation.override(language), timezone.override("Europe/Berlin"):
        expected = engine.from_string(REFERENCE).render({"item": item})
        built = engine.from_string(BUILT).render({"item": item})
    assert built == expected
