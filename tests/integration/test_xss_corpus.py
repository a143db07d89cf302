"""The XSS corpus (tests/xss_corpus.py) through every HTML page, feed and mail: nothing
unescaped.

"Unescaped" is decided by html5lib (the WHATWG parsing algorithm, the tree a browser builds),
not by string search: a page, with a payload in it, may hold no element or attribute that
could run script (script, iframe, object, embed, frame, base, meta, svg, math, img, form,
an ``on*`` attribute, a ``javascript:``/``data:``/``vbscript:`` URL, a ``style`` with a
``url(``/``expression(``) beyond what the same page holds with a plain value (the beheer
pages load their own script). The routes come from docs/openapi.yaml: every GET that answers
HTML, with the payload in every query parameter (and one the route does not know: the
language links keep them) and in every path parameter; every form that re-renders, with
the payload in every field. Stored text reaches pages, feeds and mails through the scripts'
own API (an event's title, note, theme and speakers; an agenda's title and text; articles of
the newsletter; progress on a goal). The .ics feeds are parsed back with the ``ics`` library:
the payload is the property's text, folded and escaped as RFC 5545 says, and adds no
component or property of its own. The Atom feeds are parsed as XML.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlencode

import html5lib
import pytest
import yaml

from functions import tokens, wiring
from tests.kalender_support import NOW, at_now  # noqa: F401  (fixture)
from tests.xss_corpus import PAYLOADS

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
# payloads without control characters (a note, a theme: those are refused with a 400)
ONE_LINE = [p for p in PAYLOADS if not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in p)]
KALENDER_PAGES = ["/kalender", "/kalender/activiteiten/bestuur-2026-12-15",
                  "/kalender/activiteiten/themabij1komst-2027-02-20", "/kalender/op-afspraak",
                  "/kalender/activiteiten/afdelingsbijeenkomst-2026-12-10",
                  "/kalender/activiteiten/afdelingsbijeenkomst-2026-12-10/rsvp"]
RUNNING_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "base", "meta", "svg",
                "math", "img", "form", "link", "style", "applet", "video", "audio", "image", "template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "background",
                  "data", "srcdoc", "content"}
_URL_JUNK = re.compile(r"[\x00-\x20]")


def live(html: str) -> Counter:
    """Every element and attribute of ``html`` that could run script, as a browser parses it."""
    found: Counter = Counter()
    for el in html5lib.parse(html, namespaceHTMLElements=False).iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.split("}")[-1].lower()
        if tag in RUNNING_TAGS:
            found[f"<{tag} {sorted(el.attrib)}>"] += 1
        for name, value in el.attrib.items():
            name = str(name).split("}")[-1].lower()
            value = str(value)
            if name.startswith("on"):
                found[f"<{tag} {name}>"] += 1
            if name in URL_ATTRIBUTES and _URL_JUNK.sub("", value).lower().startswith(
                    ("javascript:", "vbscript:", "data:text", "data:application", "data:image/svg")):
                found[f"<{tag} {name}={value[:40]!r}>"] += 1
            if name == "style" and re.search(r"url\(|expression\(|javascript:", value, re.I):
                found[f"<{tag} style={value[:40]!r}>"] += 1
    return found


def assert_nothing_unescaped(html: str, baseline: str, what: str) -> None:
    extra = live(html) - live(baseline)
    assert not extra, f"{what}: {dict(extra)}"


def test_the_checker_finds_what_a_browser_would_run():
    base = "<p>x</p>"
    for html in ['<p><img src=x onerror=alert(1)></p>', '<a href=" java\tscript:x">a</a>',
                 '<div title="x" onmouseover="y">', "<svg><script>1</script></svg>",
                 '<textarea></textarea><script>1</script>', '<p style="background:url(x)">']:
        assert live(html) - live(base), html
    assert not live('<p title="&quot; onmouseover=&quot;x">&lt;script&gt;</p>')


# --- the pages --------------------------------------------------------------------------------

def html_pages():
    """(path, query parameter names, guarded) of every GET answering HTML in the document."""
    for path, item in DOCUMENT["paths"].items():
        op = item.get("get")
        if not op:
            continue
        ok = op["responses"].get("200", {})
        if "$ref" in ok:
            ok = DOCUMENT["components"]["responses"][ok["$ref"].rsplit("/", 1)[-1]]
        if "text/html" not in ok.get("content", {}):
            continue
        names = []
        for p in op.get("parameters", []):
            p = DOCUMENT["components"]["parameters"][p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
            if p["in"] == "query":
                names.append(p["name"])
        yield path, names, "x-roles" in op


def example(path: str, value: str | None = None) -> str:
    def fill(match):
        if value is not None:
            return quote(value, safe="")
        for p in DOCUMENT["components"]["parameters"].values():
            if p["in"] == "path" and p["name"] == match.group(1):
                return str(p["example"])
        raise KeyError(match.group(1))
    return re.sub(r"\{([^}]+)\}", fill, path)


@pytest.fixture
def bestuur(aws):
    return tokens.issue("bestuur", "xss-bestuur", wiring.table(), datetime.now(timezone.utc))[0]


def page(client, url, token=None):
    headers = {"accept": "text/html"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    response = client.http.get(url, headers=headers)
    assert response.status_code < 500, f"{url[:100]}: {response.status_code}"
    return response


def test_every_html_page_escapes_every_payload_in_every_query_and_path_parameter(client, bestuur):
    pages = list(html_pages())
    assert len(pages) >= 20
    checked = 0
    for path, names, guarded in pages:
        token = bestuur if guarded else None
        baseline = page(client, example(path) + "?" + urlencode({n: "x" for n in names + ["extra"]}), token)
        for payload in PAYLOADS:
            query = urlencode({n: payload for n in names + ["extra"]})
            urls = [f"{example(path)}?{query}"] + ([f"{example(path, payload)}?{query}"] if "{" in path else [])
            for url in urls:
                response = page(client, url, token)
                if response.headers["Content-Type"].startswith("text/html"):
                    assert_nothing_unescaped(response.body.decode(), baseline.body.decode(),
                                             f"GET {path} {payload!r}")
                    checked += 1
    assert checked >= len(pages) * len(PAYLOADS)


def form_routes():
    """(path, {field: kind}) of every POST form that answers with a page and re-renders."""
    for path, item in DOCUMENT["paths"].items():
        op = item.get("post")
        if not op or op.get("x-roles") or "requestBody" not in op:
            continue
        ok = op["responses"].get("200", {})
        ok = DOCUMENT["components"]["responses"][ok["$ref"].rsplit("/", 1)[-1]] if "$ref" in ok else ok
        if "text/html" not in ok.get("content", {}):
            continue
        body = DOCUMENT["components"]["requestBodies"][op["requestBody"]["$ref"].rsplit("/", 1)[-1]]
        schema = body["content"]["application/x-www-form-urlencoded"]["schema"]
        if not schema.get("properties"):
            continue  # a button (RSVP): nothing to re-render
        yield path, {name: prop["$ref"].rsplit("/", 1)[-1] for name, prop in schema["properties"].items()}


def post_form(client, path, fields: dict):
    pairs = [(name, v) for name, value in fields.items() for v in (value if isinstance(value, list) else [value])]
    response = client.http.request("POST", example(path), body=urlencode(pairs).encode(), headers={
        "content-type": "application/x-www-form-urlencoded", "accept": "text/html"})
    assert response.status_code < 500, f"POST {path}: {response.status_code}"
    return response


def test_every_form_re_renders_every_payload_in_every_field_escaped(client, aws):
    routes = list(form_routes())
    assert {p for p, _ in routes} >= {"/meldpunt", "/nieuwsbrief/aanmelden", "/kalender/op-afspraak",
                                      "/meldpunt/intrekken", "/meldpunt/bedankt"}
    for path, fields in routes:
        baseline = post_form(client, path, {n: ["x"] if k == "ListField" else "x" for n, k in fields.items()})
        for payload in PAYLOADS:
            response = post_form(client, path, {n: [payload, payload] if k == "ListField" else payload
                                                for n, k in fields.items()})
            assert response.headers["Content-Type"].startswith("text/html"), path
            html = response.body.decode()
            assert_nothing_unescaped(html, baseline.body.decode(), f"POST {path} {payload!r}")


# --- stored text: the kalender's pages, .ics feeds and invitation mails -----------------------

def call(client, method, path, token, body):
    return client.http.request(method, path, body=json.dumps(body).encode(), headers={
        "content-type": "application/json", "accept": "application/json",
        "authorization": f"Bearer {token}"})


@pytest.fixture
def kalender_payloads(client, aws, at_now, bestuur):  # noqa: F811
    """One one-off event per payload (title, description, place, address), a note on a board
    meeting per payload, a theme and speakers on the themaBIJ1komst: set by a script."""
    baselines = {path: page(client, path).body.decode() for path in KALENDER_PAGES}
    events = {}
    start = NOW + timedelta(days=3)
    for i, payload in enumerate(PAYLOADS):
        when = (start + timedelta(hours=i)).astimezone(timezone(timedelta(hours=1)))
        body = {"titel": payload, "titel_en": payload, "beschrijving": payload, "plaats": payload,
                "adres": payload, "start": when.strftime("%Y-%m-%dT%H:%M"), "eind": "23:59",
                "publiek": "iedereen"}
        response = call(client, "POST", "/kalender/activiteiten", bestuur, body)
        if response.status_code == 400:  # refused (a control character, in any field):
            # stored nowhere; the payload then goes into the description alone (refused again)
            body.update(titel=f"Titel {i}", titel_en=f"Title {i}", plaats="Malieveld", adres="")
            response = call(client, "POST", "/kalender/activiteiten", bestuur, body)
            if response.status_code == 400:
                continue
        assert response.status_code == 201, (payload, response.body)
        events[response.json_body["id"]] = {**response.json_body, "gestuurd": body}
    note = call(client, "POST", "/kalender/activiteiten/bestuur-2026-12-15/notitie", bestuur,
                {"notitie": "\n".join(ONE_LINE)[:1000]})
    assert note.status_code == 200, note.body
    theme = call(client, "POST", "/kalender/activiteiten/themabij1komst-2027-02-20/thema", bestuur,
                 {"thema": ONE_LINE[0], "sprekers": ONE_LINE[1:10], "werkgroep": "organizing"})
    assert theme.status_code == 200, theme.body
    # refused in every field: a payload with a control or bidi override character (http.field_text)
    from functions import http as http_module

    assert len(events) == sum(1 for p in PAYLOADS if http_module.field_text(p))
    return events, baselines


def test_kalender_pages_escape_titles_notes_themes_and_speakers_set_by_scripts(client, kalender_payloads):
    events, baselines = kalender_payloads
    for path, baseline in baselines.items():
        assert_nothing_unescaped(page(client, path).body.decode(), baseline, path)
    for event_id in events:
        for suffix, like in (("", "/kalender/activiteiten/afdelingsbijeenkomst-2026-12-10"),
                             ("/rsvp", "/kalender/activiteiten/afdelingsbijeenkomst-2026-12-10/rsvp")):
            html = page(client, f"/kalender/activiteiten/{event_id}{suffix}").body.decode()
            assert_nothing_unescaped(html, baselines[like], f"{event_id}{suffix}")


def test_ics_feeds_carry_each_payload_as_text_folded_and_escaped(client, kalender_payloads):
    from ics import Calendar

    kalender_payloads = kalender_payloads[0]
    for feed in ("/kalender.ics", "/kalender/bestuur.ics"):
        raw = client.http.get(feed).body.decode("utf-8")
        lines = raw.split("\r\n")
        assert all(len(line.encode("utf-8")) <= 75 for line in lines), "a line longer than 75 octets"
        assert "\n" not in raw.replace("\r\n", ""), "a bare line break"
        unfolded = re.sub(r"\r\n[ \t]", "", raw).split("\r\n")
        calendar = Calendar(raw)
        begins = sum(1 for line in unfolded if line == "BEGIN:VEVENT")
        assert begins == len(calendar.events), "a payload added a component"
        by_uid = {e.uid: e for e in calendar.events}
        if feed == "/kalender.ics":
            for event_id, event in kalender_payloads.items():
                parsed = by_uid[event["uid"]]
                assert parsed.name == event["titel"]["nl"], event_id
                sent = event["gestuurd"]["beschrijving"].replace("\r\n", "\n").strip()
                assert sent in (parsed.description or ""), event_id
                assert event["plaats"]["naam"]["nl"] in (parsed.location or ""), event_id
            for line in unfolded:  # every property a component opens is one of ours
                assert re.match(r"^[A-Z-]+[;:]", line) or line == "", line[:60]
                assert not line.startswith(("ATTACH", "SUMMARY:ingevoegd")), line[:60]
        note = by_uid.get("bestuur-2026-12-15@den-haag.kalender.bij1.org")
        assert note is not None and ONE_LINE[0] in (note.description or ""), feed


def test_the_one_occurrence_ics_file_escapes_a_payload_title(client, kalender_payloads):
    from ics import Calendar

    for event_id, event in list(kalender_payloads[0].items())[:20]:
        raw = client.http.get(f"/kalender/activiteiten/{event_id}.ics").body.decode("utf-8")
        (parsed,) = Calendar(raw).events
        assert parsed.name == event["titel"]["nl"]


def test_invitation_mails_escape_what_scripts_set(standin):
    from types import SimpleNamespace

    from functions.adapters.dynamo import FakeTable
    from functions.adapters.queue import FakeQueue
    from functions.config import WERKGROEP_INTEREST_NAMES
    from functions.errors import ValidationError
    from functions.http import FormData
    from functions.kalender import gegevens, uitnodigingen, wijzigingen
    from functions.rendering import default_renderer
    from tests.mailchimp_fixtures import adapter_for

    world = SimpleNamespace(table=FakeTable(), queue=FakeQueue(), mailchimp=adapter_for(standin),
                            renderer=default_renderer(), kalender=gegevens.huidig())
    board = {"name": "tim", "role": "bestuur", "token_id": "t1"}
    werkgroepen = ("communicatie", "politieke-agenda", "organizing")
    for i, payload in enumerate(PAYLOADS):
        when = (NOW + timedelta(days=2, minutes=10 * i)).astimezone(timezone(timedelta(hours=1)))
        payload = payload.replace("\r\n", "\n")  # as functions.http.parse_body reads it
        form = FormData({"titel": [payload], "titel_en": [payload], "beschrijving": [payload],
                         "plaats": [payload], "adres": [payload], "start": [when.strftime("%Y-%m-%dT%H:%M")],
                         "eind": ["23:59"], "publiek": ["leden"]})
        try:
            wijzigingen.voeg_toe(world.kalender, world.table, form, board, NOW, werkgroepen)
        except ValidationError:  # a control character in a one-line field: in the description alone
            form.update({"titel": [f"Titel {i}"], "titel_en": [f"Title {i}"], "plaats": ["Malieveld"],
                         "adres": [""]})
            try:
                wijzigingen.voeg_toe(world.kalender, world.table, form, board, NOW, werkgroepen)
            except ValidationError:
                continue
    wijzigingen.annoteer(world.kalender, world.table, "afdelingsbijeenkomst-2026-12-10",
                         FormData({"notitie": ["\n".join(ONE_LINE)[:1000]]}), board, NOW)
    uitnodigingen.plan(world.kalender, world.table, world.queue, NOW)
    while world.queue.sent:
        uitnodigingen.verwerk(world.queue.sent.pop(0), kalender=world.kalender, table=world.table,
                              mailchimp=world.mailchimp, renderer=world.renderer, now=NOW,
                              base_url="https://denhaag.example/api", tags={"bestuur": "bestuur", "leden": "lid"},
                              interests=WERKGROEP_INTEREST_NAMES)
    campaigns = standin.campaigns()
    plain = next(c["html"] for c in campaigns if "bestuur-2026-12-01" in c["settings"]["title"])
    mails = [c for c in campaigns if "eenmalig" in c["settings"]["title"] or "afdelingsbijeenkomst" in c["settings"]["title"]]
    assert len(mails) >= len(PAYLOADS) - 2
    for c in mails:
        assert_nothing_unescaped(c["html"], plain, c["settings"]["title"])
        assert "\n" not in c["settings"]["subject_line"] and "\r" not in c["settings"]["subject_line"]


# --- stored text: agendas, the newsletter, the goals; the digest and the confirmation mail ----

def test_agenda_pages_and_feed_escape_titles_and_text_of_uploads(client, aws, bestuur):
    from tests.integration.agendas_fixtures import deliver

    auth = {"authorization": f"Bearer {bestuur}"}
    day = datetime(2026, 1, 5)
    dates = []
    for i, payload in enumerate(PAYLOADS):
        datum = (day + timedelta(days=i)).strftime("%Y-%m-%d")
        body = f"# {payload}\n\n{payload}\n\n[{payload}]({payload})\n\n## Geheim (besloten)\n\n{payload}\n"
        response = client.http.request("PUT", f"/agendas/{datum}?" + urlencode({"titel": payload, "openbaar": "ja"}),
                                       body=body.encode(), headers={**auth, "content-type": "text/markdown"})
        if response.status_code == 400:
            continue
        assert response.status_code == 202, response.body
        dates.append(datum)
    deliver(client, aws)
    assert len(dates) >= len(PAYLOADS) - 3
    plain = page(client, "/agendas").body.decode()
    assert_nothing_unescaped(page(client, "/agendas?jaar=2026").body.decode(), plain, "/agendas")
    for datum in dates:
        for suffix in ("", "/versies"):
            assert_nothing_unescaped(page(client, f"/agendas/{datum}{suffix}").body.decode(), plain, datum + suffix)
        assert_nothing_unescaped(page(client, f"/agendas/{datum}/volledig", bestuur).body.decode(), plain,
                                 datum + " volledig")
    feed = client.http.get("/agendas.atom").body.decode()
    root = ET.fromstring(feed)  # well-formed XML: a payload cannot open an element
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.findall("a:entry", ns), "no entries"
    for entry in root.findall("a:entry", ns):
        assert set(child.tag.split("}")[-1] for child in entry) <= {"title", "id", "link", "updated", "summary"}


def http_field_text(value: str) -> bool:
    from functions import http as http_module

    return http_module.field_text(value)


def test_the_newsletter_mail_archive_and_feed_escape_articles(client, aws, standin):
    from tests.integration.test_nieuwsbrief_api import consume
    from tests.mailchimp_fixtures import adapter_for

    wiring.override(mailchimp=adapter_for(standin))
    co = tokens.issue("communicatie", "xss-co", wiring.table(), datetime.now(timezone.utc))[0]
    months = ["2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05"]
    for i, payload in enumerate(PAYLOADS):
        maand = months[i // 12]
        tekst = f"{payload}\n\n[{payload}]({payload}) ![{payload}]({payload}) <{payload}>\n\n> {payload}"
        response = call(client, "POST", f"/nieuwsbrief/{maand}/artikelen", co,
                        {"titel": payload[:150], "tekst": tekst, "volgorde": i % 12})
        if not http_field_text(payload):  # a control or bidi override character: refused, naming both
            assert response.status_code == 400 and set(response.json_body["errors"]) == {"titel", "tekst"}
            continue
        assert response.status_code == 201, (payload, response.body)
    for maand in months[: len(PAYLOADS) // 12 + 1]:
        assert call(client, "POST", f"/nieuwsbrief/{maand}/samenstellen", co, {}).status_code == 202
    consume(client, aws)
    campaigns = standin.campaigns()
    assert len(campaigns) >= len(PAYLOADS) // 12 + 1
    plain = page(client, "/nieuwsbrief").body.decode()
    for c in campaigns:
        assert_nothing_unescaped(c["html"], plain, c["settings"]["title"])
    for maand in months[:2]:
        html = page(client, f"/nieuwsbrief/{maand}/voorbeeld", co).body.decode()
        assert_nothing_unescaped(html, plain, f"voorbeeld {maand}")
    # sent: the archive page of the issue and the feed
    approved = call(client, "POST", "/nieuwsbrief/2026-12/goedkeuren", co, {})
    assert approved.status_code == 202, approved.body
    consume(client, aws)
    issue = page(client, "/nieuwsbrief/2026-12")
    assert issue.status_code == 200
    assert_nothing_unescaped(issue.body.decode(), plain, "/nieuwsbrief/2026-12")
    assert_nothing_unescaped(page(client, "/nieuwsbrief").body.decode(), plain, "/nieuwsbrief")
    root = ET.fromstring(client.http.get("/nieuwsbrief.atom").body.decode())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    (entry,) = root.findall("a:entry", ns)
    assert set(child.tag.split("}")[-1] for child in entry) <= {"title", "id", "link", "updated", "summary"}


def test_the_goals_page_escapes_progress_recorded_by_scripts(client, aws):
    org = tokens.issue("organizing", "xss-org", wiring.table(), datetime.now(timezone.utc))[0]
    plain = page(client, "/doelen").body.decode()
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    for payload in PAYLOADS:
        response = call(client, "POST", "/doelen/voortgang", org,
                        {"doel": "demonstraties", "datum": today, "omschrijving": payload})
        assert response.status_code in (201, 400), response.body
    assert_nothing_unescaped(page(client, "/doelen").body.decode(), plain, "/doelen")


def test_the_digest_mail_escapes_every_name_and_status_it_shows():
    from functions.meldpunt import digest
    from functions.rendering import default_renderer

    def summary(names):
        return {"totaal": "7", "marker": "<5", "k": 5, "max_afwijking": 2,
                "per_status": [{"status": n, "aantal": "7"} for n in names],
                "per_wijk": [{"naam": n, "aantal": "7"} for n in names]}

    renderer = default_renderer()
    plain = digest.render(renderer, "2026-W49", "2026-11-23", "2026-11-30", summary(["x"]), "https://x.example/")
    mail = digest.render(renderer, "2026-W49", "2026-11-23", "2026-11-30", summary(PAYLOADS), "https://x.example/")
    assert_nothing_unescaped(mail["html"], plain["html"], "digest")


def test_the_op_afspraak_confirmation_is_plain_text_without_what_the_sender_typed(client, aws, at_now):  # noqa: F811
    from functions.adapters.mail import FakeMail
    from functions.kalender import paginas

    mail = FakeMail()
    wiring.override(mail=mail)
    issued = [paginas._token() for _ in PAYLOADS[:12]]
    at_now.set(NOW + timedelta(minutes=5))  # older than the minimum age of a form token
    for n, (payload, token) in enumerate(zip(PAYLOADS[:12], issued)):
        body = {"naam": payload[:80], "email": f"lid{n}@example.org", "activiteit": "bestuur-2026-12-15",
                "onderwerp": payload, "token": token}
        response = client.http.request("POST", "/kalender/op-afspraak", body=json.dumps(body).encode(),
                                       headers={"content-type": "application/json"})
        assert response.status_code in (201, 400), response.body
        if response.status_code == 400:
            continue
        from functions.kalender import afspraak

        (item,) = [i for i in afspraak.verzoeken(wiring.table(), "bestuur-2026-12-15")
                   if not i.get("bevestigd_at")]
        paginas.bericht({"kind": afspraak.MESSAGE_KIND, "pk": item["pk"], "sk": item["sk"]})
        sent = mail.sent[-1]
        assert sent["html"] is None  # a text mail: nothing in it is ever read as markup
        assert payload.strip() not in sent["text"]  # the mail carries nothing the sender typed
        assert "\n" not in sent["subject"]
