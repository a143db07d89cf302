"""Besloten (closed) parts of a Markdown agenda: what the public never sees.

The rule (docs/agendas.md says the same, with examples):
1. A **heading whose text ends in "(besloten)"** starts a closed section. Case and spaces
   inside the brackets do not matter ("(Besloten)", "( besloten )"); the text is the heading
   as a reader sees it (``## Personeel *(besloten)*`` counts; ATX and setext headings both).
2. The section runs **to the next heading of the same or a higher rank** (a smaller or equal
   number of ``#``) or to the end of the document. Everything in it is closed: its
   sub-headings whatever they say, paragraphs, lists, tables, code, and link reference
   definitions (so a public ``[link]`` can never pick up a closed URL).
3. A marked heading **inside a quote or a list** closes that whole top-level quote or list
   (fail closed: never less), and nothing after it.
4. Text before the first heading is public; a ``# ... (besloten)`` inside a code block is
   code, not a heading.

The public text is the source with the closed line ranges cut out (a blank line in their
place), rendered afterwards: nothing of a closed part reaches the public HTML, the plain
text, the title or the feed. A heading that mentions "besloten" but does not end in the mark
is reported back to the uploader as a warning: it *is* published; so is a mistyped mark
("(beslote)", "[besloten]", "(vertrouwelijk)") and the mark outside a heading (on a
paragraph, a list item, raw HTML such as ``<h2>… (besloten)</h2>``), which closes nothing. So is a closed section
that ends at an underlined (setext) heading: Markdown reads every line above ``===``/``---``
as part of that heading, so only its last line stays public, and the uploader is asked to
check (put a blank line above a ``---`` that is meant as a rule).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from functions import markdown

MARK = re.compile(r"\(\s*besloten\s*\)\s*$", re.IGNORECASE)
# Published, but probably meant closed: said back to the uploader as a warning.
# In a heading: the word (or a typo of it, "(beslote)", "(besloote)", "[besloten]") or another
# word for it; "Besluiten" (decisions) is no near miss.
NEAR_MISS = re.compile(r"beslo|vertrouwelijk|confidential|\(\s*closed\s*\)", re.IGNORECASE)
# In a paragraph, a list, a table or raw HTML (``<h2>… (besloten)</h2>``) only the bracketed
# mark: "besloten" alone is also the Dutch for "decided".
NEAR_MISS_IN_TEXT = re.compile(r"[(\[]\s*(beslo\w*|vertrouwelijk|confidential|closed)\s*[)\]]",
                               re.IGNORECASE)
TEXT_BLOCKS_NOT_WARNED = ("fence", "code_block")


@dataclass(frozen=True)
class Split:
    public: str                       # the Markdown the public may see
    closed: tuple[str, ...]           # the headings (or block kinds) that were withheld
    warnings: tuple[str, ...]         # headings that say "besloten" but are published
    title: str                        # the first top-level heading of the public part ('' if none)


def normalize(source: str) -> str:
    """Line ends as the Markdown parser counts them (CRLF and CR become LF)."""
    return re.sub(r"\r\n?", "\n", source)


def is_marked(heading_text: str) -> bool:
    return bool(MARK.search(heading_text))


def split(source: str) -> Split:
    """The public part of ``source`` and what was withheld (see the module docstring)."""
    source = normalize(source)
    lines = source.split("\n")
    blocks = markdown.blocks(source)
    cuts: list[tuple[int, int]] = []
    closed: list[str] = []
    warnings: list[str] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "heading" and is_marked(block.text):
            after = next((b for b in blocks[i + 1:]
                          if b.kind == "heading" and b.level <= block.level), None)
            end = after.start if after else len(lines)
            if after is not None and after.setext:
                # Markdown reads the lines above a === / --- underline as one heading: keep
                # only its last line public (fail closed), and tell the uploader to check
                end = max(end, after.end - 2)
                warnings.append(f"{block.text} -> {after.text}")
            cuts.append((block.start, end))
            closed.append(block.text)
            while i < len(blocks) and blocks[i].start < end:
                i += 1
            continue
        marked = [text for _, text in block.headings if is_marked(text)]
        if marked:
            cuts.append((block.start, block.end))
            closed.extend(marked)
        else:
            texts = [block.text] if block.kind == "heading" else [t for _, t in block.headings]
            warnings.extend(t for t in texts if NEAR_MISS.search(t))
            if block.kind != "heading" and block.kind not in TEXT_BLOCKS_NOT_WARNED:
                warnings.extend(line.strip()[:120] for line in lines[block.start:block.end]
                                if NEAR_MISS_IN_TEXT.search(line))
        i += 1
    public_lines: list[str] = []
    position = 0
    for start, end in cuts:
        public_lines.extend(lines[position:start])
        public_lines.append("")  # keeps the blocks around a cut apart
        position = end
    public_lines.extend(lines[position:])
    public = "\n".join(public_lines) if cuts else source
    title = next((b.text for b in markdown.blocks(public) if b.kind == "heading"), "") if cuts else \
        next((b.text for b in blocks if b.kind == "heading"), "")
    return Split(public=public, closed=tuple(closed), warnings=tuple(warnings), title=title)
