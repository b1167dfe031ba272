"""The default sentiment model: word lists, no training data of ours and no per-workspace weights.

A message's sentiment score is the sum of
- **customer-service cues** written by the Resonanz team (German and English): complaints ("Verspätung",
  "fällt aus", "+20 min", "schon wieder", "Frechheit", "still waiting", "worst") and praise ("vielen
  Dank", "super", "hat geklappt", "thank you so much"); a negated complaint ("kein Problem", "nicht
  kaputt") counts as praise, a complaint that is over ("Streik beendet", "Störung behoben") as good news;
- **polarity lexicons** at a lower weight: the German Polarity Lexicon (Klenner et al. 2010, Apache-2.0, as
  shipped in textblob-de) for German, the VADER lexicon (Hutto & Gilbert 2014, MIT) for English; a word
  after a negation ("nicht", "kein", "not", "never") within three words counts reversed and weaker;
- emoji and emoticons.

Below a threshold either way the message is `neutral`: on real public posts most are (≈ 2/3 of GermEval
2017), and a wrong "negative" raises an agent's priority for nothing. The parameters were chosen on a
development half of GermEval 2017 and measured on the other (docs/understanding.md, decision 0840).
Costs a few tenths of a millisecond per message: a few regular expressions and a look-up per word.
"""

from __future__ import annotations

import importlib
import json
import math
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from resonanz.understanding.prediction import Prediction

DATA = Path(__file__).resolve().parent / "data" / "sentiment_lexicon.json"
VERSION = "lexicon-2"
MAX_CHARS = 1000  # the head of a long text (news article, forum thread) says how it feels

# The score a message needs to leave `neutral`: negative at ≤ −NEGATIVE_AT, positive at ≥ POSITIVE_AT.
# German thresholds chosen on a development half of GermEval 2017, English ones on TWCS set A
# (docs/understanding.md).
NEGATIVE_AT = 0.5
POSITIVE_AT = {"de": 1.7, "en": 1.5}
# Sentiment is a density: the score is divided by sqrt(words / DENSITY_WORDS) above that many words, so one
# "Streik" in a long news article counts less than in a tweet.
DENSITY_WORDS = 30
CUE_WEIGHT = 1.0
# The German lexicon is general-purpose (many words are neutral in customer posts): low weight; VADER was
# built for social media posts.
LEXICON_WEIGHT = {"de": 0.2, "en": 1.0}
NEGATED = 0.8  # a negated lexicon word counts reversed, × this
NEGATED_CUE = 1.0  # a negated complaint cue ("kein Problem", "nicht kaputt") counts as praise × this
RESOLVED_WEIGHT = 3.0  # "Streik beendet": cancels the complaint word and counts as praise
EMOJI_WEIGHT = {"de": 0.5, "en": 1.0}

_TOKEN = re.compile(r"[^\W\d_]+(?:'[a-z]+)?", re.UNICODE)
_NEGATIONS = frozenset(
    [
        "nicht",
        "kein",
        "keine",
        "keinen",
        "keiner",
        "keinem",
        "keines",
        "nie",
        "niemals",
        "nichts",
        "weder",
        "not",
        "no",
        "never",
        "neither",
        "nor",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "can't",
        "cannot",
        "won't",
    ]
)
_DE_WORDS = frozenset(
    [
        "und",
        "der",
        "die",
        "das",
        "ist",
        "nicht",
        "ich",
        "ein",
        "eine",
        "mit",
        "auf",
        "für",
        "sich",
        "den",
        "dem",
        "von",
        "zu",
        "im",
        "es",
        "wir",
    ]
)
_EN_WORDS = frozenset(
    [
        "the",
        "and",
        "is",
        "not",
        "my",
        "you",
        "your",
        "it",
        "to",
        "of",
        "for",
        "on",
        "with",
        "this",
        "that",
        "was",
        "are",
        "have",
        "be",
    ]
)
# Words that are something else in German posts: "die" is an article, "bad" a bathroom, "hell" bright.
_EN_SKIP = frozenset(["die", "bad", "hell", "fast", "kind", "gift", "arm", "fall"])


_NEGATIVE_PATTERNS: list[str] = []
_POSITIVE_PATTERNS: list[str] = []


def _cues(*patterns: str) -> str:
    (_POSITIVE_PATTERNS if _NEGATIVE_PATTERNS else _NEGATIVE_PATTERNS).extend(patterns)
    return "|".join(f"(?:{p})" for p in patterns)


# Ours: what customers write when something went wrong, German then English (lower-cased text).
NEGATIVE_CUES = _cues(
    r"verspät",
    r"\+ ?\d+ ?min",
    r"\d+ ?min(?:uten)? (?:zu )?spät",
    r"zu spät",
    r"f(?:ä|a)ll(?:t|en) (?:heute |schon wieder |mal wieder )?aus",
    r"ausgefallen",
    r"ausfall",
    r"störung",
    r"streik",
    r"kaputt",
    r"defekt",
    r"gesperrt",
    r"überfüllt",
    r"stinkt",
    r"dreckig",
    r"verdreckt",
    r"\bnerv(?:t|ig|en)\b",
    r"ärger",
    r"frechheit",
    r"unverschämt",
    r"katastroph",
    r"chaos",
    r"warte(?:n|t)? (?:seit|schon|immer)",
    r"mal wieder",
    r"schon wieder",
    r"immer noch",
    r"\bfail\b",
    r"scheiß",
    r"scheiss",
    r"\bmist\b",
    r"\bsauer\b",
    r"wütend",
    r"enttäusch",
    r"beschwer",
    r"abzocke",
    r"zu teuer",
    r"kein(?:e|en)? (?:wlan|wifi|netz|internet|klimaanlage|anschluss|antwort|empfang)",
    r"klimaanlage",
    r"verpasst",
    r"gestrandet",
    r"hängen? fest",
    r"steh(?:en|t) (?:seit|schon|immer)",
    r"unfreundlich",
    r"peinlich",
    r"schlimm",
    r"\bleider\b",
    r"\bwtf\b",
    r"#fml",
    r"unzuverlässig",
    r"unpünktlich",
    r"problem",
    r"schlecht",
    r"grott",
    r"ekelhaft",
    r"furchtbar",
    r"schrecklich",
    r"lächerlich",
    r"funktioniert (?:gar |schon wieder |immer noch )?nicht",
    r"geht (?:gar |schon wieder |immer noch )?nicht",
    r"(?:keiner|niemand) (?:meldet|antwortet|hilft)",
    r"danke für nichts",
    r"\bnie wieder\b",
    # added in lexicon-2 (customer-service wording, general)
    r"funkloch",
    r"außer betrieb",
    r"entf(?:ällt|allen)\b",
    r"abgestürzt",
    r"stürzt (?:\w+ )?ab",
    r"verzöger",
    r"nichts gebracht",
    r"inakzeptabel",
    r"zumutung",
    r"unmöglich",
    r"skandal",
    r"\bidiot",
    r"\bdepp",
    r"ätzend",
    r"\bkacke\b",
    r"genervt",
    r"kommt (?:\w+ )?nicht\b",
    r"f(?:ä|a)hrt (?:\w+ )?nicht\b",
    r"\blahm",
    r"\bfehler",
    r"schaden\b",
    r"\bwarum\b",
    r"\bwieso\b",
    # English
    r"\bworst\b",
    r"\bterrible\b",
    r"\bawful\b",
    r"\bhorrible\b",
    r"\bridiculous\b",
    r"\bunacceptable\b",
    r"\bdisappoint",
    r"\bfrustrat",
    r"\bannoy",
    r"\bstill (?:not|no|waiting|broken)",
    r"\bnot working\b",
    r"\bdoesn't work\b",
    r"\bdoes not work\b",
    r"\bbroken\b",
    r"\bcrash(?:es|ed|ing)?\b",
    r"\bdelay",
    r"\bcancel+ed\b",
    r"\bno (?:one|response|reply|answer|help|internet|service|signal)\b",
    r"\bwaste of\b",
    r"\bcomplain",
    r"\bfix (?:this|it|your)\b",
    r"\bwhy (?:is|does|do|can't|won't|isn't|wasn't|haven't|hasn't)\b",
    r"\bstill (?:haven't|hasn't|don't|doesn't|can't|won't)\b",
    r"\b(?:haven't|hasn't|didn't|never) (?:heard|received|got|arrived|been delivered|arrive)\b",
    r"\bnot (?:cool|happy|acceptable|good enough|delivered|received)\b",
    r"\b(?:fed up|pissed|sick of|tired of)\b",
    r"\buseless\b",
    r"\bmissing\b",
    r"\bdamaged\b",
    r"\bstranded\b",
    r"\bsmh\b",
    r"\bover (?:a|\d+) (?:week|month|day)s?\b",
    r"\bno one (?:is |can )?(?:answer|respond|help)",
)
# Complaint words inside German compounds ("Zugverspätung", "Signalstörung", "Bahnstreik").
NEGATIVE_INFIXES = re.compile(r"(?<=[^\W\d_])(?:verspät|ausfall|störung|streik|chaos|katastroph|probleme?)")
POSITIVE_CUES = _cues(
    r"\bdanke(?:schön|sehr)?\b(?! für nichts)",
    r"vielen dank",
    r"\bsuper\b",
    r"\btoll",
    r"\bklasse\b",
    r"\bprima\b",
    r"zufrieden",
    r"\bfreundlich",
    r"pünktlich",
    r"\blob\b",
    r"gelobt",
    r"hat (?:alles )?(?:super |gut |prima )?geklappt",
    r"endlich wieder",
    r"\bperfekt",
    r"\bgenial",
    r"großartig",
    r"grossartig",
    r"\bspitze\b",
    r"freu(?:e|t)? mich",
    r"\bbeendet\b",
    r"\beinigung\b",
    r"\bkostenlos",
    r"\bgratis\b",
    r"\bschneller\b",
    # added in lexicon-2
    r"gott sei dank",
    r"problemlos",
    r"störungsfrei",
    r"einwandfrei",
    r"nichts zu (?:meckern|beanstanden)",
    r"\bkein(?:e|en)? (?:problem|probleme|stress|ärger)\b",
    r"hervorragend",
    r"begeistert",
    r"\bempfehle",
    r"\bglücklich",
    r"erleichter",
    r"aufatmen",
    r"\bjuhu\b",
    r"\bhurra\b",
    r"\byay\b",
    r"\bwoho+\b",
    r"\bendlich\b",
    r"\btop\b",
    # English
    r"\bthank(?:s| you)\b",
    r"\bawesome\b",
    r"\bgreat\b",
    r"\bexcellent\b",
    r"\bamazing\b",
    r"\blove\b",
    r"\bappreciate",
    r"\bhelpful\b",
    r"\bworks? (?:now|again|perfectly|great)\b",
    r"\bsorted\b",
    r"\bfixed\b",
)
# One scan for both: each cue matches at the start of a word (not after a letter), 3× faster than anywhere;
# group 1 is a complaint, group 2 praise.
CUES = re.compile(r"(?<![^\W\d_])(?:(" + NEGATIVE_CUES + ")|(" + POSITIVE_CUES + "))")


def _first_chars(items: Any, _sre: Any) -> set[str] | None:
    """The characters a parsed pattern can start with (None: can't tell). Only what our cues use:
    literals, character sets, groups, alternatives, a leading repeat and word boundaries."""
    for op, av in items:
        if op == _sre.AT:  # \b
            continue
        if op == _sre.LITERAL:
            return {chr(av)}
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            return _first_chars(list(av[2]), _sre)
        if op == _sre.IN:
            out: set[str] = set()
            for op2, av2 in av:
                if op2 == _sre.LITERAL:
                    out.add(chr(av2))
                elif op2 == _sre.RANGE:
                    out.update(chr(c) for c in range(av2[0], av2[1] + 1))
                elif op2 == _sre.CATEGORY and av2 == _sre.CATEGORY_DIGIT:
                    out.update("0123456789")
                else:
                    return None
            return out
        if op == _sre.SUBPATTERN:
            return _first_chars(list(av[3]), _sre)
        if op == _sre.BRANCH:
            out = set()
            for branch in av[1]:
                chars = _first_chars(list(branch), _sre)
                if chars is None:
                    return None
                out |= chars
            return out
        return None
    return None


def _dispatch() -> tuple[re.Pattern[str], dict[str, re.Pattern[str]]] | None:
    """The cues grouped by their first character: at each word start only the cues that can begin with
    its character are tried (4–5× faster than the one alternation of all cues, the same matches)."""
    parser: Any = importlib.import_module("re._parser")  # the regex parser of Python ≥ 3.11
    constants: Any = importlib.import_module("re._constants")
    by_char: dict[str, tuple[list[str], list[str]]] = {}
    for kind, patterns in ((0, _NEGATIVE_PATTERNS), (1, _POSITIVE_PATTERNS)):
        for pattern in patterns:
            chars = _first_chars(list(parser.parse(pattern)), constants)
            if not chars:
                return None
            for char in chars:
                by_char.setdefault(char, ([], []))[kind].append(f"(?:{pattern})")
    table = {
        char: re.compile("(" + ("|".join(neg) or "(?!)") + ")|(" + ("|".join(pos) or "(?!)") + ")")
        for char, (neg, pos) in by_char.items()
    }
    starts = re.compile(r"(?<![^\W\d_])[" + re.escape("".join(sorted(table))) + "]")
    return starts, table


try:
    _DISPATCH = _dispatch()
except Exception:  # a Python whose regex parser differs: the one alternation does the same, slower
    _DISPATCH = None


def cue_matches(lower: str) -> list[re.Match[str]]:
    """The cues in lower-cased text, left to right, not overlapping: what `CUES.finditer` finds."""
    if _DISPATCH is None:
        return list(CUES.finditer(lower))
    starts, table = _DISPATCH
    out = []
    end = 0
    for start in starts.finditer(lower):
        i = start.start()
        if i < end:
            continue
        match = table[lower[i]].match(lower, i)
        if match:
            out.append(match)
            end = match.end()
    return out


_POSITIVE_EMOJI = re.compile(
    "[👍😀😃😄😁😊🙂😍🥰❤💚💙🙏🎉👏✅🤩😎😂🤣😉💪🌞☀]|(?<![\\w:])[:;]-?[)DP](?!\\w)|<3|\\^\\^|(?<!\\w)xD(?!\\w)"
)
_NEGATIVE_EMOJI = re.compile("[👎😡😠🤬😤😞😢😭💩🙄😒😩😫❌😕😟😔🤮]|(?<![\\w:])[:;]-?[(/](?![\\w/])|-\\.-")
# A complaint that is over: "Streik beendet", "Störung behoben", "Sperrung aufgehoben".
_RESOLVED = re.compile(
    r"(?:streik|störung|ausfall|sperrung|chaos|problem|tarifkonflikt)\w*(?: \S+){0,4}? "
    r"(?:beendet|vorbei|behoben|aufgehoben|vorüber|gelöst)"
    r"|(?:ende|beendet|behoben)(?: \S+){0,3}? \w*(?:streik|störung|sperrung|tarifkonflikt)"
)
# The same counts in two cheaper scans: a class of emoji characters alone is found by the regex engine's
# fast character scan, and the emoticons (ASCII, so never overlapping an emoji) need ":", ";", "<3", "^^",
# "xD" or "-.-" in the text. `_emoji_balance` = positive − negative matches of the patterns above.
_POSITIVE_CHARS = re.compile("[👍😀😃😄😁😊🙂😍🥰❤💚💙🙏🎉👏✅🤩😎😂🤣😉💪🌞☀]")
_NEGATIVE_CHARS = re.compile("[👎😡😠🤬😤😞😢😭💩🙄😒😩😫❌😕😟😔🤮]")
_POSITIVE_EMOTICONS = re.compile("(?<![\\w:])[:;]-?[)DP](?!\\w)|<3|\\^\\^|(?<!\\w)xD(?!\\w)")
_NEGATIVE_EMOTICONS = re.compile("(?<![\\w:])[:;]-?[(/](?![\\w/])|-\\.-")


def _emoji_balance(head: str) -> int:
    balance = 0
    if not head.isascii():
        balance = len(_POSITIVE_CHARS.findall(head)) - len(_NEGATIVE_CHARS.findall(head))
    colon = ":" in head or ";" in head
    if colon or "<3" in head or "^^" in head or "xD" in head:
        balance += len(_POSITIVE_EMOTICONS.findall(head))
    if colon or "-.-" in head:
        balance -= len(_NEGATIVE_EMOTICONS.findall(head))
    return balance


# Every match of NEGATIVE_INFIXES and of _RESOLVED contains one of these words (a quick test first).
_COMPLAINT_NOUNS = (
    "verspät",
    "ausfall",
    "störung",
    "streik",
    "chaos",
    "katastroph",
    "problem",
    "sperrung",
    "tarifkonflikt",
)
_NEGATION_BEFORE = re.compile(
    r"(?:^|\W)(?:nicht|kein|keine|keinen|nie|niemals|ohne|not|no|never)(?: +\w+)? *$"
)

_lock = threading.RLock()
_lexicons: dict[str, dict[str, float]] | None = None


def lexicons() -> dict[str, dict[str, float]]:
    global _lexicons
    with _lock:
        if _lexicons is None:
            data = json.loads(DATA.read_text(encoding="utf-8"))
            _lexicons = {"de": data["de"], "en": {w: v for w, v in data["en"].items() if w not in _EN_SKIP}}
        return _lexicons


_DE_SUFFIXES = ("en", "er", "es", "em", "e", "n", "s")


def _german(word: str, lexicon: dict[str, float], cache: dict[str, float]) -> float:
    """An inflected adjective or verb ("schlechten", "enttäuschte") by its lexicon form."""
    value = cache.get(word)
    if value is None:
        value = _german_form(word, lexicon)
        if len(cache) < 200_000:
            cache[word] = value
    return value


def _german_form(word: str, lexicon: dict[str, float]) -> float:
    value = lexicon.get(word)
    if value is not None:
        return value
    for suffix in _DE_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            value = lexicon.get(word[: -len(suffix)])
            if value is not None:
                return value
    return 0.0


def guess_language(tokens: Sequence[str]) -> str:
    de = sum(t in _DE_WORDS for t in tokens)
    en = sum(t in _EN_WORDS for t in tokens)
    return "en" if en > de else "de"


class LexiconSentiment:
    """`predict(texts, languages)` like a TextClassifier's; `languages` "de"/"en" per text (guessed from
    function words where missing)."""

    version = VERSION
    classes = ("negative", "neutral", "positive")

    def __init__(self) -> None:
        self.lexicons = lexicons()
        self._german_cache: dict[str, float] = {}

    def score(self, text: str, language: str = "") -> float:
        """> 0 positive, < 0 negative; the thresholds decide."""
        return self.parts(text, language)[2]

    def parts(self, text: str, language: str = "") -> tuple[int, int, float]:
        """(complaint cues, praise cues, score): the score and what a trained model weighs (features)."""
        return self._parts(text, language)[:3]

    def _parts(self, text: str, language: str) -> tuple[int, int, float, str]:
        lower = text[:MAX_CHARS].lower()
        tokens = _TOKEN.findall(lower)
        language = language if language in ("de", "en") else guess_language(tokens)
        lexicon = self.lexicons[language]
        total = 0.0
        weight = LEXICON_WEIGHT[language]
        for i, token in enumerate(tokens):
            value = (
                _german(token, lexicon, self._german_cache) if language == "de" else lexicon.get(token, 0.0)
            )
            if not value:
                continue
            if any(t in _NEGATIONS for t in tokens[max(0, i - 3) : i]):
                value = -value * NEGATED
            total += weight * value
        negative = positive = 0
        negated = 0
        for match in cue_matches(lower):
            if match.group(1):
                # "nicht kaputt", "kein Streik": a negated complaint is no complaint
                start = match.start()
                if _NEGATION_BEFORE.search(lower, max(0, start - 24), start):
                    negated += 1
                else:
                    negative += 1
            else:
                positive += 1
        resolved = 0
        if any(word in lower for word in _COMPLAINT_NOUNS):  # else neither pattern can match
            negative += len(NEGATIVE_INFIXES.findall(lower))
            resolved = len(_RESOLVED.findall(lower)) if RESOLVED_WEIGHT else 0
        total += CUE_WEIGHT * (positive - negative) + RESOLVED_WEIGHT * resolved + NEGATED_CUE * negated
        head = text[:MAX_CHARS]
        if ":" in head or ";" in head or "^" in head or "<" in head or "-" in head or not head.isascii():
            total += EMOJI_WEIGHT[language] * _emoji_balance(head)
        if len(tokens) > DENSITY_WORDS:
            total /= math.sqrt(len(tokens) / DENSITY_WORDS)
        return negative, positive + resolved + negated, total, language

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) for a trained model (`--lexicon-weight`): complaint and praise cues (capped at 3, / 3; praise
        includes negated and resolved complaints) and the score (clipped to ±3, / 3)."""
        out = np.zeros((len(texts), 3), dtype=np.float32)
        for i, text in enumerate(texts):
            negative, positive, total = self.parts(text)
            out[i] = (min(negative, 3) / 3, min(positive, 3) / 3, max(-3.0, min(3.0, total)) / 3)
        return out

    def predict(self, texts: Sequence[str], languages: Sequence[str] | None = None) -> list[Prediction]:
        out = []
        for i, text in enumerate(texts):
            _, _, value, language = self._parts(text, languages[i] if languages else "")
            if value <= -NEGATIVE_AT:
                label = "negative"
            elif value >= POSITIVE_AT[language]:
                label = "positive"
            else:
                label = "neutral"
            out.append(Prediction(label, round(abs(value), 4)))
        return out


_DEFAULT: LexiconSentiment | None = None


def default_sentiment() -> LexiconSentiment:
    global _DEFAULT
    with _lock:
        if _DEFAULT is None:
            _DEFAULT = LexiconSentiment()
    return _DEFAULT
