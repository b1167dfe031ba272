"""The quick test before each urgency and sensitivity rule (`rules.word_heads`) skips only rules that cannot
match: the reasons and matches are the same as searching every rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resonanz.understanding import rules

SEEDS = Path(__file__).resolve().parents[2] / "resonanz" / "understanding" / "seeds" / "sentiment.jsonl"
TRICKY = [
    "KÜNDIGUNG!!! Ich kündige",
    "ſtörung seit gestern",  # long s: IGNORECASE matches it as "s"
    "KİNDIGUNG",
    "Network Is Down",
    "IS DOWN now",
    "this is the 5th time",
    "٣rd time",  # an Arabic-Indic digit is a \\d
    "Immer noch kein  Netz",
    "STILL NOT fixed, still waiting",
    "110! x110 112",
    "Anwältin eingeschaltet, Rechtsanwalt",
    "NO SERVICE, no signal",
    "noservice",
    "Mein Passwort: geheim123",
    "IBAN DE89 3704 0044 0532 0130 00",
    "_störung and störung_x",
    "sue them, suing, Suez",
    "schon zum 3. Mal, bereits mehrfach",
    "",
]


def texts() -> list[str]:
    return [
        json.loads(line)["text"] for line in SEEDS.read_text(encoding="utf-8").splitlines() if line
    ] + TRICKY


@pytest.mark.parametrize("table", [rules.URGENCY_RULES, rules.SENSITIVE_RULES])
def test_skipping_rules_by_word_heads_changes_no_result(table):
    for text in texts():
        heads = rules.word_heads(text[: rules.MAX_CHARS])
        assert rules.match_rules(text, table, heads) == rules.match_rules(text, table), text


def test_every_stem_rule_has_heads():
    without = [
        name
        for table in (rules.URGENCY_RULES, rules.SENSITIVE_RULES)
        for name, pattern in table.items()
        if rules._RULE_HEADS[pattern] is None
    ]
    assert without == ["personal_data"]  # an IBAN or "password:" need not start with a stem


def test_lower_case_folds_like_the_rules_ignorecase_for_every_code_point():
    """`word_heads` lower-cases the text: for every character that IGNORECASE matches with a letter of the
    rules, `lower` (after the three special folds) gives that letter, keeps its length and whether it is a
    word character — so no rule is skipped that could match."""
    import re
    import sys

    letters = sorted({c for heads in rules._RULE_HEADS.values() if heads for h in heads for c in h} - {"\\"})
    any_letter = re.compile("[" + re.escape("".join(letters)) + "]", re.IGNORECASE)
    word = re.compile(r"\w")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        folded = rules._SPECIAL_FOLDS.get(code, char).lower() if code > 0x7F else char.lower()
        if any_letter.fullmatch(char):  # the letters IGNORECASE matches it with: exactly the folded one
            matched = [c for c in letters if re.fullmatch(re.escape(c), char, re.IGNORECASE)]
            assert matched == [folded], hex(code)
        if code in rules._SPECIAL_FOLDS:
            continue
        assert len(folded) == 1, hex(code)
        assert bool(word.fullmatch(char)) == bool(word.fullmatch(folded)), hex(code)
