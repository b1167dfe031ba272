"""The annotator protocol and the batch context every annotator of a batch shares.

An annotator declares its `name` (the `Annotation.annotator` key), its `version`, the `inputs` it needs
("text", "profile", "embedding" and the names of annotators whose results it reads) and its `outputs` (the
labels it may write; empty = an open set such as topic slugs or federal states). The registry
(`annotators/__init__.py`) runs them in its declared order over one `Batch`: the messages' plain text,
lower-cased once, and whatever an annotator computes for others (`Batch.shared`), such as the hashed n-grams
all classifiers read or the topic word scores the embedding step asks about.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from resonanz.understanding.annotators.models import WorkspaceModels
    from resonanz.understanding.topics import TopicSpec

INPUTS = ("text", "profile", "embedding")
_TAG = re.compile(r"<[^>]{0,500}>")
T = TypeVar("T")


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


def plain_text(text: str) -> str:
    """HTML (e-mail bodies, web forms) to the text a person reads."""
    return html.unescape(_TAG.sub(" ", text))


class Batch:
    """What the annotators of one batch share. `texts` are plain text (HTML stripped once), `lower(i)` the
    lower-cased text (once per message), `results[i]` the results so far by annotator, `embeddings` the
    vectors known for the batch (stored ones, and new ones from the embedding annotator)."""

    def __init__(
        self,
        config: WorkspaceConfig,
        messages: Sequence[MessageInput],
        embeddings: dict[int, np.ndarray] | None = None,
        *,
        embed: bool = True,
        defer_public: bool = False,
    ) -> None:
        self.config = config
        self.messages = list(messages)
        self.texts = [plain_text(m.text) if "<" in m.text or "&" in m.text else m.text for m in messages]
        self.embeddings: dict[int, np.ndarray] = dict(embeddings or {})
        self.fresh: set[int] = set()  # ids whose vector was computed in this batch (stored as a result)
        self.embed = embed
        # Public posts whose only use of a new vector is the topic fallback wait for a background pass
        # (`pipeline.complete_deferred`): their ids land in `deferred`, and they get no topic here.
        self.defer_public = defer_public
        self.deferred: set[int] = set()
        self.results: list[dict[str, Result]] = [{} for _ in self.messages]
        self._lower: list[str | None] = [None] * len(self.messages)
        self._shared: dict[str, Any] = {}
        # Set by the engine: per annotator that reads vectors, whether message i needs one.
        self.embedding_consumers: list[Callable[[Batch, int], bool]] = []

    def __len__(self) -> int:
        return len(self.messages)

    def lower(self, i: int) -> str:
        found = self._lower[i]
        if found is None:
            found = self._lower[i] = self.texts[i].lower()
        return found

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """A value computed once per batch for every annotator that asks for it under `key`."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]  # type: ignore[no-any-return]

    def put(self, i: int, result: Result) -> None:
        self.results[i][result.annotator] = result

    def result(self, i: int, annotator: str) -> Result | None:
        return self.results[i].get(annotator)

    def label(self, i: int, annotator: str) -> str | None:
        found = self.results[i].get(annotator)
        return found.label if found is not None else None

    def vector(self, i: int) -> np.ndarray | None:
        return self.embeddings.get(self.messages[i].id)


class Annotator(Protocol):
    """One kind of annotation. Instances are built once per workspace configuration and process
    (`Annotator(config, models)`), so models load once; `annotate` is called once per batch."""

    name: str
    version: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    correctable: bool

    def __init__(self, config: WorkspaceConfig, models: WorkspaceModels) -> None: ...

    def annotate(self, batch: Batch) -> None: ...


@runtime_checkable
class NeedsEmbedding(Protocol):
    """An annotator with "embedding" among its inputs says which messages need a vector; the embedding
    annotator, which runs before it, computes vectors for those only."""

    def needs_embedding(self, batch: Batch, i: int) -> bool: ...
