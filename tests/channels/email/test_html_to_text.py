"""HTML-only mails and feed entries flattened to text: reading order, paragraphs, list items, table cells and
link texts as a reader sees them (captured shapes of a German newsletter, Outlook and Gmail replies)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resonanz.channels.email.html import html_to_text
from resonanz.channels.email.payloads import strip_quoted

FIXTURES = Path(__file__).resolve().parents[3] / "resonanz" / "channels" / "email" / "fixtures" / "html"


def fixture(name: str) -> str:
    return html_to_text((FIXTURES / name).read_text(encoding="utf-8"))


def in_order(text: str, *pieces: str) -> bool:
    positions = [text.find(piece) for piece in pieces]
    return -1 not in positions and positions == sorted(positions)


@pytest.mark.parametrize(
    "example", json.loads((FIXTURES / "issue_examples.json").read_text(encoding="utf-8")), ids=["table", "h2"]
)
def test_the_examples_from_the_issue(example):
    assert html_to_text(example["html"]) == example["text"]


def test_a_table_stays_where_it_stands_with_its_cells_in_one_row():
    text = fixture("newsletter_de.html")
    assert in_order(text, "So bereiten Sie sich vor:", "\nOrt ", "\nKöln ", "\nBonn ", "Freundliche Grüße")
    assert re.search(r"^Ort +Datum +Uhrzeit$", text, re.MULTILINE)
    assert re.search(r"^Köln +15\.12\. +2:00–5:00$", text, re.MULTILINE)
    assert re.search(r"^Bonn +15\.12\. +3:00–4:00$", text, re.MULTILINE)


def test_a_newsletter_laid_out_in_tables_reads_top_to_bottom_column_after_column():
    text = fixture("newsletter_de.html")
    assert in_order(
        text,
        "Ihre Kundeninfo im Dezember",
        "Hallo Frau Schröder,",
        "Neu: Glasfaser 1000",
        "1 Gbit/s im Download für 49,99 € im Monat.",
        "Jetzt wechseln",
        "Ihr Router",
        "Das Update 7.58 kommt automatisch.",
        "Mehr erfahren",
        "Newsletter abbestellen | Impressum",
    )
    # One column's paragraph never shares a line with the other's.
    assert "\nNeu: Glasfaser 1000\n" in text
    assert "\nIhr Router\n" in text


def test_hidden_preheader_styles_title_and_tracking_pixel_are_dropped():
    text = fixture("newsletter_de.html")
    assert "Wartungsfenster" not in text  # display:none preheader
    assert "@media" not in text and "Kundeninfo Dezember" not in text  # <style>, <title>
    assert "track.netzwelt.de" not in text


def test_paragraphs_and_headings_are_separated_by_a_blank_line():
    text = fixture("newsletter_de.html")
    assert "Hallo Frau Schröder,\n\nin der Nacht vom 14. auf den 15. Dezember" in text
    assert "Freundliche Grüße\nIhr Netzwelt-Team" in text  # <br> is a line break, not a paragraph


def test_list_items_are_lines_of_their_own_with_markers():
    text = fixture("links_and_lists_en.html")
    assert (
        "1. Unplugged the router for 30 seconds\n"
        "2. Checked the cable (see photo)\n"
        "3. Called the hotline – no answer"
    ) in text
    assert "* Model: FRITZ!Box 7590\n* Firmware: 7.57" in text


def test_links_are_kept_as_their_text_in_place_and_scripts_dropped():
    text = fixture("links_and_lists_en.html")
    assert "I followed the steps from your help page but the modem still blinks red." in text
    assert "netzwelt.de/help" not in text and "[" not in text and "](" not in text
    assert text.endswith("Thanks,\nPeter\nhttps://example.org")
    assert "alert" not in text


def test_outlook_reply_keeps_its_header_block_so_the_quote_is_stripped():
    text = fixture("outlook_reply_de.html")
    assert (
        "Von: Netzwelt Kundenservice <service@netzwelt.de>\n"
        "Gesendet: Montag, 30. November 2026 09:12\n"
        "An: Jan Müller <jan.mueller@example.org>\n"
        "Betreff: AW: Störung Internet [#4711]"
    ) in text
    assert "@font-face" not in text and "shapedefaults" not in text
    assert strip_quoted(text) == (
        "Hallo zusammen,\n\nleider ist das Problem nicht behoben. Seit gestern Abend fällt das Internet alle "
        "10 Minuten aus.\n\nKundennummer: 4711-0815\n\nMit freundlichen Grüßen\n\nJan Müller"
    )


def test_gmail_reply_keeps_the_attribution_line_so_the_quote_is_stripped():
    text = fixture("gmail_reply_de.html")
    assert in_order(text, "Gruß\nAnna", "Am Mo., 30. Nov. 2026 um 10:15 Uhr schrieb", "Hallo Frau Schmidt,")
    assert strip_quoted(text) == (
        "Hallo,\n\ndanke für die schnelle Antwort! Der Techniker war da, jetzt geht es wieder.\n"
        "Eine Frage noch: bekomme ich für die drei Tage eine Gutschrift?\n\nGruß\nAnna"
    )


def test_nesting_deeper_than_the_parser_goes_keeps_the_words():
    assert html_to_text("<div>" * 5000 + "tief" + "</div>" * 5000) == "tief"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_input_gives_text_and_never_raises(markup):
    text = html_to_text(markup)
    assert "\x00" not in text
    assert text == text.strip()
