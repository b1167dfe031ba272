"""Bad input gets a defined result, never a crash."""

from __future__ import annotations

import pytest

from resonanz.understanding.access import annotations_for, labels_for
from resonanz.understanding.actions import do_ensure_default_topics
from resonanz.understanding.pipeline import annotate_messages
from tests.understanding.factories import make_message

pytestmark = pytest.mark.django_db(transaction=False)


def annotate(workspace, text: str) -> dict[str, str]:
    do_ensure_default_topics(workspace)
    message = make_message(workspace, text)
    annotate_messages([message.pk])
    return labels_for([message.pk])[message.pk]


def test_empty_text(workspace):
    assert annotate(workspace, "") == {
        "language": "other",
        "relevance": "false",
        "sentiment": "neutral",
        "topic": "other",
        "urgency": "normal",
        "sensitivity": "public",
    }


def test_hundred_thousand_characters(workspace):
    labels = annotate(workspace, "Kein Internet in Berlin. " + "bla " * 25_000)
    assert labels["language"] == "de"
    assert labels["region"] == "Berlin"
    assert labels["topic"] == "stoerung"


def test_emoji_only(workspace):
    assert annotate(workspace, "😡😡👎")["sentiment"] == "negative"
    assert annotate(workspace, "🙈🙉")["sentiment"] == "neutral"
    assert annotate(workspace, "🙈🙉")["language"] == "other"


def test_html(workspace):
    labels = annotate(workspace, "<p>Mein <b>Router</b> blinkt rot &amp; das WLAN ist weg</p>")
    assert labels["language"] == "de"
    assert labels["topic"] == "geraet"


def test_mixed_languages(workspace):
    labels = annotate(workspace, "Hallo, my internet is down seit heute morgen, bitte help!")
    assert labels["language"] in ("de", "en")
    assert labels["urgency"] == "high"


def test_language_not_configured(workspace):
    labels = annotate(workspace, "Bonjour, je n'ai plus d'internet depuis ce matin, merci")
    assert labels["language"] == "other"
    assert labels["sentiment"] == "neutral"


def test_unconfigured_language_with_a_one_language_workspace(workspace):
    workspace.languages = ["de"]
    workspace.save()
    assert annotate(workspace, "My router is broken and I want to cancel")["language"] == "other"


def test_low_confidence_sentiment_is_neutral(workspace):
    do_ensure_default_topics(workspace)
    message = make_message(workspace, "Hallo Welt")
    annotate_messages([message.pk])
    sentiment = annotations_for(message.pk)["sentiment"]
    assert sentiment.label == "neutral"
