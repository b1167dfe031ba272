"""Region: where in Germany a message comes from, resolved to city and federal state, offline.

Sources, best first: the customer's postal code in their profile; a postal code in the text ("50667
Köln"); a place name in the text ("kein Netz in Leipzig"); a federal state named in the text. Place
names come from data/places_de.json (GeoNames, CC BY 4.0, built by gazetteer_build.py); postal codes map
to their Leitregion (the first two digits) and its main city and state. Two digits are a region, not an
address: a few Leitregionen cross a state border, and the state given is the one most of it lies in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

STATES = {
    "01": "Baden-Württemberg",
    "02": "Bayern",
    "03": "Bremen",
    "04": "Hamburg",
    "05": "Hessen",
    "06": "Niedersachsen",
    "07": "Nordrhein-Westfalen",
    "08": "Rheinland-Pfalz",
    "09": "Saarland",
    "10": "Schleswig-Holstein",
    "11": "Brandenburg",
    "12": "Mecklenburg-Vorpommern",
    "13": "Sachsen",
    "14": "Sachsen-Anhalt",
    "15": "Thüringen",
    "16": "Berlin",
}
BW, BY, HB, HH, HE, NI, NW, RP, SL, SH, BB, MV, SN, ST, TH, BE = STATES.values()

# Leitregion (first two digits of a postal code) → (main city, federal state).
POSTAL_REGIONS: dict[str, tuple[str, str]] = {
    "01": ("Dresden", SN), "02": ("Bautzen", SN), "03": ("Cottbus", BB), "04": ("Leipzig", SN),
    "06": ("Halle (Saale)", ST), "07": ("Gera", TH), "08": ("Zwickau", SN), "09": ("Chemnitz", SN),
    "10": ("Berlin", BE), "12": ("Berlin", BE), "13": ("Berlin", BE), "14": ("Potsdam", BB),
    "15": ("Frankfurt (Oder)", BB), "16": ("Oranienburg", BB), "17": ("Neubrandenburg", MV),
    "18": ("Rostock", MV), "19": ("Schwerin", MV), "20": ("Hamburg", HH), "21": ("Hamburg", HH),
    "22": ("Hamburg", HH), "23": ("Lübeck", SH), "24": ("Kiel", SH), "25": ("Elmshorn", SH),
    "26": ("Oldenburg", NI), "27": ("Bremerhaven", HB), "28": ("Bremen", HB), "29": ("Celle", NI),
    "30": ("Hannover", NI), "31": ("Hildesheim", NI), "32": ("Herford", NW), "33": ("Bielefeld", NW),
    "34": ("Kassel", HE), "35": ("Gießen", HE), "36": ("Fulda", HE), "37": ("Göttingen", NI),
    "38": ("Braunschweig", NI), "39": ("Magdeburg", ST), "40": ("Düsseldorf", NW),
    "41": ("Mönchengladbach", NW), "42": ("Wuppertal", NW), "44": ("Dortmund", NW), "45": ("Essen", NW),
    "46": ("Oberhausen", NW), "47": ("Duisburg", NW), "48": ("Münster", NW), "49": ("Osnabrück", NI),
    "50": ("Köln", NW), "51": ("Köln", NW), "52": ("Aachen", NW), "53": ("Bonn", NW), "54": ("Trier", RP),
    "55": ("Mainz", RP), "56": ("Koblenz", RP), "57": ("Siegen", NW), "58": ("Hagen", NW),
    "59": ("Hamm", NW), "60": ("Frankfurt am Main", HE), "61": ("Bad Homburg vor der Höhe", HE),
    "63": ("Offenbach am Main", HE), "64": ("Darmstadt", HE), "65": ("Wiesbaden", HE),
    "66": ("Saarbrücken", SL), "67": ("Ludwigshafen am Rhein", RP), "68": ("Mannheim", BW),
    "69": ("Heidelberg", BW), "70": ("Stuttgart", BW), "71": ("Böblingen", BW), "72": ("Tübingen", BW),
    "73": ("Esslingen am Neckar", BW), "74": ("Heilbronn", BW), "75": ("Pforzheim", BW),
    "76": ("Karlsruhe", BW), "77": ("Offenburg", BW), "78": ("Konstanz", BW), "79": ("Freiburg im Breisgau", BW),
    "80": ("München", BY), "81": ("München", BY), "82": ("Starnberg", BY), "83": ("Rosenheim", BY),
    "84": ("Landshut", BY), "85": ("Ingolstadt", BY), "86": ("Augsburg", BY), "87": ("Kempten (Allgäu)", BY),
    "88": ("Ravensburg", BW), "89": ("Ulm", BW), "90": ("Nürnberg", BY), "91": ("Erlangen", BY),
    "92": ("Amberg", BY), "93": ("Regensburg", BY), "94": ("Passau", BY), "95": ("Hof", BY),
    "96": ("Bamberg", BY), "97": ("Würzburg", BY), "98": ("Suhl", TH), "99": ("Erfurt", TH),
}  # fmt: skip

# Big-city names that are also everyday words count only after a preposition ("in Essen").
_COMMON_WORDS = frozenset(
    [
        "Essen",
        "Halle",
        "Hof",
        "Weil",
        "Lage",
        "Bad",
        "Brand",
        "Horn",
        "Mark",
        "Wald",
        "Kirchen",
        "Senden",
        "Laufen",
        "Roth",
        "Rain",
        "Weiden",
        "Werne",
        "Hamm",
        "Marl",
        "Selb",
        "Zell",
        "Au",
        "Baden",
        "Bergen",
        "Hausen",
        "Land",
        "Linden",
        "Bruck",
        "Berg",
        "Stein",
        "Burg",
        "Borken",
        "Kaiser",
        "Bitte",
        "Danke",
        "Hallo",
        "Frieden",
        "Neustadt",
        "Tal",
        "Damme",
        "Erde",
        "Vorsfelde",
        "Wesel",
        "Wetter",
        "Ahlen",
    ]
)
_PREPOSITIONS = frozenset(
    ["in", "im", "aus", "bei", "nach", "um", "von", "raum", "region", "nahe", "near", "from", "around"]
)
# Before a bare postal code: "um"/"von"/"nach" are left out, they come before amounts ("um 20000 Stück").
_POSTAL_PREPOSITIONS = frozenset(["in", "aus", "bei", "raum", "region", "plz", "postleitzahl"])
_POSTAL = re.compile(
    r"(?<![\d.,/-])(?:PLZ:?\s*|D-)?(\d{5})(?!\d|[.,/]\d|\s*(?:€|eur|euro|kb|mb|gb|km))", re.I
)
# Every postal code match has five digits in a row: a quick test first (most messages have none).
_FIVE_DIGITS = re.compile(r"\d\d\d\d\d")
_TOKEN = re.compile(r"[^\W\d_][\w\-.]*(?:\s*\([^)]{1,20}\))?", re.UNICODE)
_STATE_NAMES = {name.lower(): name for name in STATES.values()} | {
    "bavaria": BY, "nrw": NW, "north rhine-westphalia": NW, "saxony": SN, "thuringia": TH,
    "lower saxony": NI, "hesse": HE, "rhineland-palatinate": RP, "saxony-anhalt": ST,
}  # fmt: skip
_STATE_PATTERN = re.compile(
    r"(?<!\w)("
    + "|".join(re.escape(name) for name in sorted(_STATE_NAMES, key=len, reverse=True))
    + r")(?!\w)"
)
MAX_CHARS = 5000


@dataclass(frozen=True)
class Region:
    state: str
    city: str
    postal_code: str
    source: str  # "profile", "postal_code", "place_name", "state_name"


@lru_cache(maxsize=1)
def places() -> dict[str, tuple[str, int, str]]:
    raw = json.loads((Path(__file__).resolve().parent / "data" / "places_de.json").read_text())
    return {
        name: (STATES[state], population, city) for name, (state, population, city) in raw["places"].items()
    }


def from_postal_code(code: str, city_hint: str = "") -> Region | None:
    code = code.strip()
    if not (len(code) == 5 and code.isdigit()):
        return None
    known = POSTAL_REGIONS.get(code[:2])
    if known is None:
        return None
    city, state = known
    place = places().get(city_hint.strip()) if city_hint else None
    if place is not None and place[0] == state:
        city = place[2]
    return Region(state=state, city=city, postal_code=code, source="postal_code")


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    """The first word of every place name: a token that is none (stripped or not) starts no name."""
    return frozenset(name.split(" ")[0] for name in places())


def _place_names(text: str) -> Region | None:
    tokens = _TOKEN.findall(text)
    gazetteer = places()
    first_words = _first_words()
    best: tuple[int, Region] | None = None
    for i, token in enumerate(tokens):
        if not token[:1].isupper():
            continue
        head = token.split(" ")[0]
        district = _district_of(head, gazetteer)
        if district is not None:  # "Köln-Porz" is Köln (the gazetteer also knows Porz am Rhein)
            if best is None or district[0] > best[0]:
                best = district
            continue
        if head not in first_words and head.rstrip(".,-") not in first_words:
            continue
        previous = tokens[i - 1].lower() if i else ""
        for length in (3, 2, 1):
            if i + length > len(tokens):
                continue
            name = " ".join(tokens[i : i + length]).rstrip(".,-")
            found = gazetteer.get(name)
            if found is None and length == 1 and " (" in name:
                name = name.split(" (")[0]  # "Köln-Porz (50667)": the place before a note in parentheses
                found = gazetteer.get(name)
            if found is None:
                continue
            state, population, city = found
            if (
                length == 1
                and (name in _COMMON_WORDS or population < 20_000)
                and previous not in _PREPOSITIONS
            ):
                continue
            if best is None or population > best[0]:
                best = (population, Region(state=state, city=city, postal_code="", source="place_name"))
            break
    return best[1] if best else None


def _district_of(token: str, gazetteer: dict[str, tuple[str, int, str]]) -> tuple[int, Region] | None:
    """ "Köln-Kalk", "Berlin-Mitte": a district written after its city names the city. Big cities only:
    "Schleswig-Holstein" is a state, not the town of Schleswig."""
    city, dash, district = token.rstrip(".,-").partition("-")
    found = gazetteer.get(city) if dash and district[:1].isupper() else None
    if found is None or found[1] < 100_000:
        return None
    state, population, name = found
    return population, Region(state=state, city=name, postal_code="", source="place_name")


def _after_place_word(text: str, at: int) -> bool:
    """ "in 50733 kein Internet", "aus 51105": five digits after a place preposition are a postal code even
    without a city after them."""
    before = text[max(0, at - 12) : at].split()
    return bool(before) and before[-1].lower() in _POSTAL_PREPOSITIONS


def region_of(text: str, *, postal_code: str = "", city: str = "") -> Region | None:
    if postal_code:
        found = from_postal_code(postal_code, city)
        if found is not None:
            return Region(found.state, found.city, found.postal_code, "profile")
    text = text[:MAX_CHARS]
    for match in _POSTAL.finditer(text) if _FIVE_DIGITS.search(text) else ():
        after = text[match.end() : match.end() + 40].split()
        hint = after[0].rstrip(".,;:!?") if after else ""
        found = from_postal_code(match.group(1), hint)
        if found is not None and (
            hint[:1].isupper() or match.group(0)[:1] in "PD" or _after_place_word(text, match.start())
        ):
            return found
    found = _place_names(text)
    if found is not None:
        return found
    state_match = _STATE_PATTERN.search(text.lower())
    if state_match:
        return Region(state=_STATE_NAMES[state_match.group(1)], city="", postal_code="", source="state_name")
    return None
