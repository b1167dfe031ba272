"""Region: the federal state from the customer's postal code, else a postal code, place or state name in
the text (offline gazetteer). No result, no row."""

from __future__ import annotations

from resonanz.understanding.annotators.base import Batch, Result, WorkspaceConfig
from resonanz.understanding.annotators.models import WorkspaceModels
from resonanz.understanding.region import region_of

VERSION = "gazetteer-1"


class RegionAnnotator:
    name = "region"
    version = VERSION
    inputs: tuple[str, ...] = ("text", "profile")
    outputs: tuple[str, ...] = ()  # the German name of a federal state
    correctable = False

    def __init__(self, config: WorkspaceConfig, models: WorkspaceModels) -> None:
        pass

    def annotate(self, batch: Batch) -> None:
        for i, message in enumerate(batch.messages):
            found = region_of(batch.texts[i], postal_code=message.postal_code, city=message.city)
            if found is not None:
                data = {"city": found.city, "postal_code": found.postal_code, "source": found.source}
                batch.put(i, Result("region", VERSION, found.state, None, data))
