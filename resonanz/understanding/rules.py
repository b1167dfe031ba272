"""Urgency and sensitivity: word rules (German and English) plus what Resonanz knows about the customer.

Rules are the right tool here: every reason must be explainable to the agent ("legal threat: Anwalt"),
and a missed safety hazard is worse than a false alarm. Each rule is a compiled regular expression over
the lower-cased text; word stems end open ("kündig" matches "kündige", "Kündigung").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


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


def match_rules(text: str, rules: dict[str, re.Pattern[str]]) -> Reasons:
    found = Reasons()
    for name, pattern in rules.items():
        hit = pattern.search(text)
        if hit:
            found.reasons.append(name)
            found.matches[name] = hit.group(0)[:40]
    return found


def urgency(
    text: str,
    *,
    is_vip: bool,
    recent_inbound: int,
    sentiment: str,
    topic_is_praise: bool,
) -> tuple[str, Reasons]:
    """low: praise with nothing pressing; normal: the rest; high: one reason; urgent: safety, or two
    reasons at once (an outage plus a cancellation threat), or a VIP with a pressing reason."""
    found = match_rules(text, URGENCY_RULES)
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
    text: str, *, is_vip: bool, private_topic: str | None, extra_terms: re.Pattern[str] | None
) -> tuple[str, Reasons]:
    found = match_rules(text, SENSITIVE_RULES)
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
