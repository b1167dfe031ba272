"""Article Markdown to safe HTML: markdown-it-py with raw HTML off (a `<script>` in the text stays text),
then nh3 with an explicit allow-list (links only to http(s) and mailto, no images from elsewhere, no styles).
Also the plain text of an article, for search, suggestions and the composer."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def to_html(markdown: str) -> str:
    return nh3.clean(
        _markdown.render(markdown),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


_MARKUP = re.compile(r"[#*_>`|]+")
_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)")


def to_text(markdown: str) -> str:
    """Plain text: link texts kept with their address, list and heading markers dropped, one space between
    words inside a paragraph, blank line between paragraphs."""
    text = _LINK.sub(
        lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(2).startswith("http") else m.group(1), markdown
    )
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [re.sub(r"^\s*(?:[-+*]|\d+[.)])\s+", "", line) for line in block.splitlines()]
        paragraph = " ".join(_MARKUP.sub(" ", line).strip() for line in lines)
        paragraph = " ".join(paragraph.split())
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)
