"""HTML from outside (mail bodies, feed entries) made safe: sanitized with nh3, or flattened to text."""

from __future__ import annotations

import html
import re

import nh3

# Block-level ends become line breaks before the tags are dropped, so paragraphs stay paragraphs.
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6]|/blockquote|/pre|/table)\b[^>]*>", re.IGNORECASE)
_ITEMS = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n(\s*\n)+")
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
# The most markup that is flattened or sanitized: enough for any real mail or feed entry (the stored text
# is capped at 200,000 characters anyway); bounds the time and memory hostile input can cost (0526).
MAX_HTML_INPUT_CHARS = 1_000_000


def sanitize_html(markup: str) -> str:
    """Keep harmless formatting only: no scripts, styles, event handlers or javascript: links."""
    return nh3.clean(markup[:MAX_HTML_INPUT_CHARS])


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML fragment (scripts and styles dropped, entities decoded)."""
    marked = _ITEMS.sub("\n- ", _BREAKS.sub("\n", markup[:MAX_HTML_INPUT_CHARS]))
    stripped = nh3.clean(marked, tags=set(), clean_content_tags={"script", "style", "head", "title"})
    text = html.unescape(stripped)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
