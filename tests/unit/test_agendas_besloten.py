"""The besloten rule: closed sections are cut from the source before anything is rendered."""
from __future__ import annotations

import pytest

from functions import markdown
from functions.agendas import besloten

AGENDA = """# Agenda bestuursvergadering 3 december 2026

Openbaar voor leden op afspraak.

## 1. Opening

## 2. Personeel (besloten)

Vertrouwelijk: ziekteverlof van een vrijwilliger.

[dossier]: https://intern.example/dossier

### 2a. Subpunt zonder markering

Ook vertrouwelijk.

## 3. Financiën

Zie het [dossier].

# Bijlagen

Laatste regel.
"""


def test_a_closed_section_runs_to_the_next_heading_of_the_same_or_higher_rank():
    split = besloten.split(AGENDA)
    assert "Vertrouwelijk" not in split.public
    assert "Ook vertrouwelijk" not in split.public
    assert "Subpunt" not in split.public
    assert "## 3. Financiën" in split.public and "# Bijlagen" in split.public
    assert "Laatste regel." in split.public
    assert split.closed == ("2. Personeel (besloten)",)
    assert split.title == "Agenda bestuursvergadering 3 december 2026"


def test_a_closed_link_reference_never_reaches_a_public_link():
    html = markdown.to_html(besloten.split(AGENDA).public)
    assert "intern.example" not in html
    assert "[dossier]" in html  # the public text keeps its words, without the closed URL


def test_a_marked_subsection_closes_only_itself():
    source = "# A\n\n## B\n\nopen\n\n### B1 (Besloten)\n\ngeheim\n\n### B2\n\nweer open\n"
    split = besloten.split(source)
    assert "geheim" not in split.public
    assert "open" in split.public and "weer open" in split.public


def test_the_mark_is_read_as_a_reader_sees_the_heading():
    for heading in ("## Personeel *(besloten)*", "## Personeel ( besloten ) ##", "## Personeel (BESLOTEN)  ",
                    "Personeel (besloten)\n---------------"):
        split = besloten.split(f"# T\n\n{heading}\n\ngeheim\n\n# Daarna\n")
        assert "geheim" not in split.public, heading
        assert "Daarna" in split.public


def test_a_heading_in_a_code_block_is_not_a_mark():
    source = "# T\n\n```\n## Niet echt (besloten)\n```\n\nopen tekst\n"
    split = besloten.split(source)
    assert split.public == source and split.closed == ()


def test_a_marked_heading_inside_a_quote_closes_the_whole_quote_and_nothing_after():
    source = "# T\n\n> citaat\n>\n> ## Geheim (besloten)\n> weg\n\nna het citaat\n"
    split = besloten.split(source)
    assert "citaat" not in split.public.replace("na het citaat", "") and "weg" not in split.public
    assert "na het citaat" in split.public


def test_a_setext_heading_after_a_cut_keeps_only_its_last_line_and_warns():
    # Markdown reads "geheim" and "Volgende" as one heading (setext); fail closed
    source = "# T\n\nopen alinea\n## Geheim (besloten)\ngeheim\nVolgende\n=========\n"
    split = besloten.split(source)
    html = markdown.to_html(split.public)
    assert "<p>open alinea</p>" in html and "<h1>Volgende</h1>" in html and "geheim" not in html
    assert split.warnings == ("Geheim (besloten) -> geheim Volgende",)


def test_a_closed_first_heading_is_never_the_title():
    split = besloten.split("# Ontslag van X (besloten)\n\ngeheim\n")
    assert split.title == "" and "Ontslag" not in split.public


def test_headings_that_say_besloten_without_the_mark_are_published_with_a_warning():
    split = besloten.split("# T\n\n## Besloten: personeel\n\nzichtbaar\n")
    assert "zichtbaar" in split.public
    assert split.warnings == ("Besloten: personeel",)


def test_crlf_line_ends_are_cut_on_the_same_lines_as_they_are_parsed():
    split = besloten.split("# T\r\n\r\n## X (besloten)\r\ngeheim\r\n## Y\r\nopen\r\n")
    assert "geheim" not in split.public and "open" in split.public


@pytest.mark.parametrize("heading", ["Personeel (beslote)", "Personeel (besloote)", "Personeel [besloten]",
                                     "Personeel (vertrouwelijk)", "Personnel (closed)"])
def test_a_mistyped_mark_on_a_heading_is_published_with_a_warning(heading):
    split = besloten.split(f"# T\n\n## {heading}\n\nzichtbaar\n")
    assert "zichtbaar" in split.public and split.closed == ()
    assert split.warnings == (heading,)


@pytest.mark.parametrize("source, warned", [
    ("# T\n\nPersoneel (besloten)\n\nzichtbaar\n", "Personeel (besloten)"),
    ("# T\n\n<h2>Personeel (besloten)</h2>\n\nzichtbaar\n", "<h2>Personeel (besloten)</h2>"),
    ("# T\n\n- Personeel (besloten)\n- zichtbaar\n", "- Personeel (besloten)"),
])
def test_the_mark_outside_a_heading_closes_nothing_and_is_warned(source, warned):
    split = besloten.split(source)
    assert "zichtbaar" in split.public and split.closed == ()
    assert split.warnings == (warned,)


def test_besloten_as_the_dutch_word_for_decided_is_no_warning():
    split = besloten.split("# T\n\nHet bestuur heeft besloten de campagne te steunen.\n")
    assert split.warnings == ()
