"""Urgency and sensitivity: word rules (German and English) plus what Resonanz knows about the customer.

Rules are the right tool here: every reason must be explainable to the agent ("legal threat: Anwalt"),
and a missed safety hazard is worse than a false alarm. Each rule is a compiled regular expression over
the lower-cased text; word stems end open ("kündig" matches "kündige", "Kündigung").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resonanz.understanding.annotators.base import Batch


def _pattern(*stems: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(stems) + r")", re.IGNORECASE)


URGENCY_RULES: dict[str, re.Pattern[str]] = {
    "outage": _pattern(
        r"störung",
        r"ausfall",
        r"ausgefallen",
        r"kein(?:e|en)? (?:internet|netz|empfang|strom|verbindung|dsl|telefon)",
        r"geht (?:gar )?nichts? mehr",
        r"funktioniert (?:gar )?nicht(?:s)? mehr",
        r"tot\b",
        r"offline",
        r"outage",
        r"(?:is|are|service|network|internet) down\b",
        r"no (?:internet|signal|service|connection)",
        r"not working",
    ),
    "safety": _pattern(
        r"feuer",
        r"brand\b",
        r"brennt",
        r"rauch",
        r"qualm",
        r"explodiert",
        r"stromschlag",
        r"verletz",
        r"lebensgefahr",
        r"gefährlich",
        r"notruf",
        r"110\b",
        r"112\b",
        r"fire\b",
        r"smoke",
        r"burn(?:ing|t)",
        r"explod",
        r"electric shock",
        r"injur",
        r"dangerous",
        r"emergency",
    ),
    "legal_threat": _pattern(
        r"anwalt",
        r"rechtsanwalt",
        r"anwältin",
        r"klage",
        r"verklag",
        r"gericht",
        r"verbraucherzentrale",
        r"bundesnetzagentur",
        r"schlichtung",
        r"abmahn",
        r"lawyer",
        r"attorney",
        r"sue\b",
        r"suing",
        r"legal action",
        r"court",
    ),
    "cancellation_threat": _pattern(
        r"kündig",
        r"kündung",
        r"gekündigt",
        r"wechsle",
        r"wechseln (?:zu|den anbieter)",
        r"anbieterwechsel",
        r"sonderkündigung",
        r"cancel",
        r"switch(?:ing)? to",
        r"leaving you",
        r"close my account",
    ),
    "repeated_contact": _pattern(
        r"(?:schon|bereits) (?:zum )?(?:\d+|zweit|dritt|viert|fünft|x)[a-z.]* ?mal",
        r"(?:schon|bereits) (?:mehrfach|mehrmals|oft|wieder)",
        r"immer noch",
        r"nach wie vor",
        r"zum wiederholten",
        r"again and again",
        r"(?:third|fourth|fifth|\d+(?:st|nd|rd|th)) time",
        r"still (?:not|no|waiting)",
        r"several times",
        r"keep(?:s)? (?:calling|asking|writing)",
    ),
}

# Topics a workspace marks private cover its own words; these cover what is private everywhere.
SENSITIVE_RULES: dict[str, re.Pattern[str]] = {
    "health": _pattern(
        r"krank",
        r"krankenhaus",
        r"klinik",
        r"diagnose",
        r"therapie",
        r"pflegebedürftig",
        r"pflegeheim",
        r"behindert",
        r"schwanger",
        r"depression",
        r"krebs\b",
        r"hospital",
        r"diagnos",
        r"pregnan",
        r"disabilit",
        r"cancer",
        r"illness",
    ),
    "debts": _pattern(
        r"schulden",
        r"inkasso",
        r"mahnung",
        r"mahnbescheid",
        r"pfändung",
        r"insolvenz",
        r"schufa",
        r"ratenzahlung",
        r"zahlungsunfähig",
        r"debt",
        r"collection agency",
        r"bankrupt",
        r"can't afford",
        r"cannot afford",
    ),
    "intimate": _pattern(
        r"kondom",
        r"verhütung",
        r"erotik",
        r"sexspielzeug",
        r"vibrator",
        r"inkontinenz",
        r"potenz",
        r"condom",
        r"contracepti",
        r"sex toy",
        r"incontinence",
    ),
    "bereavement": _pattern(
        r"verstorben",
        r"todesfall",
        r"sterbefall",
        r"beerdigung",
        r"passed away",
        r"deceased",
        r"funeral",
    ),
    "personal_data": re.compile(
        r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}\b"  # an IBAN
        r"|\b(?:passwort|password|pin)\s*[:=]\s*\S+",
        re.IGNORECASE,
    ),
}

URGENCY_LEVELS = ("low", "normal", "high", "urgent")


@dataclass
class Reasons:
    reasons: list[str] = field(default_factory=list)
    matches: dict[str, str] = field(default_factory=dict)


# A quick test before each rule's search, with the same results: a rule of word stems can only match where
# a word begins with one of its stems. `word_heads(text)`: the first five and the first three characters of
# the words (runs of \w; a shorter word: itself) that begin like some stem, folded as the rules' IGNORECASE
# folds them, and "\\d" for such a word that begins with a digit. `_RULE_HEADS[pattern]`: the heads a match
# must begin with (None: the rule always runs). Urgency and sensitivity share one `word_heads` per message
# (`Batch.shared`).
MAX_CHARS = 5000  # the rules read a message's first 5,000 characters
_WORD_RUN = re.compile(r"\w+")
_DIGIT = "\\d"
_DIGITS = (sre_constants.CATEGORY, sre_constants.CATEGORY_DIGIT)
# IGNORECASE matches a text character with a rule's lower-case letter where `str.lower` gives that letter,
# except for these three (`lower` gives "i̇", "ı", "ſ"); `test_rule_heads` checks every code point.
_SPECIAL_FOLDS = {0x130: "i", 0x131: "i", 0x17F: "s"}
_SPECIAL = re.compile("[\u0130\u0131\u017f]")


def word_heads(text: str) -> set[str]:
    """The heads of the words that begin like some rule's stem (the only ones a rule asks about)."""
    if not text.isascii() and _SPECIAL.search(text):
        text = text.translate(_SPECIAL_FOLDS)
    words = _ANY_HEAD.findall(text.lower())
    heads = set(words)
    heads.update([word[:3] for word in words])
    if any(word[0].isdecimal() for word in words):
        heads.add(_DIGIT)
    return heads


def batch_word_heads(batch: Batch) -> list[set[str]]:
    """`word_heads` of each message of a batch (its first MAX_CHARS characters), computed once."""
    return batch.shared("rules.word_heads", lambda: [word_heads(text[:MAX_CHARS]) for text in batch.texts])


def _leading(items: list[tuple[object, object]]) -> list[str] | None:
    """The heads a match of this parsed sequence starts with, or None."""
    literal = ""
    for position, (op, value) in enumerate(items):
        if op is sre_constants.LITERAL and isinstance(value, int):
            literal += chr(value)
            continue
        if not literal and op is sre_constants.BRANCH:
            heads: list[str] = []
            for alternative in value[1]:  # type: ignore[index]
                found = _leading(list(alternative) + items[position + 1 :])
                if found is None:
                    return None
                heads += found
            return heads
        if not literal and op is sre_constants.SUBPATTERN:
            return _leading(list(value[-1]) + items[position + 1 :])  # type: ignore[index]
        if not literal and op is sre_constants.MAX_REPEAT and value[0] >= 1:  # type: ignore[index]
            op, value = next(iter(value[2]), (None, None))  # type: ignore[index]
        if not literal and op is sre_constants.IN and value == [_DIGITS]:
            return [_DIGIT]  # \d+ at the start of a word
        break
    word = _WORD_RUN.match(literal)
    stem = word.group(0) if word is not None else ""
    if not stem or stem != stem.lower():
        return None
    if len(stem) >= 5:
        return [stem[:5]]
    if len(stem) >= 3:
        return [stem[:3]]
    if len(stem) < len(literal):  # a word of one or two characters, then a space: that very word
        return [stem]
    return None


def _heads_of(pattern: re.Pattern[str]) -> frozenset[str] | None:
    items = list(sre_parse.parse(pattern.pattern, pattern.flags))
    if not items or items[0][0] is not sre_constants.ASSERT_NOT or not pattern.flags & re.IGNORECASE:
        return None  # only "(?<!\w)(?:stem|stem…)" rules
    heads = _leading(items[1:])
    return frozenset(heads) if heads else None


_RULE_HEADS: dict[re.Pattern[str], frozenset[str] | None] = {
    pattern: _heads_of(pattern) for rules in (URGENCY_RULES, SENSITIVE_RULES) for pattern in rules.values()
}


# The first five characters of every word that begins with one of the rules' heads.
_ANY_HEAD = re.compile(
    r"(?<!\w)(?=(?:"
    + "|".join(
        sorted(
            (r"\d" if head == _DIGIT else re.escape(head))
            for heads in _RULE_HEADS.values()
            if heads
            for head in heads
        )
    )
    + r"))\w{1,5}"
)


def match_rules(text: str, rules: dict[str, re.Pattern[str]], heads: Iterable[str] | None = None) -> Reasons:
    """Each rule's first match in the text; `heads` (`word_heads(text)`) skips rules that cannot match."""
    found = Reasons()
    for name, pattern in rules.items():
        if heads is not None:
            needed = _RULE_HEADS.get(pattern)
            if needed is not None and needed.isdisjoint(heads):
                continue
        hit = pattern.search(text)
        if hit:
            found.reasons.append(name)
            found.matches[name] = hit.group(0)[:40]
    return found


def urgency(
    text: str,
    *,
    heads: Iterable[str] | None = None,
    is_vip: bool,
    recent_inbound: int,
    sentiment: str,
    topic_is_praise: bool,
) -> tuple[str, Reasons]:
    """low: praise with nothing pressing; normal: the rest; high: one reason; urgent: safety, or two
    reasons at once (an outage plus a cancellation threat), or a VIP with a pressing reason."""
    found = match_rules(text, URGENCY_RULES, heads)
    if recent_inbound >= 3 and "repeated_contact" not in found.reasons:
        found.reasons.append("repeated_contact")
        found.matches["repeated_contact"] = f"{recent_inbound} messages in 24 h"
    if is_vip:
        found.reasons.append("vip")
    pressing = [r for r in found.reasons if r != "vip"]
    if "safety" in found.reasons or len(pressing) >= 2 or (is_vip and pressing):
        return "urgent", found
    if found.reasons:
        return "high", found
    if topic_is_praise or sentiment == "positive":
        return "low", found
    return "normal", found


def sensitivity(
    text: str,
    *,
    heads: Iterable[str] | None = None,
    is_vip: bool,
    private_topic: str | None,
    extra_terms: re.Pattern[str] | None,
) -> tuple[str, Reasons]:
    found = match_rules(text, SENSITIVE_RULES, heads)
    if private_topic:
        found.reasons.append(f"topic:{private_topic}")
    if extra_terms is not None:
        hit = extra_terms.search(text)
        if hit:
            found.reasons.append("workspace_term")
            found.matches["workspace_term"] = hit.group(0)[:40]
    if is_vip:
        found.reasons.append("vip")
    return ("private" if found.reasons else "public"), found
