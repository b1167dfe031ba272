"""Fit a suggestion to the channel: a tweet is not a letter. X counts "weighted characters" (twitter-text
v3: most Latin, Greek, Cyrillic and punctuation count 1, CJK and emoji 2, every link 23); the others have
plain limits. Shortening keeps whole sentences where it can, then whole words, and keeps a link to the
article at the end when one is given and fits."""

from __future__ import annotations

import re

X_LIMIT = 280
LIMITS = {"x": X_LIMIT, "facebook": 8000, "app": 2000, "phone": 2000}  # e-mail, forum: no limit
_URL = re.compile(r"https?://\S+")
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
URL_WEIGHT = 23


def weighted_length(text: str) -> int:
    """twitter-text's weighted length (links count 23 whatever their length)."""
    total = 0
    position = 0
    for match in _URL.finditer(text):
        total += _chars_weight(text[position : match.start()]) + URL_WEIGHT
        position = match.end()
    return total + _chars_weight(text[position:])


def _chars_weight(text: str) -> int:
    return sum(1 if any(low <= ord(char) <= high for low, high in _LIGHT) else 2 for char in text)


def limit_for(channel_kind: str) -> int | None:
    return LIMITS.get(channel_kind)


def shorten(text: str, channel_kind: str, link: str = "") -> str:
    """`text` as it fits `channel_kind` (unchanged when it fits); `link` is appended when shortened."""
    text = " ".join(text.split()) if channel_kind == "x" else text.strip()
    limit = limit_for(channel_kind)
    measure = weighted_length if channel_kind == "x" else len
    if limit is None or measure(text) <= limit:
        return text
    tail = f" {link}" if link else ""
    room = limit - measure(tail) - 1  # 1 for the ellipsis
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept = ""
    for sentence in sentences:
        candidate = f"{kept} {sentence}".strip()
        if measure(candidate) > room:
            break
        kept = candidate
    if kept:
        return f"{kept}{tail}".strip() if kept != text else kept
    words = ""
    for word in text.split():
        candidate = f"{words} {word}".strip()
        if measure(candidate) > room:
            break
        words = candidate
    return f"{words}…{tail}"
