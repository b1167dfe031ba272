"""Evaluation data for suggestions: IBM's Twitter customer-care conversations that end with a help document
(`ibm-cdp`) and the Kaggle customer-support tweet threads (`twcs`). Both become `Case`s: one conversation up
to the agent's answer, the company it was written to, and what the answer was."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

FORMATS = ("ibm-cdp", "twcs")
# a help document is linked by many conversations; a reply tweet answers one
ANSWERS_REPEAT = {"ibm-cdp": True, "twcs": False}

_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@\w+")
_ARCHIVE = re.compile(r"^https?://web\.archive\.org/web/\d+[a-z_]*/", re.IGNORECASE)
_SLUG_NOISE = frozenset(
    [
        "www",
        "com",
        "org",
        "net",
        "https",
        "http",
        "html",
        "htm",
        "php",
        "aspx",
        "en",
        "us",
        "gb",
        "hc",
        "answer",
        "answers",
        "article",
        "articles",
        "support",
        "help",
        "helpx",
        "kb",
        "web",
        "archive",
    ]
)


@dataclass(frozen=True)
class Case:
    """One conversation up to the agent's answer. `answer` is what must be suggested: a help document's id
    (ibm-cdp) or the reply's tweet id (twcs); `answer_text` is the agent's answer without the link."""

    key: str
    company: str
    text: str
    answer: str
    answer_text: str = ""
    answer_description: str = ""


@dataclass
class Dataset:
    cases: list[Case]
    # company -> {answer id: description}: the public pool of answers (a company's documents, a brand's
    # replies), suggested whether a past conversation linked them or not
    catalogue: dict[str, dict[str, str]] = field(default_factory=dict)


def url_words(url: str) -> str:
    """The words in a help document's address ("…/kb/stop-creative-cloud-trial-mode.html" → "stop creative
    cloud trial mode"): the only description of a document we have without its text."""
    url = _ARCHIVE.sub("", url.strip())
    url = re.sub(r"^https?://", "", url)
    words = (word.lower() for word in re.split(r"[^A-Za-z]+", url))
    return " ".join(word for word in words if len(word) > 1 and word not in _SLUG_NOISE)


def clean(text: str) -> str:
    """Handles say who, not what; a link's words say what."""
    text = _URL.sub(lambda match: f" {url_words(match.group(0))} ", text)
    return " ".join(_MENTION.sub(" ", text).split())


def read(path: str | Path, format: str) -> Dataset:
    if format == "ibm-cdp":
        return read_ibm_cdp(path)
    if format == "twcs":
        return read_twcs(path)
    raise ValueError(f"unknown format {format!r}; one of {', '.join(FORMATS)}")


def read_ibm_cdp(path: str | Path) -> Dataset:
    """dev.json-shaped file; `docID_url.tsv` and `company_docIDs.tsv` next to it (when present) give every
    company's documents, also those no conversation links."""
    path = Path(path)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a list of conversations")
    cases: list[Case] = []
    catalogue: dict[str, dict[str, str]] = {}
    for number, entry in enumerate(entries):
        try:
            company = str(entry["dialogHeader"]["company"])
            key = str(entry["dialogHeader"].get("sessionID") or f"{path.name}:{number}")
            link = entry["agentURL"]
            turns = entry["dialogContent"]
            text = clean(" ".join(str(turn.get("message", "")) for turn in turns))
            doc_id, url = str(link["doc_id"]), str(link.get("url", ""))
            answer_text = clean(str(link.get("url_utterance", "")).replace(url, " ") if url else "")
        except (KeyError, TypeError, AttributeError):
            raise ValueError(
                f"{path}: conversation {number} lacks dialogHeader/dialogContent/agentURL"
            ) from None
        cases.append(
            Case(
                key, company, text, answer=doc_id, answer_text=answer_text, answer_description=url_words(url)
            )
        )
    known = {row[0]: row[1] for row in _read_tsv(path.parent / "docID_url.tsv") if len(row) >= 2}
    for row in _read_tsv(path.parent / "company_docIDs.tsv"):
        if len(row) < 2:
            continue
        company_docs = catalogue.setdefault(row[0], {})
        for doc_id in (part.strip() for part in row[1].split(",")):
            if doc_id and doc_id in known:
                company_docs.setdefault(doc_id, url_words(known[doc_id]))
    return Dataset(cases=cases, catalogue=catalogue)


def _read_tsv(path: Path) -> list[list[str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if row]


def read_twcs(path: str | Path) -> Dataset:
    """threads_dev.csv-shaped file: every brand reply to a customer tweet is one case; its text is the thread
    up to that reply (customer and brand turns); every brand's replies are its catalogue."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not {"thread_id", "tweet_id", "author_id", "inbound", "text"} <= set(rows[0]):
        raise ValueError(f"{path}: expected thread_id, tweet_id, author_id, inbound, text columns")
    by_id = {row["tweet_id"]: row for row in rows}
    cases: list[Case] = []
    catalogue: dict[str, dict[str, str]] = {}
    for row in sorted(rows, key=_created):
        if row["inbound"] != "False":
            continue
        brand, reply_text = row["author_id"], clean(row["text"])
        catalogue.setdefault(brand, {})[row["tweet_id"]] = reply_text
        before = list(_thread_before(row, by_id))
        if not any(turn["inbound"] == "True" for turn in before):
            continue
        text = clean(" ".join(turn["text"] for turn in reversed(before)))
        cases.append(
            Case(
                row["thread_id"],
                brand,
                text,
                row["tweet_id"],
                answer_text=reply_text,
                answer_description=reply_text,
            )
        )
    return Dataset(cases=cases, catalogue=catalogue)


def _thread_before(row: dict[str, str], by_id: dict[str, dict[str, str]]) -> Iterable[dict[str, str]]:
    """The tweets this one answers, nearest first (at most 20: threads are short)."""
    seen: set[str] = set()
    parent = row.get("in_response_to_tweet_id", "")
    while parent and parent in by_id and parent not in seen and len(seen) < 20:
        seen.add(parent)
        yield by_id[parent]
        parent = by_id[parent].get("in_response_to_tweet_id", "")


def _created(row: dict[str, str]) -> float:
    try:
        return datetime.strptime(row.get("created_at", ""), "%a %b %d %H:%M:%S %z %Y").timestamp()
    except ValueError:
        return 0.0
