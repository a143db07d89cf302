"""The facts of one BIJ1 afdeling, read from one data file: ``data/<code>.json``.

Everything that makes this system Den Haag's rather than another afdeling's lives in that
file: the name, the werkgroepen, the names the Mailchimp audience uses, the area
(stadsdelen and wijken) and, per area of the system, its own section (the meeting series
of the kalender, the board roster's seed, the plan's goals). ``AFDELING`` chooses the file
(default ``den-haag``); ``AFDELING_FILE`` points at a file elsewhere (tests, a new
afdeling trying its file out). See docs/afdeling.md.

The file is read once per process (a few kilobytes of JSON; no heavy import).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

DATA_DIR = Path(__file__).resolve().parent / "data"
ENV_AFDELING = "AFDELING"
ENV_AFDELING_FILE = "AFDELING_FILE"
DEFAULT = "den-haag"


class AfdelingError(ValueError):
    """The afdeling file is missing something the code needs (a deployment error)."""


@dataclass(frozen=True)
class Werkgroep:
    code: str   # also the token role and the URL word: "politieke-agenda"
    naam: str   # "Politieke agenda"


@dataclass(frozen=True)
class Afdeling:
    code: str
    naam: str
    tijdzone: str
    contact_email: str
    werkgroepen: tuple[Werkgroep, ...]
    raw: Mapping[str, Any]

    @property
    def werkgroep_codes(self) -> tuple[str, ...]:
        return tuple(w.code for w in self.werkgroepen)

    def werkgroep(self, code: str) -> Werkgroep:
        for w in self.werkgroepen:
            if w.code == code:
                return w
        raise KeyError(code)

    def section(self, name: str) -> Mapping[str, Any]:
        """One area's part of the file (``{}`` when the afdeling has none)."""
        value = self.raw.get(name) or {}
        if not isinstance(value, Mapping):
            raise AfdelingError(f"section {name!r} of the afdeling file is not an object")
        return value

    @property
    def mailchimp(self) -> Mapping[str, Any]:
        return self.section("mailchimp")

    @property
    def werkgroep_interest_category(self) -> str:
        return str(self.mailchimp.get("werkgroep_interest_category") or "Werkgroepen")

    @property
    def werkgroep_interests(self) -> dict[str, str]:
        """werkgroep code -> the Mailchimp interest name of that werkgroep."""
        names = dict(self.mailchimp.get("werkgroep_interests") or {})
        return {w.code: str(names.get(w.code) or w.naam) for w in self.werkgroepen}

    def tag(self, purpose: str) -> str:
        """The Mailchimp tag for a purpose (``bestuur``, ``leden``)."""
        tags = self.mailchimp.get("tags") or {}
        if purpose not in tags:
            raise AfdelingError(f"no Mailchimp tag for {purpose!r} in the afdeling file")
        return str(tags[purpose])


def path_from_env(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(ENV_AFDELING_FILE):
        return Path(env[ENV_AFDELING_FILE])
    code = env.get(ENV_AFDELING) or DEFAULT
    if not code.replace("-", "").isalnum():
        raise AfdelingError(f"{ENV_AFDELING}={code!r} is not an afdeling code")
    return DATA_DIR / f"{code}.json"


def load(path: Path) -> Afdeling:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        werkgroepen = tuple(Werkgroep(str(w["code"]), str(w["naam"])) for w in raw["werkgroepen"])
        return Afdeling(code=str(raw["code"]), naam=str(raw["naam"]),
                        tijdzone=str(raw.get("tijdzone") or "Europe/Amsterdam"),
                        contact_email=str(raw.get("contact_email") or ""),
                        werkgroepen=werkgroepen, raw=raw)
    except (KeyError, TypeError) as exc:
        raise AfdelingError(f"{path}: missing or malformed {exc}") from exc


@lru_cache(maxsize=1)
def current() -> Afdeling:
    """The afdeling this deployment serves."""
    return load(path_from_env())
