"""The embedding cache under threads: the embedded server runs web and worker threads in one process, and all
of them embed through one shared, size-bounded cache."""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from resonanz.understanding import embedding

THREADS = 8
ROUNDS = 400
TEXTS = [f"Störung Nummer {n} in Köln" for n in range(12)]


def fake_vector(text: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big")
    return np.random.default_rng(seed).random(embedding.DIMENSIONS).astype(np.float32)


class FakeEncoder:
    """Deterministic vectors per text, so a wrong cache hit shows as a wrong vector."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([fake_vector(text) for text in texts])


@pytest.fixture
def small_cache(monkeypatch) -> Iterator[None]:
    monkeypatch.setattr(embedding, "_encoder", FakeEncoder)
    monkeypatch.setattr(embedding, "CACHE_SIZE", 3)  # far fewer slots than texts: evictions all the time
    monkeypatch.setattr(embedding, "_cache", type(embedding._cache)())
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    yield
    sys.setswitchinterval(interval)


def test_cache_hammered_from_several_threads_gives_right_vectors_and_no_errors(small_cache):
    errors: list[BaseException] = []
    wrong: list[str] = []
    start = threading.Barrier(THREADS)

    def hammer(offset: int) -> None:
        start.wait()
        try:
            for round_ in range(ROUNDS):
                batch = [TEXTS[(offset + round_ + k) % len(TEXTS)] for k in range(3)]
                vectors = embedding.embed_texts(batch)
                for text, vector in zip(batch, vectors, strict=True):
                    if not np.array_equal(vector, fake_vector(text)):
                        wrong.append(text)
        except BaseException as error:  # the test reports every thread's failure
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert wrong == []
    assert len(embedding._cache) <= embedding.CACHE_SIZE
