"""Language identification: the workspace's languages plus "other".

Three steps, cheapest first:
1. no letters (empty, emoji only, numbers) or a non-Latin script → "other";
2. function words: most sentences contain two or more of a language's commonest words ("und", "nicht",
   "the", "my"…) and none of another's; that decides in microseconds, and it also recognizes a few
   languages the workspace does not use (French, Spanish, Italian, Dutch, Polish, Turkish) as "other";
3. otherwise lingua, restricted to the workspace's languages (always restrict: all 75 languages cost
   1.4 GB and 20× the time).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

OTHER = "other"
# Lingua needs a few letters; below this the function-word step or "other" decides.
MIN_LETTERS = 2
MAX_CHARS = 400  # lingua's cost grows with length; a few sentences decide

_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "de": frozenset(
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
            "dem",
            "den",
            "des",
            "von",
            "zu",
            "im",
            "ist",
            "es",
            "wir",
            "ihr",
            "sie",
            "aber",
            "auch",
            "noch",
            "nur",
            "schon",
            "wie",
            "bei",
            "seit",
            "wieder",
            "kein",
            "keine",
            "mein",
            "meine",
            "mir",
            "mich",
            "bitte",
            "danke",
            "heute",
            "habe",
            "hat",
            "sind",
            "war",
            "wird",
            "kann",
            "gibt",
            "geht",
            "warum",
            "immer",
            "jetzt",
            "oder",
            "wenn",
            "dass",
            "weil",
            "über",
            "unter",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "and",
            "is",
            "are",
            "not",
            "my",
            "you",
            "your",
            "this",
            "that",
            "with",
            "for",
            "have",
            "has",
            "was",
            "were",
            "will",
            "can",
            "what",
            "why",
            "how",
            "it's",
            "i'm",
            "don't",
            "doesn't",
            "since",
            "again",
            "please",
            "thanks",
            "thank",
            "from",
            "there",
            "their",
            "they",
            "our",
            "just",
            "been",
            "would",
            "could",
            "should",
            "any",
            "some",
            "about",
            "when",
            "which",
            "who",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "des",
            "est",
            "et",
            "je",
            "ne",
            "pas",
            "une",
            "un",
            "du",
            "que",
            "qui",
            "pour",
            "avec",
            "dans",
            "sur",
            "mon",
            "mes",
            "vous",
            "nous",
            "depuis",
            "plus",
            "c'est",
            "merci",
            "bonjour",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "es",
            "y",
            "que",
            "en",
            "un",
            "una",
            "por",
            "para",
            "con",
            "no",
            "mi",
            "mis",
            "pero",
            "muy",
            "está",
            "desde",
            "hola",
            "gracias",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "la",
            "che",
            "è",
            "e",
            "non",
            "di",
            "un",
            "una",
            "per",
            "con",
            "sono",
            "mi",
            "ho",
            "da",
            "ciao",
            "grazie",
            "questo",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "is",
            "niet",
            "ik",
            "met",
            "op",
            "van",
            "voor",
            "dat",
            "zijn",
            "mijn",
            "maar",
            "ook",
            "nog",
            "geen",
        ]
    ),
    "pl": frozenset(
        [
            "i",
            "nie",
            "jest",
            "się",
            "na",
            "że",
            "to",
            "w",
            "z",
            "do",
            "jak",
            "mam",
            "moje",
            "dla",
            "ale",
            "już",
        ]
    ),
    "tr": frozenset(
        ["ve", "bir", "bu", "da", "de", "için", "ile", "ne", "değil", "ben", "çok", "var", "yok", "ama"]
    ),
}
# Short words shared between languages ("de", "en", "la", "to", "i") would make the vote ambiguous.
_SHARED = frozenset({"to", "is", "in", "de", "en", "la", "le", "il", "e", "i", "w", "z", "y", "a", "o"})
_FUNCTION_WORDS = {
    code: frozenset(w for w in words if len(w) > 1 and (code in ("de", "en") or w not in _SHARED))
    for code, words in _FUNCTION_WORDS.items()
}
# Word → the languages it is a function word of (one lookup per word instead of one per language).
_CODES_OF: dict[str, tuple[str, ...]] = {}
for _code, _words in _FUNCTION_WORDS.items():
    for _word in _words:
        _CODES_OF[_word] = (*_CODES_OF.get(_word, ()), _code)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_STRIP = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|<[^>]{0,200}>")
_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏ]")


@dataclass(frozen=True)
class LanguageResult:
    label: str
    score: float
    method: str  # "empty", "script", "function_words", "lingua"


def _lingua_languages(codes: tuple[str, ...]) -> list[Any]:
    from lingua import IsoCode639_1, Language

    out = []
    for code in codes:
        try:
            out.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            continue  # a code lingua does not know: that language is only found by function words
    return out


def _votes(item: tuple[str, int]) -> int:
    return item[1]


class LanguageDetector:
    def __init__(self, languages: list[str] | tuple[str, ...]) -> None:
        self.languages = tuple(sorted({code.lower() for code in languages if code})) or ("de", "en")
        self._lingua: Any = None
        self._lock = threading.Lock()

    def _detector(self) -> Any:
        with self._lock:
            if self._lingua is None:
                from lingua import LanguageDetectorBuilder

                languages = _lingua_languages(self.languages)
                if len(languages) >= 2:
                    self._lingua = LanguageDetectorBuilder.from_languages(*languages).build()
                else:
                    self._lingua = False  # one language: the function words and the script decide
            return self._lingua

    def detect(self, text: str) -> LanguageResult:
        sample = _STRIP.sub(" ", text[: MAX_CHARS * 2])[:MAX_CHARS]
        words = _WORD.findall(sample.lower())
        letters = len("".join(words))
        if letters < MIN_LETTERS:
            return LanguageResult(OTHER, 0.0, "empty")
        # ASCII text: every letter is Latin (the count below would equal `letters`).
        if not sample.isascii() and len(_LATIN.findall(sample)) < letters / 2:
            return LanguageResult(OTHER, 0.9, "script")
        hits = dict.fromkeys(_FUNCTION_WORDS, 0)
        for codes in filter(None, map(_CODES_OF.get, words[:200])):
            for code in codes:
                hits[code] += 1
        # The two most voted languages, ties in declaration order (what a stable sort gives).
        best, best_hits = max(hits.items(), key=_votes)
        second_hits = max((n for code, n in hits.items() if code != best), default=0)
        if best_hits >= 2 and best_hits >= 2 * second_hits + 1:
            label = best if best in self.languages else OTHER
            return LanguageResult(
                label, round(min(0.99, 0.6 + 0.1 * (best_hits - second_hits)), 2), "function_words"
            )
        detector = self._detector()
        if detector is False:
            return LanguageResult(self.languages[0], 0.5, "single")
        confidences = detector.compute_language_confidence_values(sample)
        if not confidences:
            return LanguageResult(OTHER, 0.0, "lingua")
        top = confidences[0]
        code = top.language.iso_code_639_1.name.lower()
        return LanguageResult(code if code in self.languages else OTHER, round(float(top.value), 3), "lingua")


_DETECTORS: dict[tuple[str, ...], LanguageDetector] = {}


def detector_for(languages: list[str] | tuple[str, ...]) -> LanguageDetector:
    """One detector per language set per process (lingua's models load once)."""
    key = tuple(sorted({code.lower() for code in languages if code})) or ("de", "en")
    found = _DETECTORS.get(key)
    if found is None:
        found = _DETECTORS.setdefault(key, LanguageDetector(key))
    return found
