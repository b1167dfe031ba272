"""Text hygiene applied to everything that enters from outside."""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT_LENGTH = 200_000
# C0/C1 control characters except tab, newline, carriage return. NUL cannot be stored in PostgreSQL text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> tuple[str, bool]:
    """NFC-normalize, drop control characters, cap the length. Returns (text, was_truncated).

    HTML is kept as the literal text the customer wrote; templates escape it when rendering."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    if len(text) > MAX_TEXT_LENGTH:
        return text[:MAX_TEXT_LENGTH], True
    return text, False


def one_line(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
