"""One jinja2 Environment for every HTML and text template (autoescape on, strict).

Rendering is a pure function of template name, language and context, so it is tested
without any AWS. jinja2 is imported on first use, not at import time of ``app.py``.
"""
from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from functions.i18n import Catalogs, default_catalogs, translations_for

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


class Renderer:
    def __init__(self, catalogs: Catalogs | None = None, template_dir: Path = TEMPLATE_DIR):
        self.catalogs = catalogs or default_catalogs()
        self.template_dir = template_dir

    @cached_property
    def env(self) -> Any:
        """The jinja2 Environment, built on the first render: a handler that only needs the
        catalogs (a calendar feed's labels) never pays for jinja2 (~35 ms of a cold start)."""
        import jinja2

        return jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.template_dir)),
            autoescape=jinja2.select_autoescape(["html", "xml", "svg", "atom"], default_for_string=True),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, name: str, lang: str, **context: Any) -> str:
        from functions import afdeling

        template = self.env.get_template(name)
        context.setdefault("afdeling", afdeling.current())
        return template.render(**translations_for(self.catalogs, lang), **context)


@lru_cache(maxsize=1)
def default_renderer() -> Renderer:
    return Renderer()
