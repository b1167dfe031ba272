"""`resonanz train --task {relevance,sentiment,topic} --data FILE... --out MODEL`: train a classifier on
GermEval-style TSV or JSONL files (and, with --corrections WORKSPACE, on agents' corrections) and write it
to MODEL (.npz). With --workspace SLUG the model is installed for that workspace's annotators."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resonanz.cli.management.commands.eval import add_model_options, build_options
from resonanz.understanding import classifier
from resonanz.understanding.datasets import corrections, label_counts, read_files


class Command(BaseCommand):
    help = "Train a relevance, sentiment or topic classifier."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--task", required=True, choices=("relevance", "sentiment", "topic"))
        parser.add_argument("--data", nargs="*", default=[], metavar="FILE")
        parser.add_argument("--corrections", default="", metavar="WORKSPACE", help="add agents' corrections")
        parser.add_argument("--out", required=True, metavar="MODEL")
        parser.add_argument("--workspace", default="", help="install the model for this workspace (slug)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="install even if the model is worse than what it replaces on the held-out corrections",
        )
        add_model_options(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        task = options["task"]
        try:
            examples = read_files(options["data"], task)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        sources = [str(p) for p in options["data"]]
        file_examples = list(examples)
        if options["corrections"]:
            examples += corrections(options["corrections"], task)
            sources.append(f"corrections:{options['corrections']}")
        if not examples:
            raise CommandError("no training examples: give --data FILE... or --corrections WORKSPACE")
        opts = build_options(options, task)
        embeddings = None
        if opts.embedding_weight > 0:
            from resonanz.understanding.embedding import embed_texts

            embeddings = embed_texts([e.text for e in examples])
        started = time.perf_counter()
        try:
            model = classifier.train(
                task,
                examples,
                opts,
                embeddings,
                trained_on={
                    "files": [Path(s).name for s in sources],
                    "documents": len(examples),
                    "labels": label_counts(examples),
                },
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        out = Path(options["out"])
        model.save(out)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{task}: {len(examples)} documents {label_counts(examples)} → {out} "
            f"({out.stat().st_size / 1024:.0f} KiB, version {model.version}, {seconds:.1f} s)"
        )
        if options["workspace"]:
            from resonanz.understanding.actions import do_install_model
            from resonanz.workspaces.models import Workspace

            workspace = Workspace.objects.filter(slug=options["workspace"]).first()
            if workspace is None:
                raise CommandError(f"no workspace {options['workspace']!r}")
            if task in ("sentiment", "relevance"):
                self._compare(task, file_examples, workspace.slug, options, opts, model)
            do_install_model(workspace, task, out.resolve(), model)
            self.stdout.write(f"installed for workspace {workspace.slug!r}")

    def _compare(
        self,
        task: str,
        file_examples: list[classifier.Example],
        slug: str,
        options: dict[str, Any],
        opts: classifier.Options,
        model: classifier.TextClassifier,
    ) -> None:
        """Never silently worse: measure on the workspace's held-out corrections against what the model
        replaces (the default sentiment model; for relevance, no model). Worse → not installed."""
        from resonanz.understanding import quality

        trains_on_corrections = options["corrections"] == slug
        embed = None
        if opts.embedding_weight > 0:
            from resonanz.understanding.embedding import embed_texts

            embed = embed_texts
        comparison = quality.compare(
            task,
            file_examples
            if trains_on_corrections
            else [*file_examples, *self._other_corrections(options, task)],
            corrections(slug, task),
            opts,
            embed,
            trains_on_corrections=trains_on_corrections,
        )
        if comparison is None:
            self.stdout.write("not compared: too few corrections of two labels in the workspace")
            return
        model.trained_on["held_out"] = comparison.to_json()
        self.stdout.write(
            f"held-out corrections ({comparison.held_out}): this model micro-F1 "
            f"{comparison.model['micro_f1']:.4f} macro-F1 {comparison.model['macro_f1']:.4f}; "
            f"{comparison.baseline_name} {comparison.baseline['micro_f1']:.4f} / "
            f"{comparison.baseline['macro_f1']:.4f}"
        )
        if not comparison.better and not options["force"]:
            raise CommandError(
                f"not installed: worse than {comparison.baseline_name} on the held-out corrections "
                "(--force installs it anyway)"
            )

    @staticmethod
    def _other_corrections(options: dict[str, Any], task: str) -> list[classifier.Example]:
        return corrections(options["corrections"], task) if options["corrections"] else []
