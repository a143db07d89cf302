"""Markdown to safe HTML and to plain text: one renderer for every area that takes Markdown
(board agendas, newsletter articles).

Two layers, so that one mistake is not enough for a script to reach a reader:
1. ``markdown-it-py`` (CommonMark, plus GitHub tables and strikethrough) with raw HTML
   **off**: ``<script>`` in the source is text, not a tag; its link validator refuses
   ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` links. Images become plain links
   (the pages' Content-Security-Policy would block outside images anyway, and an image is
   also a tracking pixel in a mail).
2. ``nh3`` (the Ammonia sanitiser) with an allow-list: only the tags and attributes below
   survive, links only ``http``, ``https``, ``mailto`` or relative, ``rel="noopener
   noreferrer"`` on every link, comments stripped, style only ``text-align`` on table cells.

The libraries are imported on first use (markdown-it-py ~50-80 ms without .pyc, nh3 ~1 ms):
never at import time of a routes module. Rendering is a pure function of the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": frozenset({"href", "title"}), "ol": frozenset({"start"}),
                      "th": frozenset({"style"}), "td": frozenset({"style"})}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Inline Markdown punctuation, escaped anywhere in text we put into a document (escape());
# what could open a block (a heading, a list, a quote) is escaped at the start only.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|<>~&])")
_BLOCK_START = re.compile(r"^([#+\-=>:]|[0-9]+(?=[.)]))")


@dataclass(frozen=True)
class Block:
    """One top-level block of a document: where it starts and ends (line numbers, end
    exclusive) and, for a heading, its level and text."""
    start: int
    end: int
    kind: str            # "heading", "paragraph", "list", "blockquote", "table", "code", ...
    level: int = 0       # 1-6 for a heading
    text: str = ""       # the heading's text as a reader sees it (inline Markdown removed)
    headings: tuple[tuple[int, str], ...] = ()  # headings nested inside (a quote, a list)
    setext: bool = False  # a heading underlined with === or --- (its text may span lines)


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt  # deferred: ~50-80 ms of a cold start

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_link)
    return md


def _image_as_link(renderer: Any, tokens: list, idx: int, options: Any, env: Any) -> str:
    from markdown_it.common.utils import escapeHtml

    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env) or token.attrGet("src") or ""
    return f'<a href="{escapeHtml(str(token.attrGet("src") or ""))}">{escapeHtml(alt)}</a>'


@lru_cache(maxsize=1)
def _cleaner() -> Any:
    import nh3  # deferred (a Rust extension; ~1 ms)

    return nh3.Cleaner(tags=set(ALLOWED_TAGS),
                       attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                       url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer",
                       strip_comments=True, filter_style_properties={"text-align"},
                       url_relative="pass_through")


def to_html(source: str) -> str:
    """Safe HTML for ``source`` (Markdown): rendered without raw HTML, then sanitised."""
    return _cleaner().clean(_parser().render(source))


def sanitize(html: str) -> str:
    """The allow-list sanitiser on its own, for HTML from elsewhere."""
    return _cleaner().clean(html)


def blocks(source: str) -> list[Block]:
    """The top-level blocks of ``source`` with their line ranges, as the parser sees them
    (a ``#`` inside a fenced code block is no heading; a setext heading is one)."""
    tokens = _parser().parse(source)
    out: list[Block] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.level != 0 or token.nesting == -1 or not token.map:
            i += 1
            continue
        start, end = token.map
        if token.type == "heading_open":
            text = _inline_text(tokens[i + 1]) if i + 1 < len(tokens) else ""
            out.append(Block(start, end, "heading", int(token.tag[1]), text,
                             setext=token.markup in ("=", "-")))
            i += 3
            continue
        nested: list[tuple[int, str]] = []
        j = i + 1
        if token.nesting == 1:  # a container: find its closing token, collect inner headings
            depth = 1
            while j < len(tokens) and depth:
                inner = tokens[j]
                if inner.level == 0 and inner.nesting == -1:
                    depth -= 1
                elif inner.type == "heading_open":
                    nested.append((int(inner.tag[1]), _inline_text(tokens[j + 1])))
                j += 1
        out.append(Block(start, end, token.type.replace("_open", ""), headings=tuple(nested)))
        i = j
    return out


def _inline_text(token: Any) -> str:
    """The text of an inline token as a reader sees it (emphasis, code and links unwrapped)."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts).strip()


def to_text(source: str, width_rule: int = 40) -> str:
    """Plain text for ``source`` (a mail's text part, a feed summary): paragraphs separated by
    a blank line, headings underlined, list items with ``-`` or their number, links as
    ``text (url)``, code as it is. Raw HTML stays visible as the text it is; nothing in plain
    text is ever interpreted as markup."""
    tokens = _parser().parse(source)
    lines: list[str] = []
    prefix_stack: list[str] = []
    numbers: list[int] = []
    pending_item = ""
    row: list[str] | None = None

    def emit(text: str) -> None:
        nonlocal pending_item
        indent = "".join(prefix_stack)
        for n, line in enumerate(text.split("\n")):
            lead = (indent[:-len(pending_item)] + pending_item) if (n == 0 and pending_item) else indent
            lines.append((lead + line).rstrip())
        pending_item = ""

    def blank() -> None:
        if lines and lines[-1] != "":
            lines.append("")

    for i, token in enumerate(tokens):
        t = token.type
        if t == "heading_open":
            blank()
        elif t == "inline" and row is not None:
            row.append(_inline_plain(token))
        elif t == "inline":
            text = _inline_plain(token)
            prev = tokens[i - 1].type if i else ""
            emit(text)
            if prev == "heading_open":
                level = int(tokens[i - 1].tag[1])
                lines.append(("=" if level == 1 else "-") * min(len(text), width_rule))
        elif t in ("paragraph_close", "heading_close", "fence", "code_block", "table_close",
                   "hr", "bullet_list_close", "ordered_list_close", "blockquote_close"):
            if t in ("fence", "code_block"):
                emit(token.content.rstrip("\n"))
            if t == "hr":
                emit("-" * width_rule)
            if t in ("bullet_list_close", "ordered_list_close"):
                prefix_stack.pop() if prefix_stack else None
                numbers.pop() if numbers else None
            if t == "blockquote_close" and prefix_stack:
                prefix_stack.pop()
            if not prefix_stack or t in ("bullet_list_close", "ordered_list_close"):
                blank()
        elif t == "blockquote_open":
            prefix_stack.append("> ")
        elif t in ("bullet_list_open", "ordered_list_open"):
            prefix_stack.append("   ")
            numbers.append(int(token.attrGet("start") or 1) if t == "ordered_list_open" else 0)
        elif t == "list_item_open":
            if numbers and numbers[-1]:
                pending_item = f"{numbers[-1]}. "
                numbers[-1] += 1
            else:
                pending_item = "-  "
        elif t == "tr_open":
            row = []
        elif t == "tr_close":
            emit(" | ".join(row or []))
            row = None
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text) + ("\n" if text else "")


def _inline_plain(token: Any) -> str:
    out: list[str] = []
    href_stack: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "link_open":
            href_stack.append(str(child.attrGet("href") or ""))
            out.append("")
        elif child.type == "link_close":
            href = href_stack.pop() if href_stack else ""
            if href:
                out.append(f" ({href})")
        elif child.type == "image":
            src = str(child.attrGet("src") or "")
            out.append(f"{_inline_text(child)} ({src})" if src else _inline_text(child))
    return "".join(out)


def escape(text: str) -> str:
    """``text`` as literal Markdown inline text: one line, every Markdown character escaped,
    so a value from a form or a roster cannot add a heading, a link or a "(besloten)" mark."""
    one_line = " ".join(str(text).split())
    escaped = _SPECIAL.sub(r"\\\1", one_line)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1),
                            escaped)
