"""Entry points of the monthly newsletter that need several adapters: the preview, a compile
asked for from a script, and the queue consumer's record handler (:func:`verwerk`)."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any, Mapping

from functions import wiring


def _bron(maand: str, now: datetime) -> Any:
    from functions.meldpunt.cijfers import vandaag
    from functions.nieuwsbrief.secties import Bron

    settings = wiring.settings()
    return Bron(table=wiring.table(), maand=maand, now=now, today=vandaag(now),
                k=settings.meldpunt_k, base_url=settings.public_base_url)


def voorbeeld(maand: str, now: datetime, versie: int | None = None) -> str:
    """The issue as members will see it: the approved (or sent) version, else what compiling
    now would make (so the eindredactie sees an article's change at once). ``versie``: that
    stored version exactly (what its test mail showed and an approval sends), 409 when
    another one is stored now."""
    from functions.errors import Conflict, NotFound
    from functions.nieuwsbrief import uitgave
    from functions.nieuwsbrief.secties import verzamel

    state = uitgave.opgeslagen(wiring.table(), maand)
    if versie is not None:
        if not state or not int(state.get("versie") or 0):
            raise NotFound(f"no compiled issue for {maand}")
        if int(state["versie"]) != versie:
            raise Conflict(f"version {versie} asked, {state['versie']} stored",
                           {"_body": "nieuwsbrief.fout.andere_versie"})
        return uitgave.unpack(state, "html")
    if state and state.get("status") != uitgave.CONCEPT:
        return uitgave.unpack(state, "html")
    bron = _bron(maand, now)
    return uitgave.render(wiring.renderer(), verzamel(bron), bron.base_url)["html"]


def vraag_samenstellen(maand: str, who: Mapping[str, str]) -> dict[str, Any]:
    """Queue a compile of ``maand`` (a new test mail follows); refused once approved."""
    from functions.errors import Conflict
    from functions.nieuwsbrief import uitgave

    state = uitgave.opgeslagen(wiring.table(), maand)
    if state and state.get("status") != uitgave.CONCEPT:
        raise Conflict(f"the issue of {maand} is {state['status']}: withdraw the approval first",
                       {"_body": "nieuwsbrief.fout.eerst_intrekken"})
    verzoek = f"handmatig-{secrets.token_hex(8)}"
    wiring.nieuwsbrief_queue().send({"kind": uitgave.SAMENSTELLEN, "maand": maand,
                                     "verzoek": verzoek,
                                     "who": {"name": who.get("name", ""), "role": who.get("role", "")}})
    return {"maand": maand, "verzoek": verzoek, "status": "in_de_wachtrij"}


def verwerk(message: Mapping[str, Any]) -> str:
    """The consumer's record handler: a compile or a send, by the message's kind."""
    from functions.nieuwsbrief import uitgave
    from functions.nieuwsbrief.planning import Planning, parse_maand

    maand = str(message.get("maand") or "")
    parse_maand(maand)
    now = datetime.now(timezone.utc)
    if message.get("kind") == uitgave.SAMENSTELLEN:
        who = message.get("who") or {"name": "schema", "role": "systeem"}
        result = uitgave.samenstellen(wiring.table(), wiring.mailchimp(), wiring.renderer(),
                                      _bron(maand, now), Planning.from_afdeling(),
                                      verzoek=str(message.get("verzoek") or ""), who=who)
        return "compiled" if result.get("veranderd") else "unchanged"
    if message.get("kind") == uitgave.VERSTUREN:
        return uitgave.versturen(wiring.table(), wiring.mailchimp(), message, now)
    raise ValueError(f"not a newsletter message: {message.get('kind')!r}")
