"""The shared Markdown renderer: real Markdown, an allow-list sanitiser, inert XSS, plain text."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from functions import markdown

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](  javascript:alert(1))",
    "[klik](vbscript:msgbox(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "[x](https://example.org \"t\" onmouseover=alert(1))",
    "<style>body{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    "[a]: javascript:alert(1)\n\n[a]",
    "<details open ontoggle=alert(1)>",
    "`<script>alert(1)</script>`",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def real_tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_come_out_inert(payload):
    html = markdown.to_html(f"# Titel\n\n{payload}\n")
    for tag, attrs in real_tags(html):
        assert tag in markdown.ALLOWED_TAGS, html
        assert set(attrs) <= markdown.ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set()), html
        href = (attrs.get("href") or "").strip().lower()
        assert not href or href.startswith(("http://", "https://", "mailto:", "/", "#")) \
            or ":" not in href.split("/")[0], html


def test_markdown_is_rendered_with_tables_lists_and_links():
    html = markdown.to_html("## Punten\n\n1. Opening\n2. **Notulen** van [vorige keer](/agendas/2026-11-19)\n\n"
                            "| wie | wat |\n|---|--:|\n| Tim | 12 |\n\n~~oud~~\n")
    assert "<h2>Punten</h2>" in html
    assert "<ol>" in html and "<strong>Notulen</strong>" in html
    assert '<a href="/agendas/2026-11-19" rel="noopener noreferrer">vorige keer</a>' in html
    assert "<table>" in html and 'style="text-align:right"' in html
    assert "<del>oud</del>" in html or "<s>oud</s>" in html


def test_images_become_links_so_no_outside_image_is_ever_loaded():
    html = markdown.to_html("![foto van de demo](https://example.org/foto.jpg)")
    assert "<img" not in html
    assert '<a href="https://example.org/foto.jpg" rel="noopener noreferrer">foto van de demo</a>' in html


def test_the_sanitiser_alone_strips_what_is_not_allowed():
    assert markdown.sanitize('<p onclick="x()">a<script>b</script></p>') == "<p>a</p>"
    assert markdown.sanitize('<a href="javascript:alert(1)">x</a>') == '<a rel="noopener noreferrer">x</a>'


def test_plain_text_keeps_structure_and_shows_links_and_raw_html_as_text():
    text = markdown.to_text("# Agenda\n\nZie [de site](https://bij1.org).\n\n- een\n- twee\n\n"
                            "1. eerste\n2. tweede\n\n<b>vet</b>\n")
    assert text.startswith("Agenda\n======\n\n")
    assert "Zie de site (https://bij1.org)." in text
    assert "-  een\n-  twee" in text
    assert "1. eerste\n2. tweede" in text
    assert "<b>vet</b>" in text  # shown as the text it is: plain text is never markup


def test_blocks_know_headings_from_code_and_setext_headings():
    source = "Intro\n\n```\n# geen kop\n```\n\nKop\n===\n\n> ## In een citaat\n"
    kinds = [(b.kind, b.level, b.text) for b in markdown.blocks(source)]
    assert ("heading", 1, "Kop") in kinds
    assert not any(text == "geen kop" for _, _, text in kinds)
    quote = [b for b in markdown.blocks(source) if b.kind == "blockquote"][0]
    assert quote.headings == ((2, "In een citaat"),)


def test_escape_makes_any_value_one_line_of_literal_text():
    escaped = markdown.escape("Sam\n## Kop [a](javascript:x) *b*")
    html = markdown.to_html(escaped)
    assert "<h2>" not in html and "<a" not in html and "<em>" not in html
    assert "\n" not in escaped
