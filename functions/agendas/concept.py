"""The draft agenda of a board meeting: a jinja2 template filled by small providers.

Each provider is one function ``(Context) -> Sectie | None`` in :data:`PROVIDERS`, in the
order of the agenda; a provider whose source does not exist yet returns None and its
section is simply absent. Adding a section is one function and one line in the list, e.g.
the kalender's "op afspraak" requests (docs/agendas.md shows the exact code)::

    def op_afspraak(ctx):
        from functions.kalender.afspraak import verzoeken_voor
        return afspraak_sectie(verzoeken_voor(ctx.table, ctx.datum))

Every value that comes from data (names, werkgroepen, request topics) goes through
``markdown.escape``: it cannot add a heading, a link or a "(besloten)" mark to the draft.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Iterable, Mapping
from zoneinfo import ZoneInfo

from functions.adapters.dynamo import Table
from functions.agendas import archief, rooster, stukken
from functions.markdown import escape

TEMPLATE = "agendas/concept.md"
DEFAULT_PERIOD = timedelta(days=14)


@dataclass(frozen=True)
class Sectie:
    titel: str
    regels: tuple[str, ...] = ()   # Markdown blocks (a paragraph, a whole list, a table)
    besloten: bool = False
    subsecties: tuple["Sectie", ...] = ()


@dataclass(frozen=True)
class Context:
    datum: date
    table: Table
    now: datetime
    base_url: str
    meldpunt_k: int
    afdeling: Any
    leden: list[dict[str, Any]] = field(default_factory=list)
    vorige: Mapping[str, Any] | None = None

    @property
    def tijdzone(self) -> ZoneInfo:
        return ZoneInfo(self.afdeling.tijdzone)

    def link(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def met_functie(self, woord: str) -> list[str]:
        return [escape(m["naam"]) for m in self.leden if woord in m["functie"].lower()]


Provider = Callable[[Context], "Sectie | None"]


def _dag(d: date) -> str:
    return stukken.lange_datum(d)


# --- the providers, in the order of the agenda ---------------------------------------------

def opening(ctx: Context) -> Sectie:
    voorzitters = " en ".join(ctx.met_functie("voorzitter")) or "de voorzitter"
    return Sectie("Opening en vaststelling van de agenda", (
        f"Opening door {voorzitters}.",
        "Deze vergadering is op afspraak open voor alle leden.",
        "Vaststelling van de agenda.",
    ))


def vorige_besluitenlijst(ctx: Context) -> Sectie:
    if ctx.vorige is None:
        return Sectie("Besluitenlijst vorige vergadering", ("Geen eerdere vergadering in het archief.",))
    datum = str(ctx.vorige["datum"])
    label = _dag(date.fromisoformat(datum))
    if ctx.vorige.get(stukken.BESLUITENLIJST):
        line = f"Vaststellen: [besluitenlijst van {label}]({ctx.link(stukken.pad(datum, stukken.BESLUITENLIJST))})."
    else:
        line = f"De besluitenlijst van {label} is nog niet gearchiveerd (`bij1.py upload {datum} besluitenlijst.md --stuk besluitenlijst`)."
    return Sectie("Besluitenlijst vorige vergadering", (line, "Actiepunten van de vorige vergadering."))


def ingekomen(ctx: Context) -> Sectie:
    secretaris = ", ".join(ctx.met_functie("secretaris")) or "de secretaris"
    return Sectie("Ingekomen berichten", (f"Ingekomen berichten van externe partijen en landelijk ({secretaris}):",
                                          "- ..."))


def afspraak_sectie(verzoeken: Iterable[Mapping[str, Any]]) -> Sectie | None:
    """The requests to attend "op afspraak" (name, topic): a besloten section, because a
    request shows that someone is a member (political opinion is special personal data)."""
    rows = [f"- {escape(v.get('naam') or '')}: {escape(v.get('onderwerp') or '')}" for v in verzoeken]
    if not rows:
        return None
    return Sectie("Verzoeken om aanwezig te zijn op afspraak", ("\n".join(rows),), besloten=True)


def op_afspraak(ctx: Context) -> Sectie | None:
    """The kalender's requests to attend this meeting (name and topic, never the address)."""
    from functions.kalender.afspraak import verzoeken_voor

    return afspraak_sectie(verzoeken_voor(ctx.table, ctx.datum))


def werkgroepen(ctx: Context) -> Sectie:
    subs = []
    for w in ctx.afdeling.werkgroepen:
        namens = [escape(m["naam"]) for m in ctx.leden if m.get("werkgroep") == w.code]
        wie = f" (namens het bestuur: {', '.join(namens)})" if namens else ""
        subs.append(Sectie(escape(w.naam), (f"Terugkoppeling{wie}: ...",)))
    return Sectie("Terugkoppeling uit de werkgroepen", subsecties=tuple(subs))


STATUS_NAMEN = {"nieuw": "nieuw", "in_behandeling": "in behandeling", "afgehandeld": "afgehandeld",
                "geannuleerd": "geannuleerd"}


def meldpunt(ctx: Context) -> Sectie:
    """New reports since the last meeting by status: counts only, through the meldpunt's cell
    key method (the draft becomes a public agenda), like the digest."""
    from functions.meldpunt import digest

    since, until = _period(ctx)
    per_status, per_wijk = digest.count(ctx.table, stukken.iso(since), stukken.iso(until))
    summary = digest.overview(per_status, per_wijk, ctx.meldpunt_k)
    rows = [f"- {STATUS_NAMEN.get(r['status'], r['status'])}: {escape(str(r['aantal']))}"
            for r in summary["per_status"]]
    van = _dag(since.astimezone(ctx.tijdzone).date())
    return Sectie("Meldpunt straatintimidatie", (
        f"Nieuwe meldingen sinds {van}: {escape(str(summary['totaal']))} (elk aantal wijkt "
        f"hoogstens {summary['max_afwijking']} af; onder {summary['k']}: {escape(summary['marker'])}).",
        "\n".join(rows)))


def _period(ctx: Context) -> tuple[datetime, datetime]:
    """[the previous meeting's day, this meeting's day) in local time, up to now."""
    start_of = lambda d: datetime.combine(d, time(0), ctx.tijdzone)  # noqa: E731
    until = min(start_of(ctx.datum), ctx.now)
    since = start_of(date.fromisoformat(str(ctx.vorige["datum"]))) if ctx.vorige else until - DEFAULT_PERIOD
    return since, until


NIEUWSBRIEF_STATUS = {"geen": "nog niet samengesteld", "concept": "concept, nog niet goedgekeurd",
                      "goedgekeurd": "goedgekeurd", "gepland": "goedgekeurd en ingepland",
                      "verzonden": "verzonden"}


def nieuwsbrief(ctx: Context) -> Sectie:
    """The newsletter of this month and of next month: where each stands, and a warning when
    the send day came without approval (nothing is sent then)."""
    from functions.nieuwsbrief import uitgave
    from functions.nieuwsbrief.planning import Planning, volgende_maand

    planning = Planning.from_afdeling(ctx.afdeling)
    local = ctx.now.astimezone(ctx.tijdzone).date()
    rows = []
    for maand in (f"{local.year:04d}-{local.month:02d}", volgende_maand(local)):
        state = uitgave.status(ctx.table, maand, planning, ctx.now)
        line = f"- {maand}: {NIEUWSBRIEF_STATUS.get(state['status'], state['status'])}"
        if state.get("verzonden_op"):
            line += f" ({state['verzonden_op'][:10]})"
        elif state["status"] in ("goedgekeurd", "gepland"):
            line += f", verzending {state['verzendmoment'][:10]}"
        if state["te_laat"]:
            line += " **(de verzenddag is voorbij zonder goedkeuring: niets verstuurd)**"
        rows.append(line)
    return Sectie("Nieuwsbrief", ("\n".join(rows),))


def financien(ctx: Context) -> Sectie:
    penningmeester = ", ".join(ctx.met_functie("penningmeester")) or "de penningmeester"
    return Sectie("Financiën", (f"Toelichting door {penningmeester}: ...",))


def rooster_van_aftreden(ctx: Context) -> Sectie | None:
    if not ctx.leden:
        return None
    rows = ["| Bestuurslid | Functie | Portefeuille | Start | Einde | Herbenoemd | Let op |",
            "|---|---|---|---|---|---|---|"]
    flags = []
    for m in rooster.aftreden(ctx.leden, ctx.datum):
        einde = _dag(date.fromisoformat(m["einde"]))
        note = {"afgelopen": f"**termijn afgelopen** ({einde})",
                "binnenkort": f"**termijn eindigt binnen zes maanden** ({einde})"}.get(m["signaal"] or "", "")
        if m["signaal"]:
            flags.append(m)
        rows.append(f"| {escape(m['naam'])} | {escape(m['functie'])} | {escape(m['portefeuille'])} | "
                    f"{m['start']} | {m['einde']} | {m['herbenoemd']} | {note} |")
    lead = (f"{len(flags)} van de {len(ctx.leden)} termijnen zijn afgelopen of eindigen binnen zes "
            "maanden: herbenoeming of verkiezing agenderen voor de ledenvergadering." if flags
            else "Geen termijn loopt binnen zes maanden af.")
    return Sectie("Rooster van aftreden", (lead, "\n".join(rows)))


def planning(ctx: Context) -> Sectie:
    volgende = next(d for d in (ctx.datum + timedelta(days=7), ctx.datum + timedelta(days=14))
                    if d.isocalendar()[1] % 2 == 1)
    return Sectie("Planning", (
        f"Volgende bestuursvergadering (oneven week): {_dag(volgende)}, week {volgende.isocalendar()[1]} "
        "(zie de kalender voor reces en verplaatsingen).", "Lopende acties en de komende bijeenkomsten: ..."))


def rondvraag(ctx: Context) -> Sectie:
    return Sectie("Rondvraag")


def sluiting(ctx: Context) -> Sectie:
    return Sectie("Sluiting")


PROVIDERS: list[Provider] = [
    opening,
    vorige_besluitenlijst,
    ingekomen,
    op_afspraak,
    werkgroepen,
    meldpunt,
    nieuwsbrief,
    financien,
    rooster_van_aftreden,
    planning,
    rondvraag,
    sluiting,
]


def context(table: Table, datum: date, now: datetime, *, base_url: str, meldpunt_k: int,
            afdeling: Any) -> Context:
    return Context(datum=datum, table=table, now=now, base_url=base_url, meldpunt_k=meldpunt_k,
                   afdeling=afdeling, leden=rooster.lijst(table, afdeling),
                   vorige=archief.vorige_vergadering(table, datum))


def secties(ctx: Context, providers: Iterable[Provider] | None = None) -> list[Sectie]:
    return [s for s in (p(ctx) for p in (PROVIDERS if providers is None else providers)) if s is not None]


def maak(renderer: Any, ctx: Context, providers: Iterable[Provider] | None = None) -> str:
    """The draft as Markdown."""
    return renderer.render(TEMPLATE, "nl", datum=ctx.datum, lange_datum=_dag(ctx.datum),
                           week=ctx.datum.isocalendar()[1], secties=secties(ctx, providers),
                           afdeling_naam=escape(ctx.afdeling.naam))
