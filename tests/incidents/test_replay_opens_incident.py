"""The shipped replay of the Köln outage, run with `resonanz replay`, opens an incident through the real
ingest and after-ingest steps."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from resonanz.incidents.models import Incident

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_cologne_outage_replay_opens_one_incident_in_koeln(workspace) -> None:
    from resonanz.demo.loader import ensure_channel_accounts

    ensure_channel_accounts(workspace)
    sample = Path(__file__).resolve().parents[2] / "resonanz" / "demo" / "data" / "koeln-stoerung.jsonl"
    call_command("replay", str(sample), "--speed", "0", verbosity=0, stdout=StringIO())
    incident = Incident.objects.get()
    assert incident.status == Incident.Status.SUGGESTED
    assert incident.regions() == ["Köln"]
    assert incident.customer_count >= 20
