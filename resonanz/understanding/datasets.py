"""Training data: GermEval 2017 TSV files, simple JSONL files and agents' corrections."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlparse

from resonanz.understanding.classifier import Example

TASKS = ("relevance", "sentiment", "topic")


def source_of_url(url: str) -> str:
    host = urlparse(url).netloc.lower()
    if host.endswith(("twitter.com", "x.com", "t.co")):
        return "x"
    if host.endswith(("facebook.com", "fb.com")):
        return "facebook"
    return "web" if host else "other"


def source_of_channel(kind: str, config: dict[str, object] | None = None) -> str:
    """The same source names for live messages: the fake channel imitates a platform."""
    imitated = str((config or {}).get("imitates", "")) if kind in ("fake", "webhook") else ""
    kind = imitated or kind
    return {
        "x": "x",
        "twitter": "x",
        "facebook": "facebook",
        "email": "email",
        "feed": "web",
        "feeds": "web",
        "forum": "forum",
        "app": "app",
        "phone": "phone",
    }.get(kind, "other")


# The terms the GermEval 2017 documents were collected with (posts about Deutsche Bahn): a property of that
# data set, as the search words of a listening channel are a property of a workspace's history.
GERMEVAL_LISTENING_TERMS = ("bahn", "db", "zug", "züge", "ice")


def listening_terms(paths: Iterable[str | Path], workspace_slug: str = "") -> list[str]:
    """The words a stream of public posts was found by — the relevance model reads the words around them.

    A workspace's own: the keywords of its listening channel accounts (`config["keywords"]`, e.g. a feed's).
    Otherwise GermEval-format files bring the terms their corpus was collected with. None found: the
    model does without (`--context-terms` always wins; decision 0009)."""
    if workspace_slug:
        from resonanz.channels.models import ChannelAccount

        terms: list[str] = []
        for config in ChannelAccount.objects.filter(workspace__slug=workspace_slug).values_list(
            "config", flat=True
        ):
            keywords = config.get("keywords") if isinstance(config, dict) else None
            for keyword in keywords if isinstance(keywords, list) else []:
                for word in str(keyword).lower().split():
                    if word not in terms:
                        terms.append(word)
        if terms:
            return terms[:50]
    if any(Path(path).suffix.lower() in (".tsv", ".csv") for path in paths):
        return list(GERMEVAL_LISTENING_TERMS)
    return []


def read_file(path: Path, task: str) -> list[Example]:
    """A .tsv in the GermEval 2017 format (columns text, relevance, sentiment, source_url) or JSONL
    ({"text": …, "label": …, "source": optional})."""
    if path.suffix.lower() in (".tsv", ".csv"):
        return _read_tsv(path, task)
    return _read_jsonl(path)


def _read_tsv(path: Path, task: str) -> list[Example]:
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames is None or "text" not in reader.fieldnames or task not in reader.fieldnames:
            raise ValueError(f"{path}: needs the columns text and {task}")
        return [
            Example(
                row["text"] or "",
                row[task],
                source_of_url(row.get("source_url") or ""),
                row.get("source_url") or "",
            )
            for row in reader
            if row.get(task)
        ]


def _read_jsonl(path: Path) -> list[Example]:
    examples = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                examples.append(
                    Example(
                        str(row["text"]),
                        str(row["label"]),
                        str(row.get("source", "other")),
                        str(row.get("url") or ""),
                    )
                )
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}:{number}: not a {{text, label}} object ({error})") from None
    return examples


def read_files(paths: Iterable[str | Path], task: str) -> list[Example]:
    examples: list[Example] = []
    for path in paths:
        examples.extend(read_file(Path(path), task))
    return examples


def corrections(workspace_slug: str, task: str) -> list[Example]:
    """Agents' corrections in one workspace as training examples."""
    from resonanz.understanding.models import Correction

    rows = (
        Correction.objects.filter(workspace__slug=workspace_slug, annotator=task)
        .select_related("message__channel_account")
        .order_by("id")
    )
    return [
        Example(
            row.message.text,
            row.label,
            source_of_channel(row.message.channel_account.kind, row.message.channel_account.config),
            row.message.url or "",
        )
        for row in rows
    ]


def label_counts(examples: Sequence[Example]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for example in examples:
        counts[example.label] = counts.get(example.label, 0) + 1
    return dict(sorted(counts.items()))
