#!/usr/bin/env python3
"""bij1.py: the board's command line for the BIJ1 Den Haag system (standard library only).

    export AFDELING_API=https://denhaag.bij1.org/api     # or http://127.0.0.1:8000 (make run)
    export AFDELING_TOKEN=bij1_...                       # your token (make token ROLE=bestuur NAME=...)

    python3 bij1.py upload 2026-12-03 agenda.md                  # Markdown: besloten parts stay out
    python3 bij1.py upload 2026-12-03 agenda.pdf --openbaar nee  # a PDF: public or board-only as a whole
    python3 bij1.py upload 2026-12-03 besluiten.md --stuk besluitenlijst
    python3 bij1.py list [--jaar 2026]
    python3 bij1.py fetch 2026-12-03 [--stuk notulen] [--versie 2] [--volledig] [-o bestand]
    python3 bij1.py versions 2026-12-03
    python3 bij1.py verify
    python3 bij1.py draft 2026-12-17 -o agenda.md
    python3 bij1.py roster get
    python3 bij1.py roster set tim-kies --naam "Tim Kies" --functie penningmeester --start 2024-09-01 --einde 2026-09-01
    python3 bij1.py roster remove yuval-gal

Exit codes: 0 done; 1 done, but the answer is "no" (the archive check found breaks, an upload
was refused); 2 the request was refused (4xx: the message says what to change); 3 no token or a
token that may not do this (401/403); 4 the server or the network failed (try again later).

Adding a command (for the next area): write ``def cmd_<name>(api, args)`` and register it
with ``@command("name", "help", arguments...)``; ``api.call(method, path, ...)`` does the
HTTP, the token and the error messages.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable

VERSION = "1"
MAX_DIRECT_PDF = 4 * 1024 * 1024
EXIT_NO, EXIT_REFUSED, EXIT_AUTH, EXIT_SERVER = 1, 2, 3, 4


class CliError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by hand: a bearer token must never travel to another host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Api:
    def __init__(self, base: str, token: str, timeout: float = 30.0):
        self.base = base.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def call(self, method: str, path: str, *, body: bytes | None = None, content_type: str | None = None,
             query: dict[str, Any] | None = None, auth: bool = True, accept: str = "application/json",
             ) -> tuple[int, dict[str, str], bytes]:
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        headers = {"Accept": accept, "User-Agent": f"bij1.py/{VERSION}"}
        if content_type:
            headers["Content-Type"] = content_type
        if auth:
            if not self.token:
                raise CliError("Geen token: zet AFDELING_TOKEN (of gebruik --token). / No token: set AFDELING_TOKEN.",
                               EXIT_AUTH)
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303, 307, 308):
                return exc.code, {k.lower(): v for k, v in exc.headers.items()}, b""
            raise _http_error(exc.code, exc.read()) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CliError(f"De API is niet bereikbaar ({self.base}): {reason}. / Cannot reach the API.",
                           EXIT_SERVER) from None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        _, _, raw = self.call(method, path, **kwargs)
        return json.loads(raw.decode("utf-8") or "null")


def _http_error(status: int, raw: bytes) -> CliError:
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:
        data = {}
    fields = data.get("errors") or {}
    detail = "".join(f"\n  - {name}: {message}" for name, message in fields.items())
    if status == 401:
        return CliError("401: geen geldig token meegestuurd (AFDELING_TOKEN). / No token." + detail, EXIT_AUTH)
    if status == 403:
        return CliError("403: dit token mag dit niet (verkeerde rol, ingetrokken of onbekend). / "
                        "This token may not do this." + detail, EXIT_AUTH)
    message = data.get("error") or raw.decode("utf-8", "replace")[:200]
    if status >= 500:
        return CliError(f"{status}: {message}. Er is niets veranderd; probeer het later opnieuw." + detail,
                        EXIT_SERVER)
    return CliError(f"{status}: {message}{detail}", EXIT_REFUSED)


# --- commands ----------------------------------------------------------------------------------

COMMANDS: dict[str, tuple[str, list[tuple[tuple[str, ...], dict[str, Any]]], Callable[[Api, Any], int]]] = {}


def command(name: str, help_text: str, *arguments: tuple[tuple[str, ...], dict[str, Any]]) -> Callable:
    def register(fn: Callable[[Api, Any], int]) -> Callable[[Api, Any], int]:
        COMMANDS[name] = (help_text, list(arguments), fn)
        return fn
    return register


def arg(*names: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return names, options


STUK = arg("--stuk", choices=["agenda", "notulen", "besluitenlijst"], default="agenda",
           help="welk stuk / which document (default: agenda)")


def _doc_path(datum: str, stuk: str) -> str:
    quoted = urllib.parse.quote(datum, safe="")
    return f"/agendas/{quoted}" if stuk == "agenda" else f"/agendas/{quoted}/{stuk}"


@command("upload", "een agenda, notulen of besluitenlijst uploaden (Markdown of PDF)",
         arg("datum", help="vergaderdatum YYYY-MM-DD"), arg("bestand", help="een .md of .pdf"), STUK,
         arg("--openbaar", choices=["ja", "nee"], help="verplicht voor een PDF; Markdown: standaard ja"),
         arg("--titel", help="titel (anders de eerste kop of 'Agenda bestuursvergadering ...')"),
         arg("--niet-wachten", action="store_true", help="niet wachten tot het stuk is opgenomen"))
def cmd_upload(api: Api, args: Any) -> int:
    path = Path(args.bestand)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise CliError(f"Kan {path} niet lezen: {exc.strerror}", EXIT_REFUSED) from None
    is_pdf = path.suffix.lower() == ".pdf" or body.startswith(b"%PDF-")
    if is_pdf and not args.openbaar:
        raise CliError("Zeg of deze PDF openbaar is: --openbaar ja of --openbaar nee "
                       "(een PDF is helemaal openbaar of helemaal niet).", EXIT_REFUSED)
    if is_pdf and len(body) > MAX_DIRECT_PDF:
        receipt = _presigned_upload(api, args, body, path.name)
    else:
        ctype = "application/pdf" if is_pdf else "text/markdown; charset=utf-8"
        _, _, raw = api.call("PUT", _doc_path(args.datum, args.stuk), body=body, content_type=ctype,
                             query={"openbaar": args.openbaar, "titel": args.titel})
        receipt = json.loads(raw)
    print(f"ontvangen: {args.stuk} {receipt['datum']}, sha256 {receipt.get('sha256') or '(na opname)'}")
    for heading in receipt.get("besloten") or []:
        print(f"  besloten (niet openbaar): {heading}")
    for warning in receipt.get("waarschuwingen") or []:
        print(f"  LET OP, wel openbaar: {warning}")
    if args.niet_wachten:
        print(f"status: {receipt['status_url']}")
        return 0
    return _wait(api, receipt)


def _presigned_upload(api: Api, args: Any, body: bytes, filename: str) -> dict[str, Any]:
    receipt = api.json("POST", f"/agendas/{urllib.parse.quote(args.datum, safe='')}/upload",
                       content_type="application/json",
                       body=json.dumps({"stuk": args.stuk, "openbaar": args.openbaar == "ja",
                                        "titel": args.titel or ""}).encode())
    upload = receipt["upload"]
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in upload["fields"].items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n".encode() + body + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(upload["url"], data=b"".join(parts), method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise CliError(f"S3 weigerde de upload ({exc.code}): {exc.read()[:300].decode('utf-8', 'replace')}",
                       EXIT_REFUSED) from None
    except urllib.error.URLError as exc:
        raise CliError(f"S3 is niet bereikbaar: {exc.reason}", EXIT_SERVER) from None
    return receipt


def _wait(api: Api, receipt: dict[str, Any], timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        status = api.json("GET", receipt["status_url"])
        if status["status"] == "opgenomen":
            print(f"opgenomen als versie {status['versie']} (manifest {status['seq']}, hash {status['hash']})")
            print(f"openbaar: {api.base}{status['pad']}" if status.get("openbaar") else "alleen voor het bestuur")
            return 0
        if status["status"] == "geweigerd":
            print(f"geweigerd: {status.get('reden')}", file=sys.stderr)
            return EXIT_NO
        if time.monotonic() > deadline:
            print(f"nog niet opgenomen; kijk later: bij1.py status via {receipt['status_url']}")
            return 0
        time.sleep(0.5)


@command("list", "alle vergaderingen met stukken, per jaar", arg("--jaar", help="alleen dit jaar"))
def cmd_list(api: Api, args: Any) -> int:
    data = api.json("GET", "/agendas", query={"jaar": args.jaar}, auth=False)
    for year in data["jaren"]:
        print(year["jaar"])
        for meeting in year["vergaderingen"]:
            docs = ", ".join(f"{d['stuk']} ({d['versies']}x{'' if d['openbaar'] else ', bestuur'})"
                             for d in meeting["stukken"])
            print(f"  {meeting['datum']}  {docs}")
    if not data["jaren"]:
        print("(nog niets gearchiveerd)")
    return 0


@command("fetch", "een stuk ophalen (openbaar deel, of --volledig met besloten delen)",
         arg("datum"), STUK, arg("--versie", help="versienummer (standaard de nieuwste)"),
         arg("--volledig", action="store_true", help="met besloten delen (token met rol bestuur)"),
         arg("-o", "--output", help="bestand om in te schrijven (standaard: scherm; PDF: verplicht)"))
def cmd_fetch(api: Api, args: Any) -> int:
    quoted = urllib.parse.quote(args.datum, safe="")
    query = {"stuk": args.stuk, "versie": args.versie}
    if args.volledig:
        data = api.json("GET", f"/agendas/{quoted}/volledig", query=query)
        if "download_url" in data:
            return _download(data["download_url"], args.output)
        return _write(data["markdown"].encode("utf-8"), args.output)
    status, headers, raw = api.call("GET", f"/agendas/{quoted}/bestand", query=query, auth=False,
                                    accept="text/markdown, application/json")
    if status in (301, 302, 303, 307, 308):
        return _download(headers["location"], args.output)
    return _write(raw, args.output)


def _download(url: str, output: str | None) -> int:
    if not output:
        raise CliError("Dit is een PDF: geef een bestand op met -o bestand.pdf", EXIT_REFUSED)
    try:
        with urllib.request.urlopen(url, timeout=300) as response:  # no token: a presigned link
            return _write(response.read(), output)
    except urllib.error.URLError as exc:
        raise CliError(f"Downloaden mislukt: {getattr(exc, 'reason', exc)}", EXIT_SERVER) from None


def _write(data: bytes, output: str | None) -> int:
    if output:
        Path(output).write_bytes(data)
        print(f"geschreven: {output} ({len(data)} bytes)")
    else:
        sys.stdout.write(data.decode("utf-8", "replace"))
    return 0


@command("versions", "elke versie van de stukken van een vergadering, met hashes", arg("datum"))
def cmd_versions(api: Api, args: Any) -> int:
    data = api.json("GET", f"/agendas/{urllib.parse.quote(args.datum, safe='')}/versies", auth=False)
    for v in data["versies"]:
        flag = "" if v["openbaar"] else "  (alleen bestuur)"
        print(f"{v['stuk']:<15} v{v['versie']:<3} {v['vastgelegd_op']}  sha256 {v['sha256']}  "
              f"manifest {v['hash']}{flag}")
    return 0


@command("verify", "het archief controleren: de keten en de hash van elk bestand")
def cmd_verify(api: Api, args: Any) -> int:
    report = api.json("GET", "/agendas/controle")
    head = report.get("kop") or {}
    print(f"{report['entries']} manifestregels; kop {head.get('seq')} {head.get('hash')}")
    for b in report["breuken"]:
        where = " ".join(str(x) for x in (b.get("seq"), b.get("sleutel"), b.get("versie_id")) if x)
        print(f"BREUK {b['soort']}: {where}: {b['detail']}")
    print("in orde: niets veranderd" if report["ok"] else f"{len(report['breuken'])} breuk(en) gevonden")
    return 0 if report["ok"] else EXIT_NO


@command("draft", "een conceptagenda voor een vergadering", arg("datum"),
         arg("-o", "--output", help="bestand (standaard: scherm)"))
def cmd_draft(api: Api, args: Any) -> int:
    _, _, raw = api.call("POST", f"/agendas/{urllib.parse.quote(args.datum, safe='')}/concept",
                         accept="text/markdown")
    return _write(raw, args.output)


ROSTER_FIELDS = ("naam", "functie", "portefeuille", "werkgroep", "start", "einde", "herbenoemd")


@command("roster", "het rooster van aftreden: get, set ID --naam ..., remove ID",
         arg("actie", choices=["get", "set", "remove"]), arg("id", nargs="?", help="bijv. tim-kies"),
         *[arg(f"--{f}") for f in ROSTER_FIELDS])
def cmd_roster(api: Api, args: Any) -> int:
    if args.actie == "get":
        for m in api.json("GET", "/bestuur/rooster")["leden"]:
            print(f"{m['id']:<22} {m['naam']:<22} {m['functie']:<22} {m.get('portefeuille', ''):<28} "
                  f"{m['start']} - {m['einde']}  herbenoemd {m['herbenoemd']}")
        return 0
    if not args.id:
        raise CliError("Geef het id van het bestuurslid, bijv. tim-kies.", EXIT_REFUSED)
    path = f"/bestuur/rooster/{urllib.parse.quote(args.id, safe='')}"
    if args.actie == "remove":
        api.json("DELETE", path)
        print(f"verwijderd: {args.id}")
        return 0
    current = {m["id"]: m for m in api.json("GET", "/bestuur/rooster")["leden"]}.get(args.id, {})
    body = {f: str(getattr(args, f) if getattr(args, f) is not None else current.get(f, "")) for f in ROSTER_FIELDS}
    member = api.json("PUT", path, body=json.dumps(body).encode(), content_type="application/json")
    print(f"opgeslagen: {member['id']} {member['naam']} ({member['functie']}), {member['start']} - {member['einde']}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bij1.py", description=__doc__.split("\n\n")[0],
                                epilog="Zie README.md voor de curl-regels die hetzelfde doen.")
    p.add_argument("--api", default=os.environ.get("AFDELING_API", ""), help="de API (AFDELING_API)")
    p.add_argument("--token", default=os.environ.get("AFDELING_TOKEN", ""), help="het token (AFDELING_TOKEN)")
    sub = p.add_subparsers(dest="command", required=True)
    for name, (help_text, arguments, _) in COMMANDS.items():
        cp = sub.add_parser(name, help=help_text, description=help_text)
        for names, options in arguments:
            cp.add_argument(*names, **options)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.api:
        print("Zet AFDELING_API, bijv. export AFDELING_API=http://127.0.0.1:8000 / Set AFDELING_API.",
              file=sys.stderr)
        return EXIT_REFUSED
    try:
        return COMMANDS[args.command][2](Api(args.api, args.token), args)
    except CliError as exc:
        print(str(exc), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
