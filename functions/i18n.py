"""Translation catalogs: flat JSON files named ``<language>.json`` under ``templates/i18n``
(one set per area in subfolders, e.g. ``templates/i18n/meldpunt/en.json``).

Adding a language is adding catalog files; nothing else changes. Dutch is the
default and the reference: a key missing from another catalog falls back to Dutch.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

DEFAULT_LANGUAGE = "nl"
CATALOG_DIR = Path(__file__).resolve().parent.parent / "templates" / "i18n"


class Catalogs:
    """All catalogs found in ``dirs`` (later dirs add or override languages)."""

    def __init__(self, dirs: Iterable[Path] = (CATALOG_DIR,)):
        self._catalogs: dict[str, dict[str, str]] = {}
        for d in dirs:
            for path in sorted(Path(d).rglob("*.json")):
                self._catalogs.setdefault(path.stem, {}).update(
                    json.loads(path.read_text(encoding="utf-8")))
        if DEFAULT_LANGUAGE not in self._catalogs:
            raise RuntimeError(f"no {DEFAULT_LANGUAGE} catalog in {list(dirs)}")

    @property
    def languages(self) -> list[str]:
        """Dutch first, then the others in alphabetical order."""
        others = sorted(k for k in self._catalogs if k != DEFAULT_LANGUAGE)
        return [DEFAULT_LANGUAGE] + others

    def language_name(self, lang: str) -> str:
        return self._catalogs[lang].get("_language_name", lang)

    def gettext(self, lang: str, key: str, **params: object) -> str:
        text = self._catalogs.get(lang, {}).get(key)
        if text is None:
            text = self._catalogs[DEFAULT_LANGUAGE].get(key)
        if text is None:
            raise KeyError(f"translation key {key!r} missing from the {DEFAULT_LANGUAGE} catalog")
        return text.format(**params) if params else text

    def negotiate(self, requested: str | None, accept_language: str | None) -> str:
        """``?lang=`` wins, then the best Accept-Language match, then Dutch."""
        if requested and requested.lower() in self._catalogs:
            return requested.lower()
        for tag in _parse_accept_language(accept_language or ""):
            base = tag.split("-")[0]
            if base in self._catalogs:
                return base
        return DEFAULT_LANGUAGE


def _parse_accept_language(header: str) -> list[str]:
    weighted = []
    for i, part in enumerate(header.split(",")):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        if not tag or tag == "*":
            continue
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            weighted.append((-q, i, tag))
    return [tag for _, _, tag in sorted(weighted)]


@lru_cache(maxsize=1)
def default_catalogs() -> Catalogs:
    return Catalogs()


def translations_for(catalogs: Catalogs, lang: str) -> Mapping[str, object]:
    """The template globals for one language: ``t()``, ``lang`` and the switch links."""
    return {
        "t": lambda key, **p: catalogs.gettext(lang, key, **p),
        "lang": lang,
        "languages": [(code, catalogs.language_name(code)) for code in catalogs.languages],
    }
