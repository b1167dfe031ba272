"""Storing annotation rows: the same rows on both databases, whatever the values (PostgreSQL takes them as
one JSON document, decision 0882, and falls back to arrays for what JSON cannot carry)."""

from __future__ import annotations

import math

import pytest

from resonanz.testing.factories import MessageFactory
from resonanz.understanding.actions import do_store_annotations
from resonanz.understanding.engine import Result
from resonanz.understanding.models import Annotation

pytestmark = pytest.mark.django_db


def _stored(message):
    return {
        a.annotator: (a.label, a.score, a.data)
        for a in Annotation.objects.filter(message=message).order_by("annotator")
    }


def test_rows_arrive_as_they_were_given_and_a_second_run_updates_them(workspace):
    message = MessageFactory(workspace=workspace)
    hostile = 'Ärger "mit" \\ dem\nZug \u2603 \'; DROP TABLE x; --'
    results = {
        message.pk: [
            Result("sentiment", "lexicon-2", "negative", -0.75, {"words": [hostile], "n": 2}),
            Result("topic", "t-1", "verspaetung", None, {}),
        ]
    }
    assert do_store_annotations(results, {message.pk: "de"}) == 2
    assert _stored(message) == {
        "sentiment": ("negative", -0.75, {"words": [hostile], "n": 2}),
        "topic": ("verspaetung", None, {}),
    }
    results[message.pk][0] = Result("sentiment", "lexicon-2", "neutral", 0.0, {})
    do_store_annotations(results, {message.pk: "de"})
    assert _stored(message)["sentiment"] == ("neutral", 0.0, {})
    message.refresh_from_db()
    assert message.language == "de"


def test_a_score_json_cannot_carry_is_stored_too(workspace):
    message = MessageFactory(workspace=workspace)
    do_store_annotations({message.pk: [Result("relevance", "r-1", "relevant", math.inf, {})]}, {})
    assert _stored(message)["relevance"][1] == math.inf
