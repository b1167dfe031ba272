"""Every timeline entry reads in words in the UI: the kinds routing writes had no label and showed as
"routing updated" in the German timeline (2026-12-07)."""

from __future__ import annotations

import pytest
from django.utils import translation

from resonanz.conversations.models import TimelineEntry
from resonanz.web.templatetags.resonanz_web import timeline_label


@pytest.mark.parametrize("kind", ["assigned", "transferred", "queued", "routing_updated"])
def test_the_kinds_routing_writes_have_a_german_and_an_english_label(kind):
    assert kind in TimelineEntry.Kind.values
    with translation.override("de"):
        german = timeline_label(kind)
    with translation.override("en"):
        english = timeline_label(kind)
    assert german != kind.replace("_", " ") and english != german
