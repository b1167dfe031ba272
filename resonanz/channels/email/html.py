"""HTML from outside (mail bodies, feed entries) made safe: sanitized with nh3, or flattened to text.

Flattening is inscriptis (decision 0560): it lays out the parse tree as a browser would, so text keeps its
reading order, block elements their own lines, list items their markers and table cells their rows. Layout
tables (newsletters nest their whole page in them) are read cell after cell instead of side by side."""

from __future__ import annotations

import html
import re

import nh3
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.html_engine import Inscriptis
from inscriptis.model.config import ParserConfig
from lxml.etree import ParserError
from lxml.html import HtmlElement, HTMLParser, document_fromstring

# The "strict" profile indents only what a browser indents (no padding around every div); links stay as
# their text: the URL is in the sanitized HTML an agent sees, and a model gains nothing from it.
_CONFIG = ParserConfig(css=CSS_PROFILES["strict"], display_links=False, display_anchors=False)
# libxml2 refuses NUL and most C0 controls in a string; they carry no text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n{3,}")
_BLOCKS = frozenset({"p", "div", "table", "ul", "ol", "dl", "blockquote", "pre", "h1", "h2", "h3", "h4"})
_BLOCKS |= {"h5", "h6", "section", "article", "header", "footer", "center", "hr"}
_LAYOUT_ROLES = frozenset({"presentation", "none"})
# libxml2 nests up to 256 elements by default and drops what lies deeper; "huge" allows 2048.
_PARSER = HTMLParser(huge_tree=True, remove_comments=True)
_FLAT_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6]|/blockquote|/pre|/table)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
# The most markup that is flattened or sanitized: enough for any real mail or feed entry (the stored text
# is capped at 200,000 characters anyway); bounds the time and memory hostile input can cost (0526).
MAX_HTML_INPUT_CHARS = 1_000_000


def sanitize_html(markup: str) -> str:
    """Keep harmless formatting only: no scripts, styles, event handlers or javascript: links."""
    return nh3.clean(markup[:MAX_HTML_INPUT_CHARS])


def _is_layout_table(table: HtmlElement) -> bool:
    """A table used for page layout: declared so, or a cell of its own holds paragraphs, headings, lists or
    another table. A data table (rows of short cells) is none of these."""
    if (table.get("role") or "").strip().lower() in _LAYOUT_ROLES:
        return True
    for cell in table.iter("td", "th"):
        if _owning_table(cell) is not table:
            continue
        if any(child.tag in _BLOCKS for child in cell.iterdescendants() if isinstance(child.tag, str)):
            return True
    return False


def _owning_table(element: HtmlElement) -> HtmlElement | None:
    for ancestor in element.iterancestors("table"):
        return ancestor
    return None


def _unwrap_layout_tables(tree: HtmlElement) -> None:
    """Layout tables become plain blocks, so their cells are read one after the other, top to bottom."""
    layout = [table for table in tree.iter("table") if _is_layout_table(table)]
    own_parts = [
        element
        for table in layout
        for element in table.iter("thead", "tbody", "tfoot", "tr", "td", "th", "caption")
        if _owning_table(element) is table
    ]
    for element in [*layout, *own_parts]:
        element.tag = "div"


def _tidy(text: str) -> str:
    # Leading spaces are the renderer's indentation (list markers, cells after inter-cell whitespace): a
    # reader and a model are better off without them. Inner runs of spaces separate table cells: kept.
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _flat_text(markup: str) -> str:
    """The words without layout, for markup the renderer cannot take (nesting deeper than 2048 levels)."""
    stripped = nh3.clean(
        _FLAT_BREAKS.sub("\n", markup), tags=set(), clean_content_tags={"script", "style", "head", "title"}
    )
    return _tidy(_SPACES.sub(" ", html.unescape(stripped)))


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML document or fragment: reading order kept, paragraphs and headings
    separated by a blank line, list items and table rows on lines of their own, link texts in place; scripts,
    styles, the head and hidden elements dropped, entities decoded."""
    markup = _CONTROL.sub(" ", markup[:MAX_HTML_INPUT_CHARS]).strip()
    if not markup:
        return ""
    if (
        "<" not in markup
    ):  # a feed title, a plain summary: text with entities, whitespace collapsed as HTML does
        return " ".join(html.unescape(markup).split())
    if markup.startswith("<?xml"):
        markup = markup.split("?>", 1)[-1]
    try:
        tree = document_fromstring(markup, parser=_PARSER)
        _unwrap_layout_tables(tree)
        text = _tidy(Inscriptis(tree, _CONFIG).get_text())
    except (ParserError, ValueError, RecursionError):  # recursion: nesting deeper than the renderer goes
        return _flat_text(markup)
    # libxml2 drops what is nested deeper than 2048 levels: never lose a message's words to that.
    return text or _flat_text(markup)
