"""Load models before a worker process takes work (decision 0876).

A worker process loads the understanding models the first time a message needs them: the sentence encoder
alone costs most of a second of CPU, and the messages of that first task wait for it (and for the language
detector, the word lists, the place names). `warm_up()` runs the functions of settings.WARM_UP once, at
process start, so the first messages are handled at the steady speed. A failing warm-up is logged and the
process starts anyway: whatever it did not load is loaded on first use, as before."""

from __future__ import annotations

import gc
import logging
import time

from django.conf import settings
from django.db import connections
from django.utils.module_loading import import_string

logger = logging.getLogger("resonanz.core")


def warm_up() -> None:
    for path in settings.WARM_UP:
        started = time.perf_counter()
        try:
            import_string(path)()
        except Exception:
            logger.exception("worker.warm_up_failed", extra={"step": path})
            continue
        logger.info(
            "worker.warmed_up", extra={"step": path, "seconds": round(time.perf_counter() - started, 2)}
        )
    # The warm-up ran in the process's start-up thread, which serves nothing: its connections would idle.
    connections.close_all()
    # What is loaded now (models, word lists, place names: millions of objects) lives as long as the process:
    # out of the garbage collector's sight, a full collection no longer walks it every time (decision 0877).
    gc.collect()
    gc.freeze()
