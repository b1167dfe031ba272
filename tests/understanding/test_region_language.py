"""Region and language without the database: exact results for the cases that matter."""

from __future__ import annotations

import pytest

from resonanz.understanding.language import LanguageDetector
from resonanz.understanding.region import Region, region_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Seit heute kein Internet in 50667 Köln",
            Region("Nordrhein-Westfalen", "Köln", "50667", "postal_code"),
        ),
        ("PLZ 80331, alles tot", Region("Bayern", "München", "80331", "postal_code")),
        ("kein Netz in Leipzig seit gestern", Region("Sachsen", "Leipzig", "", "place_name")),
        ("Störung in Essen", Region("Nordrhein-Westfalen", "Essen", "", "place_name")),
        ("Frankfurt am Main: alles down", Region("Hessen", "Frankfurt am Main", "", "place_name")),
        ("Halle (Saale) ohne Strom", Region("Sachsen-Anhalt", "Halle (Saale)", "", "place_name")),
        ("Wir in Bayern haben kein Netz", Region("Bayern", "", "", "state_name")),
        # A bare postal code after a place preposition (the demo's outage split in two without it).
        (
            "Auch bei uns in 50733 kein Internet",
            Region("Nordrhein-Westfalen", "Köln", "50733", "postal_code"),
        ),
        (
            "Internet weg in 51105. Wie lange noch?",
            Region("Nordrhein-Westfalen", "Köln", "51105", "postal_code"),
        ),
        # A district written after its big city names the city; a state's double name stays a state.
        (
            "bei uns in Köln-Kalk (51105) ist alles tot",
            Region("Nordrhein-Westfalen", "Köln", "", "place_name"),
        ),
        ("Hallo aus Berlin-Mitte", Region("Berlin", "Berlin", "", "place_name")),
        ("in Köln-Porz (50667) geht nichts", Region("Nordrhein-Westfalen", "Köln", "", "place_name")),
        ("Schleswig-Holstein hat kein Netz", Region("Schleswig-Holstein", "", "", "state_name")),
    ],
)
def test_region_from_text(text, expected):
    assert region_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Essen war lecker",
        "Bestellung 12345 fehlt",
        "Rechnung über 50000 Euro",
        "Kundennummer: 50733 bitte prüfen",
        "",
        "🙈",
    ],
)
def test_no_region(text):
    assert region_of(text) is None


def test_profile_postal_code_wins_over_the_text():
    assert region_of("Ich bin gerade in Berlin", postal_code="01067") == Region(
        "Sachsen", "Dresden", "01067", "profile"
    )


@pytest.mark.parametrize(
    ("text", "label", "method"),
    [
        ("Mein Router ist seit heute kaputt und ich habe kein Internet", "de", "function_words"),
        ("My router is broken and I have no internet since this morning", "en", "function_words"),
        ("Je n'ai plus d'internet depuis ce matin, merci", "other", "function_words"),
        ("Интернет не работает", "other", "script"),
        ("", "other", "empty"),
        ("👍👍", "other", "empty"),
        ("12345 !!!", "other", "empty"),
    ],
)
def test_language(text, label, method):
    result = LanguageDetector(["de", "en"]).detect(text)
    assert (result.label, result.method) == (label, method)


def test_lingua_decides_short_texts_without_function_words():
    result = LanguageDetector(["de", "en"]).detect("Routerproblem, Störung gemeldet")
    assert (result.label, result.method) == ("de", "lingua")
