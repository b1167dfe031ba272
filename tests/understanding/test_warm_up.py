"""A worker process loads the understanding models before it takes work (decision 0876)."""

from __future__ import annotations

import logging

import pytest

from resonanz.core import warmup
from resonanz.understanding import embedding, pipeline
from resonanz.understanding.models import Annotation

warmed: list[str] = []


@pytest.fixture(autouse=True)
def unfreeze():
    # `warm_up` freezes what the process holds (decision 0877); a test process thaws it again.
    yield
    import gc

    gc.unfreeze()


def _broken() -> None:
    raise RuntimeError("no model here")


def _fine() -> None:
    warmed.append("fine")


@pytest.mark.django_db
def test_warm_up_builds_each_workspace_engine_and_loads_the_encoder_without_writing(workspace):
    from resonanz.understanding import language

    pipeline._engines.clear()
    language._DETECTORS.clear()  # lingua not loaded yet in this process
    pipeline.warm_up()
    assert [key[0] for key in pipeline._engines] == [workspace.pk]
    assert embedding.is_loaded()
    assert not Annotation.objects.exists()
    # The first real batch finds the engine warm: the same object, not a second one.
    engine = next(iter(pipeline._engines.values()))
    assert pipeline.understanding_for(workspace) is engine
    # ... with lingua's language models loaded too (the first batch with a post no function word decides
    # spent ~0.4 s on them in the server).
    language = next(a for a in engine.annotators if a.name == "language")
    assert language.detector._lingua  # type: ignore[attr-defined]


def test_a_failing_warm_up_step_is_logged_and_the_next_one_still_runs(settings, caplog):
    settings.WARM_UP = [f"{__name__}._broken", f"{__name__}._fine"]
    warmed.clear()
    with caplog.at_level(logging.INFO, logger="resonanz.core"):
        warmup.warm_up()
    assert warmed == ["fine"]
    assert [r.message for r in caplog.records] == ["worker.warm_up_failed", "worker.warmed_up"]


def test_warming_is_on_by_default_for_the_understanding_models(settings):
    assert "resonanz.understanding.pipeline.warm_up" in settings.WARM_UP


def test_what_the_warm_up_loaded_is_frozen_out_of_the_collectors_sight(settings):
    # Decision 0877: a full collection walked ~200,000 model objects (167 ms, GIL held) every time.
    import gc

    settings.WARM_UP = [f"{__name__}._fine"]
    gc.unfreeze()
    warmup.warm_up()
    assert gc.get_freeze_count() > 0
