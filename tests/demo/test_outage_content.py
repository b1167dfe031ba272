"""The demo's Köln outage is one incident only if its reports say where they come from: every outage
template that gives a postal code resolves to Köln, with every Köln postal code (CI of 2026-12-07: reports
with only a postal code, "auch bei uns in 50733 kein Internet", had no region, clustered apart from the
others and opened a second incident at some clocks)."""

from __future__ import annotations

import pytest

from resonanz.demo import content as c
from resonanz.understanding.region import region_of

TEMPLATES = [t for t in c.OUTAGE_TWEETS + c.OUTAGE_POSTS + c.OUTAGE_APP + c.OUTAGE_PHONE if "{plz}" in t]


class _Slots(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return {"mins": "20", "handle": c.SUPPORT_HANDLE, "customer_word": "Kundin"}.get(key, "Anna")


def test_the_outage_has_reports_with_only_a_postal_code():
    assert any("Köln" not in t and "{district}" not in t for t in TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_outage_report_with_a_postal_code_is_from_koeln(template):
    plzs, districts, _phone, _land = c.CITIES[c.OUTAGE_CITY]
    for plz in plzs:
        for district in districts:
            text = template.format_map(_Slots(plz=plz, district=district))
            region = region_of(text)
            assert region is not None and region.city == "Köln", text
