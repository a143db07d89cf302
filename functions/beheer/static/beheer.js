/* BIJ1 Den Haag: the beheer pages' one script (docs/beheer.md, docs/decisions/012).
 *
 * Signs in by exchanging the token for a session token (POST /beheer/sessie), keeps that
 * in sessionStorage (gone with the tab) and forgets it at the session's end, after
 * G.inactief_minuten without a click or key, or on "Uitloggen". Fills the page from the
 * JSON API with "Authorization: Bearer", following the template's data-* attributes; every
 * value goes in with textContent (the page's CSP enforces Trusted Types: an innerHTML
 * assignment would throw). The token never goes into a URL, the page, a log or a cache.
 * Texts come from the page (the JSON element #beheer-gegevens), in the page's language.
 */
"use strict";
(function () {
  const gegevensEl = document.getElementById("beheer-gegevens");
  if (!gegevensEl) return;
  const G = JSON.parse(gegevensEl.textContent);
  const T = G.teksten;
  const SLEUTEL = "bij1.beheer.sessie";
  const LOCALE = { nl: "nl-NL", en: "en-GB" }[G.lang] || G.lang;
  const byId = (id) => document.getElementById(id);
  const balk = byId("beheer-balk");
  const bericht = byId("beheer-bericht");
  const inloggen = byId("beheer-inloggen");
  const geenToegang = byId("beheer-geen-toegang");
  const inlogformulier = byId("beheer-inlogformulier");
  const tokenVeld = byId("beheer-token");
  const tokenFout = byId("beheer-token-error");
  let inhoud = byId("beheer-inhoud");
  const schoon = inhoud.cloneNode(true); // the content as served: nothing from the API in it
  let huidige = null; // the session in use: {token, naam, rol, einde, actief} (ms)
  let laatstBewaard = 0;

  // --- the session ----------------------------------------------------------------------

  function verlopen(s, nu) {
    return nu >= s.einde || nu - s.actief >= G.inactief_minuten * 60000;
  }

  function lees() {
    let s = null;
    try {
      s = JSON.parse(sessionStorage.getItem(SLEUTEL) || "null");
    } catch (e) {
      s = null;
    }
    if (!s || typeof s.token !== "string" || typeof s.einde !== "number" ||
        typeof s.actief !== "number") {
      return { sessie: null };
    }
    if (verlopen(s, Date.now())) {
      vergeet();
      return { sessie: null, verlopen: true, token: s.token };
    }
    return { sessie: s };
  }

  function bewaar(s) {
    try {
      sessionStorage.setItem(SLEUTEL, JSON.stringify(s));
    } catch (e) { /* no storage (a private window): the session lasts this page only */ }
  }

  function vergeet() {
    try {
      sessionStorage.removeItem(SLEUTEL);
    } catch (e) { /* nothing stored */ }
  }

  function stopOpServer(token) {
    fetch(G.base + "/beheer/sessie", {
      method: "DELETE", cache: "no-store", credentials: "omit", keepalive: true,
      headers: { Authorization: "Bearer " + token, Accept: "application/json" },
    }).catch(function () { /* it ends by itself at its end */ });
  }

  function afmelden(reden) {
    const s = huidige;
    huidige = null;
    vergeet();
    wis();
    toonInloggen(T[reden] || "");
    if (s) stopOpServer(s.token);
  }

  function controleer() {
    if (huidige && verlopen(huidige, Date.now())) afmelden("verlopen");
  }

  function actief() {
    if (!huidige) return;
    const nu = Date.now();
    if (verlopen(huidige, nu)) {
      afmelden("verlopen");
      return;
    }
    huidige.actief = nu;
    if (nu - laatstBewaard > 5000) {
      laatstBewaard = nu;
      bewaar(huidige);
    }
  }

  // --- what the page shows --------------------------------------------------------------

  function wis() {
    const nieuw = schoon.cloneNode(true);
    inhoud.replaceWith(nieuw);
    inhoud = nieuw;
    inhoud.hidden = true;
    balk.hidden = true;
    geenToegang.hidden = true;
    document.querySelectorAll("[data-sessie]").forEach(function (el) { el.textContent = ""; });
  }

  function focusKop(sectie) {
    const kop = sectie.querySelector("h1");
    if (kop) kop.focus();
  }

  function meld(el, tekst) {
    if (el) el.textContent = tekst || "";
  }

  function toonInloggen(tekst) {
    inloggen.hidden = false;
    tokenVeld.value = "";
    meld(bericht, tekst);
    if (tekst) focusKop(inloggen);
  }

  function zetSessie(s) {
    document.querySelectorAll("[data-sessie]").forEach(function (el) {
      const veld = el.dataset.sessie;
      if (veld === "naam") el.textContent = s.naam;
      else if (veld === "rol") el.textContent = label("rol", s.rol);
      else if (veld === "eindigt") {
        const eind = new Date(s.einde);
        el.dateTime = eind.toISOString();
        el.textContent = new Intl.DateTimeFormat(LOCALE, { timeStyle: "short", timeZone: G.tijdzone }).format(eind);
      }
    });
  }

  function binnen(s, zojuist) {
    huidige = s;
    inloggen.hidden = true;
    zetSessie(s);
    balk.hidden = false;
    if (G.rollen && G.rollen.indexOf(s.rol) < 0) {
      geenToegang.hidden = false;
      if (zojuist) focusKop(geenToegang);
      return;
    }
    bereid(inhoud, s.rol);
    inhoud.hidden = false;
    inhoud.querySelectorAll("[data-bron]").forEach(laad);
    if (zojuist) focusKop(inhoud);
  }

  // Parts for other roles go (not just hidden); every data root becomes its own scope.
  function bereid(root, rol) {
    root.querySelectorAll("[data-rollen]").forEach(function (el) {
      if (el.dataset.rollen.split(/\s+/).indexOf(rol) < 0) el.remove();
    });
    root.querySelectorAll("[data-bron], [data-resultaat-doel]").forEach(function (el) {
      el.dataset.scope = "";
    });
    root.querySelectorAll("[data-als-leeg]").forEach(function (el) {
      const lijst = root.querySelector(el.dataset.alsLeeg);
      el.hidden = !!(lijst && lijst.children.length);
    });
  }

  // --- the API --------------------------------------------------------------------------

  async function api(methode, adres, body, alsBestand) {
    const s = huidige;
    if (!s) return null;
    const headers = { Authorization: "Bearer " + s.token, "Accept-Language": G.lang,
                      Accept: alsBestand ? "text/csv" : "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    let r;
    try {
      r = await fetch(adres, { method: methode, headers: headers, cache: "no-store",
                               credentials: "omit", redirect: "error",
                               body: body ? JSON.stringify(body) : undefined });
    } catch (e) {
      return huidige === s ? { ok: false, status: 0, data: null } : null;
    }
    if (huidige !== s) return null; // signed out meanwhile: drop the answer
    if (r.status === 401 || r.status === 403) {
      if (!(await nogGeldig(s))) {
        if (huidige === s) afmelden("verlopen");
        return null;
      }
      return { ok: false, status: 403, data: null };
    }
    let data = null;
    try {
      data = alsBestand && r.ok ? await r.blob() : await r.json();
    } catch (e) {
      data = null;
    }
    if (huidige !== s) return null;
    return { ok: r.ok, status: r.status, data: data, bestand: alsBestand ? bestandsnaam(r) : null };
  }

  async function nogGeldig(s) {
    try {
      const r = await fetch(G.base + "/beheer/sessie", {
        cache: "no-store", credentials: "omit",
        headers: { Authorization: "Bearer " + s.token, Accept: "application/json" } });
      return r.ok;
    } catch (e) {
      return true; // the network, not the session: keep it
    }
  }

  function bestandsnaam(r) {
    const m = /filename="?([A-Za-z0-9._-]+)"?/.exec(r.headers.get("content-disposition") || "");
    return m ? m[1] : null;
  }

  function invullen(pad, data) {
    return pad.replace(/\{([a-z_]+)\}/g, function (_, naam) {
      let v = data ? waarde(data, naam) : undefined;
      if (v === undefined || v === null) v = G.params[naam];
      return encodeURIComponent(v === undefined || v === null ? "" : String(v));
    });
  }

  function adresVan(pad, queryNamen) {
    let adres = G.base + invullen(pad);
    if (queryNamen) {
      const hier = new URLSearchParams(location.search);
      const q = new URLSearchParams();
      queryNamen.split(/\s+/).forEach(function (naam) {
        const v = hier.get(naam);
        if (v) q.set(naam, v);
      });
      const rest = q.toString();
      if (rest) adres += "?" + rest;
    }
    return adres;
  }

  // --- filling the page -----------------------------------------------------------------

  function waarde(data, pad) {
    return pad.split(".").reduce(function (v, stap) {
      return v !== null && v !== undefined && typeof v === "object" ? v[stap] : undefined;
    }, data);
  }

  function waar(v) {
    return Array.isArray(v) ? v.length > 0 : !!v;
  }

  function label(soort, v) {
    const kaart = soort ? G.labels[soort] : null;
    const s = String(v);
    return kaart && Object.prototype.hasOwnProperty.call(kaart, s) ? kaart[s] : s;
  }

  function datumtijd(v) {
    const d = new Date(v);
    if (isNaN(d.getTime())) return String(v);
    return new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short",
                                             timeZone: G.tijdzone }).format(d);
  }

  function datum(v) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(v));
    if (!m) return String(v);
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], 12));
    return new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeZone: "UTC" }).format(d);
  }

  function tekst(el, v) {
    const leeg = v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length);
    let t;
    if (leeg) t = el.dataset.leeg || "";
    else if (Array.isArray(v)) t = v.map(function (x) { return label(el.dataset.labels, x); }).join(", ");
    else if (typeof v === "boolean") t = v ? T.ja : T.nee;
    else if (el.dataset.soort === "datumtijd") t = datumtijd(v);
    else if (el.dataset.soort === "datum") t = datum(v);
    else t = label(el.dataset.labels, v);
    el.textContent = t;
    if (el.tagName === "TIME" && !leeg) el.dateTime = String(v);
  }

  function sjabloon(tekstMet, data) {
    return tekstMet.replace(/\{([a-z_.]+)(?:\|([a-z_]+))?\}/g, function (_, pad, soort) {
      const v = data ? waarde(data, pad) : undefined;
      return v === undefined || v === null ? "" : label(soort, v);
    });
  }

  // The elements of root's own scope (not those of a list item or another data root in it).
  function eigen(root, selector) {
    return Array.prototype.filter.call(root.querySelectorAll(selector), function (el) {
      return el.parentElement.closest("[data-scope]") === root;
    });
  }

  function vul(root, data) {
    root.dataset.scope = "";
    eigen(root, "[data-lijst]").forEach(function (el) { lijst(el, waarde(data, el.dataset.lijst)); });
    eigen(root, "[data-veld]").forEach(function (el) { tekst(el, waarde(data, el.dataset.veld)); });
    eigen(root, "[data-als]").forEach(function (el) { el.hidden = !waar(waarde(data, el.dataset.als)); });
    eigen(root, "[data-tenzij]").forEach(function (el) { el.hidden = waar(waarde(data, el.dataset.tenzij)); });
    eigen(root, "a[data-href]").forEach(function (el) {
      el.href = G.base + invullen(el.dataset.href, data) + "?lang=" + encodeURIComponent(G.lang);
    });
    eigen(root, "a[data-volgende]").forEach(function (el) { volgende(el, waarde(data, el.dataset.volgende)); });
    eigen(root, "select[data-keuzes]").forEach(function (el) { keuzes(el, waarde(data, el.dataset.keuzes)); });
  }

  function lijst(el, items) {
    const model = el.querySelector(":scope > template");
    Array.prototype.slice.call(el.children).forEach(function (c) { if (c !== model) c.remove(); });
    if (!model || !Array.isArray(items)) return;
    items.forEach(function (item) {
      const kloon = model.content.firstElementChild.cloneNode(true);
      el.append(kloon);
      vul(kloon, item);
    });
  }

  function volgende(el, cursor) {
    if (!cursor) {
      el.hidden = true;
      el.removeAttribute("href");
      return;
    }
    const hier = new URL(location.href);
    hier.searchParams.set(el.dataset.volgende, String(cursor));
    el.href = hier.pathname + hier.search;
    el.hidden = false;
  }

  // A select whose choices depend on a value (the status changes allowed from a status).
  function keuzes(select, van) {
    const toegestaan = (G.keuzes[select.dataset.keuzesUit] || {})[String(van)] || [];
    let eerste = null;
    Array.prototype.forEach.call(select.options, function (o) {
      const mag = toegestaan.indexOf(o.value) >= 0;
      o.hidden = !mag;
      o.disabled = !mag;
      if (mag && !eerste) eerste = o;
    });
    if (eerste && (select.selectedIndex < 0 || select.options[select.selectedIndex].disabled)) {
      select.value = eerste.value;
    }
    if (select.form) {
      select.form.hidden = !eerste;
      const geen = select.form.parentElement.querySelector("[data-geen-keuzes]");
      if (geen) geen.hidden = !!eerste;
    }
  }

  async function laad(el) {
    const fouten = el.dataset.foutenIn ? document.querySelector(el.dataset.foutenIn) : null;
    const formulier = el.dataset.formulier ? document.querySelector(el.dataset.formulier) : null;
    el.setAttribute("aria-busy", "true");
    const r = await api("GET", adresVan(el.dataset.bron, el.dataset.query));
    el.removeAttribute("aria-busy");
    if (!r || !el.isConnected) return;
    wisFouten(fouten, formulier);
    if (!r.ok) {
      toonFouten(fouten, r, formulier);
      return;
    }
    vul(el, r.data || {});
  }

  function vernieuw(selectors) {
    return Promise.all((selectors || "").split(/\s+/).filter(Boolean).map(function (sel) {
      const el = document.querySelector(sel);
      return el && el.dataset.bron ? laad(el) : null;
    }));
  }

  // --- errors, in the one error shape {"error", "errors": {field: message}} --------------

  function foutTekst(status) {
    if (status >= 500) return T.fout_500;
    return T["fout_" + status] || T.fout_400;
  }

  function wisFouten(fouten, formulier) {
    if (fouten) {
      fouten.replaceChildren();
      fouten.removeAttribute("role");
    }
    if (!formulier) return;
    formulier.querySelectorAll("[data-gemaakt]").forEach(function (el) { el.remove(); });
    formulier.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      if (el.dataset.beschreven !== undefined) {
        if (el.dataset.beschreven) el.setAttribute("aria-describedby", el.dataset.beschreven);
        else el.removeAttribute("aria-describedby");
      }
    });
  }

  function markeer(veld, boodschap) {
    const p = document.createElement("p");
    p.className = "field-error";
    p.id = veld.id + "-fout";
    p.dataset.gemaakt = "";
    p.textContent = boodschap;
    veld.insertAdjacentElement("beforebegin", p);
    if (veld.dataset.beschreven === undefined) veld.dataset.beschreven = veld.getAttribute("aria-describedby") || "";
    veld.setAttribute("aria-describedby", (veld.dataset.beschreven + " " + p.id).trim());
    veld.setAttribute("aria-invalid", "true");
  }

  function labelVan(veld) {
    const l = veld.id ? document.querySelector('label[for="' + CSS.escape(veld.id) + '"]') : null;
    return l ? l.textContent.trim() : veld.name;
  }

  function toonFouten(doel, r, formulier) {
    if (!doel) return;
    doel.setAttribute("role", "alert");
    const kop = document.createElement("h2");
    kop.textContent = T.fouten_kop;
    const ul = document.createElement("ul");
    const velden = (r.data && typeof r.data.errors === "object" && r.data.errors) || {};
    const namen = Object.keys(velden);
    if (!namen.length || r.status !== 400) {
      const li = document.createElement("li");
      li.textContent = foutTekst(r.status);
      ul.append(li);
    }
    namen.forEach(function (naam) {
      const li = document.createElement("li");
      const boodschap = String(velden[naam]);
      const veld = formulier ? formulier.querySelector('[name="' + CSS.escape(naam) + '"]') : null;
      if (veld && veld.id) {
        const a = document.createElement("a");
        a.href = "#" + veld.id;
        a.textContent = labelVan(veld) + ": " + boodschap;
        li.append(a);
        markeer(veld, boodschap);
      } else {
        li.textContent = naam === "_body" ? boodschap : naam + ": " + boodschap;
      }
      ul.append(li);
    });
    doel.append(kop, ul);
  }

  // --- forms and buttons ----------------------------------------------------------------

  function velden(form) {
    const uit = {};
    new FormData(form).forEach(function (v, naam) {
      const el = form.querySelector('[name="' + CSS.escape(naam) + '"]');
      if (el && el.hasAttribute("data-lijst-veld")) (uit[naam] = uit[naam] || []).push(String(v));
      else uit[naam] = String(v);
    });
    return uit;
  }

  async function verstuur(form) {
    const methode = (form.dataset.methode || "POST").toUpperCase();
    const fouten = form.querySelector("[data-fouten]");
    const klaar = form.parentElement.querySelector("[data-bericht]");
    const knop = form.querySelector("[type=submit]");
    wisFouten(fouten, form);
    meld(klaar, "");
    if (knop) knop.disabled = true;
    const r = await api(methode, adresVan(form.dataset.actie), methode === "GET" ? null : velden(form));
    if (knop) knop.disabled = false;
    if (!r) return;
    if (!r.ok) {
      toonFouten(fouten, r, form);
      if (fouten) fouten.focus();
      if (r.status === 404 || r.status === 409) vernieuw(form.dataset.vernieuw);
      return;
    }
    if (form.dataset.resultaat) {
      const doel = document.querySelector(form.dataset.resultaat);
      if (doel) {
        vul(doel, r.data || {});
        doel.hidden = false;
      }
    }
    if (methode !== "GET") form.reset();
    await vernieuw(form.dataset.vernieuw); // the page shows the change before it says so
    meld(klaar, sjabloon(form.dataset.gelukt || T.gelukt, r.data));
  }

  async function download(knop) {
    const klaar = knop.closest("section") ? knop.closest("section").querySelector("[data-bericht]") : null;
    meld(klaar, "");
    knop.disabled = true;
    const r = await api("GET", adresVan(knop.dataset.download, knop.dataset.query), null, true);
    knop.disabled = false;
    if (!r) return;
    if (!r.ok || !r.data) {
      meld(klaar, foutTekst(r.status));
      return;
    }
    const adres = URL.createObjectURL(r.data);
    const a = document.createElement("a");
    a.href = adres;
    a.download = r.bestand || knop.dataset.bestand || "download";
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(adres); }, 10000);
    meld(klaar, T.gedownload);
  }

  function tokenFoutTonen(tekstFout) {
    tokenFout.textContent = tekstFout;
    tokenFout.hidden = !tekstFout;
    if (tekstFout) {
      tokenVeld.setAttribute("aria-invalid", "true");
      tokenVeld.setAttribute("aria-describedby", "beheer-token-hint beheer-token-error");
    } else {
      tokenVeld.removeAttribute("aria-invalid");
      tokenVeld.setAttribute("aria-describedby", "beheer-token-hint");
    }
  }

  async function inloggenMet(form) {
    // spaces, and the quotes of a token copied out of .local/tokens.json, are no part of it
    const token = tokenVeld.value.trim().replace(/^["']+|["',]+$/g, "");
    tokenVeld.value = "";
    tokenFoutTonen("");
    meld(bericht, "");
    if (!token) {
      tokenFoutTonen(T.token_leeg);
      tokenVeld.focus();
      return;
    }
    if (!/^[\x21-\x7e]+$/.test(token)) {
      tokenFoutTonen(T.token_onbekend);
      tokenVeld.focus();
      return;
    }
    const knop = form.querySelector("[type=submit]");
    knop.disabled = true;
    let r = null;
    try {
      r = await fetch(G.base + "/beheer/sessie", {
        method: "POST", body: "{}", cache: "no-store", credentials: "omit", redirect: "error",
        headers: { Authorization: "Bearer " + token, "Content-Type": "application/json",
                   Accept: "application/json", "Accept-Language": G.lang } });
    } catch (e) {
      r = null;
    }
    knop.disabled = false;
    let d = null;
    if (r && r.status === 201) {
      try {
        d = await r.json();
      } catch (e) {
        d = null;
      }
    }
    if (d && typeof d.sessie === "string") {
      const nu = Date.now();
      const s = { token: d.sessie, naam: String(d.naam || ""), rol: String(d.rol || ""),
                  einde: nu + Number(d.seconden || 0) * 1000, actief: nu };
      bewaar(s);
      meld(bericht, T.ingelogd);
      binnen(s, true);
      return;
    }
    if (!r) tokenFoutTonen(T.fout_0);
    else if (r.status === 400) tokenFoutTonen(T.token_sessie);
    else if (r.status === 401 || r.status === 403) tokenFoutTonen(T.token_onbekend);
    else tokenFoutTonen(foutTekst(r.status));
    tokenVeld.focus();
  }

  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (form === inlogformulier) {
      e.preventDefault();
      inloggenMet(form);
    } else if (form.matches("form[data-actie]")) {
      e.preventDefault();
      verstuur(form);
    }
  });

  document.addEventListener("click", function (e) {
    const knop = e.target.closest("button[data-download]");
    if (knop) {
      e.preventDefault();
      download(knop);
    } else if (e.target.closest("#beheer-uitloggen")) {
      afmelden("uitgelogd");
    }
  });

  ["pointerdown", "keydown"].forEach(function (soort) {
    document.addEventListener(soort, actief, { passive: true, capture: true });
  });
  document.addEventListener("visibilitychange", controleer);
  // Back to this page from the browser's back/forward cache: the session may be gone since.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted && !lees().sessie) {
      huidige = null;
      wis();
      toonInloggen("");
    }
  });
  setInterval(controleer, 15000);

  // === Block: the newsletter's pages (docs/beheer.md, "De nieuwsbrief") ===================
  // Kept in one block so the code above stays as it was (other pages add blocks of their
  // own). It extends vul() and velden() by wrapping them: every caller above looks those
  // names up when it calls, so the wrappers apply everywhere.
  //   data-waarde="a" (input, textarea, select)  its value, also as its default (a reset keeps it)
  //   data-actie="/x/{id}" inside a filled scope   {names} from that scope's data (a list item)
  //   data-getal (a form field)                    sent as a JSON number; left out when empty
  //   iframe[data-voorbeeld="/x?v={a}"][sandbox]   the HTML fetched with the session, shown
  //                                                from a Blob URL (never srcdoc); data-fout-in
  //   button[data-herlaad="#a #b"]                 reloads those sources
  //   form[data-wacht="#bron a"]                   after it was sent, reloads #bron every 2 s
  //                                                (at most a minute) until its value a changes:
  //                                                the compile runs in the queue
  //   [data-resultaat-doel][tabindex=-1]           gets the focus when filled (the row whose
  //                                                button was pressed may be gone after)
  const vulKern = vul;
  const geladen = new WeakMap(); // data root -> the data it was last filled with
  let wacht = null; // {bron, pad, van, form, tot}: a form[data-wacht] sent, its change awaited
  vul = function (root, data) {
    vulKern(root, data);
    geladen.set(root, data);
    if (root.matches("[data-resultaat-doel][tabindex]")) root.focus();
    if (wacht && root === wacht.bron) verder(data);
    eigen(root, "[data-waarde]").forEach(function (el) {
      const v = waarde(data, el.dataset.waarde);
      const s = v === null || v === undefined ? "" : String(v);
      if (el.tagName !== "SELECT") el.defaultValue = s;
      el.value = s;
    });
    eigen(root, "form[data-actie]").forEach(function (form) {
      if (form.dataset.actie.indexOf("{") >= 0) form.dataset.actie = invullen(form.dataset.actie, data);
    });
    eigen(root, "iframe[data-voorbeeld]").forEach(function (frame) { voorbeeld(frame, data); });
  };

  const veldenKern = velden;
  velden = function (form) {
    const uit = veldenKern(form);
    form.querySelectorAll("[data-getal][name]").forEach(function (el) {
      const v = uit[el.name];
      if (v === "") delete uit[el.name];
      else if (typeof v === "string" && /^-?[0-9]{1,9}$/.test(v)) uit[el.name] = Number(v);
      // anything else goes as text: the API names the field
    });
    return uit;
  };

  const voorbeeldBeurt = new WeakMap(); // frame -> the number of its latest load
  const voorbeeldVan = new WeakMap(); // frame -> the address it shows
  async function voorbeeld(frame, data) {
    if (!frame.hasAttribute("sandbox")) return; // never API HTML in a frame that may run script
    const adresApi = G.base + invullen(frame.dataset.voorbeeld, data);
    // a stored version never changes: shown already, it is not fetched again (the status
    // reloads every 2 s while a compile is awaited)
    if (voorbeeldVan.get(frame) === adresApi && /[?&]versie=[0-9]/.test(adresApi)) return;
    const beurt = (voorbeeldBeurt.get(frame) || 0) + 1;
    voorbeeldBeurt.set(frame, beurt);
    const fout = frame.dataset.foutIn ? document.querySelector(frame.dataset.foutIn) : null;
    frame.setAttribute("aria-busy", "true");
    // api()'s file download (its Accept names CSV; this route answers HTML whatever it asks)
    const r = await api("GET", adresApi, null, true);
    if (!r || !frame.isConnected || voorbeeldBeurt.get(frame) !== beurt) return;
    frame.removeAttribute("aria-busy");
    if (!r.ok || !r.data) {
      meld(fout, foutTekst(r.status));
      return;
    }
    meld(fout, "");
    voorbeeldVan.set(frame, adresApi);
    const adres = URL.createObjectURL(new Blob([r.data], { type: "text/html;charset=utf-8" }));
    frame.addEventListener("load", function () { URL.revokeObjectURL(adres); }, { once: true });
    frame.src = adres;
  }

  document.addEventListener("click", function (e) {
    const knop = e.target.closest("button[data-herlaad]");
    if (knop) vernieuw(knop.dataset.herlaad);
  });

  // Capture: before the handler above sends the form, note what the value is now.
  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (!form.matches("form[data-actie][data-wacht]")) return;
    const delen = form.dataset.wacht.split(/\s+/);
    const bron = document.querySelector(delen[0]);
    if (!bron || !geladen.has(bron)) return;
    wacht = { bron: bron, selector: delen[0], pad: delen[1], form: form,
              van: gelijk(waarde(geladen.get(bron), delen[1])), tot: Date.now() + 60000 };
  }, true);

  function gelijk(v) {
    return JSON.stringify(v === undefined ? null : v); // absent and null are the same here
  }

  function verder(data) {
    const w = wacht;
    const fouten = w.form.querySelector("[data-fouten]");
    if (gelijk(waarde(data, w.pad)) !== w.van || !w.bron.isConnected ||
        (fouten && fouten.children.length) || Date.now() > w.tot) {
      wacht = null; // changed, refused, signed out or given up (Vernieuwen still works)
      return;
    }
    setTimeout(function () {
      if (wacht === w) vernieuw(w.selector);
    }, 2000);
  }
  // === End of block: the newsletter's pages ==============================================

  const begin = lees();
  if (begin.token) stopOpServer(begin.token);
  if (begin.sessie) binnen(begin.sessie, false);
  else toonInloggen(begin.verlopen ? T.verlopen : "");


  // ==== agendas (issue 11): documents as the body, dry runs, texts into a field, PDF links,
  // ==== a date into a page's path. Attributes in docs/beheer.md; values only as text.
  //
  // form[data-upload="/api/{param}"]: its [data-inhoud] field (a textarea, or a file input) is
  //   sent as the body (PUT) with Content-Type [data-inhoud]'s data-type; a chosen
  //   <option data-pad="/api/..."> replaces the path; the other named fields go as query
  //   parameters (empty ones left out). The answer fills data-resultaat (a list of texts
  //   in it as items {tekst}); while its status is "ontvangen" its status_url is asked
  //   again each second (at most a minute); then data-vernieuw reloads and [data-bericht]
  //   says data-gelukt, data-geweigerd or data-wachten ({veld} filled from the answer).
  // button[data-proef="/api/path"] in such a form: the same body POSTed (nothing stored);
  //   the answer fills the button's data-resultaat.
  // button[data-ophalen="/api/path"] data-uit="veld" data-in="#field": the answer's text
  //   into that field (data-methode, default GET; data-velden="a b": those fields of its
  //   form as the query; data-vraag: asked first when the field is not empty).
  // button[data-link-van="/api/path"] data-stuk="x": asks for a five-minute link
  //   (download_url, http(s) only) and opens it in a new tab.
  // form[data-ga-naar="/beheer/path/{naam}"]: a plain form whose fields fill the page's path.
  // form[data-verstuur="/api/path/{naam}"]: sent as JSON (data-methode, default PUT; a submit
  //   button's own data-methode wins, DELETE sends no body) to the path filled from the
  //   form's own fields (those leave the body); then data-vernieuw and data-gelukt as usual.
  // button[data-kopieer="#form"] in a list item: the item's [data-kopie="naam"] texts into
  //   that form's fields of the same name (to change an entry).

  async function apiBody(methode, adres, body, type) {
    const s = huidige;
    if (!s) return null;
    let r;
    try {
      r = await fetch(adres, { method: methode, cache: "no-store", credentials: "omit", redirect: "error",
                               body: body, headers: { Authorization: "Bearer " + s.token,
                               "Accept-Language": G.lang, Accept: "application/json", "Content-Type": type } });
    } catch (e) {
      return huidige === s ? { ok: false, status: 0, data: null } : null;
    }
    if (huidige !== s) return null;
    if (r.status === 401 || r.status === 403) {
      if (!(await nogGeldig(s))) {
        if (huidige === s) afmelden("verlopen");
        return null;
      }
      return { ok: false, status: 403, data: null };
    }
    let data = null;
    try {
      data = await r.json();
    } catch (e) {
      data = null;
    }
    return huidige === s ? { ok: r.ok, status: r.status, data: data } : null;
  }

  function alsItems(data) {
    const uit = Object.assign({}, data || {});
    Object.keys(uit).forEach(function (k) {
      if (Array.isArray(uit[k]) && uit[k].every(function (x) { return typeof x === "string"; })) {
        uit[k] = uit[k].map(function (x) { return { tekst: x }; });
      }
    });
    return uit;
  }

  function toonIn(selector, data) {
    const doel = selector ? document.querySelector(selector) : null;
    if (!doel) return;
    vul(doel, alsItems(data));
    doel.hidden = false;
  }

  function slaap(ms) {
    return new Promise(function (klaar) { setTimeout(klaar, ms); });
  }

  function inhoudVan(form) {
    const veld = form.querySelector("[data-inhoud]");
    if (!veld) return null;
    const leeg = veld.type === "file" ? !(veld.files && veld.files.length) : !veld.value.trim();
    return { veld: veld, leeg: leeg, type: veld.dataset.type,
             body: veld.type === "file" ? (leeg ? null : veld.files[0]) : veld.value };
  }

  function uploadQuery(form) {
    const q = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.hasAttribute("data-inhoud") || el.type === "file") return;
      if (el.querySelector && el.querySelector("option[data-pad]")) return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.value) q.set(el.name, el.value);
    });
    const rest = q.toString();
    return rest ? "?" + rest : "";
  }

  async function upload(form, knop) {
    const proef = knop && knop.dataset.proef ? knop : null;
    const fouten = form.querySelector("[data-fouten]");
    const klaar = form.parentElement.querySelector("[data-bericht]");
    const knoppen = form.querySelectorAll("button");
    wisFouten(fouten, form);
    meld(klaar, "");
    const inhoud = inhoudVan(form);
    if (!inhoud) return;
    if (inhoud.leeg) {
      const fout = {};
      fout[inhoud.veld.name] = form.dataset.leeg || T.fout_400;
      toonFouten(fouten, { status: 400, data: { errors: fout } }, form);
      if (fouten) fouten.focus();
      return;
    }
    const keuze = form.querySelector("option[data-pad]:checked");
    const adres = proef ? adresVan(proef.dataset.proef)
      : adresVan(keuze ? keuze.dataset.pad : form.dataset.upload) + uploadQuery(form);
    knoppen.forEach(function (b) { b.disabled = true; });
    if (!proef) {  // a dry run's answer is about a text not sent: gone once it is
      form.querySelectorAll("button[data-proef]").forEach(function (b) {
        const oud = b.dataset.resultaat ? document.querySelector(b.dataset.resultaat) : null;
        if (oud) oud.hidden = true;
      });
    }
    meld(klaar, form.dataset.bezig || "");
    const r = await apiBody(proef ? "POST" : "PUT", adres, inhoud.body, inhoud.type);
    let d = r && r.data;
    if (r && r.ok && !proef) {
      toonIn(form.dataset.resultaat, d);
      for (let i = 0; i < 60 && d && d.status === "ontvangen" &&
           /^\/[A-Za-z0-9_\/-]+$/.test(String(d.status_url || "")); i++) {
        await slaap(1000);
        const s = await api("GET", G.base + d.status_url);
        if (!s) break;
        if (s.ok && s.data) d = Object.assign({}, d, s.data);
      }
    }
    knoppen.forEach(function (b) { b.disabled = false; });
    if (!r || !huidige) return;
    if (!r.ok) {
      meld(klaar, "");
      toonFouten(fouten, r, form);
      if (fouten) fouten.focus();
      return;
    }
    if (proef) {
      toonIn(proef.dataset.resultaat, d);
      meld(klaar, sjabloon(proef.dataset.gelukt || T.gelukt, d));
      return;
    }
    toonIn(form.dataset.resultaat, d);
    if (d && d.status === "opgenomen") {
      if (inhoud.veld.type === "file") inhoud.veld.value = "";
      await vernieuw(form.dataset.vernieuw);
      meld(klaar, sjabloon(form.dataset.gelukt || T.gelukt, d));
    } else if (d && d.status === "geweigerd") {
      meld(klaar, sjabloon(form.dataset.geweigerd || T.fout_400, d));
    } else {
      meld(klaar, sjabloon(form.dataset.wachten || T.gelukt, d));
    }
  }

  async function ophalen(knop) {
    const form = knop.closest("form");
    const klaar = (form || knop).parentElement.querySelector("[data-bericht]");
    const veld = document.querySelector(knop.dataset.in);
    if (!veld) return;
    if (veld.value.trim() && knop.dataset.vraag && !window.confirm(knop.dataset.vraag)) return;
    let adres = adresVan(knop.dataset.ophalen);
    if (knop.dataset.velden && form) {
      const q = new URLSearchParams();
      knop.dataset.velden.split(/\s+/).forEach(function (naam) {
        const el = form.elements[naam];
        if (el && el.value) q.set(naam, el.value);
      });
      if (q.toString()) adres += "?" + q.toString();
    }
    const methode = (knop.dataset.methode || "GET").toUpperCase();
    meld(klaar, "");
    knop.disabled = true;
    const r = await api(methode, adres, methode === "GET" ? null : {});
    knop.disabled = false;
    if (!r) return;
    const tekstUit = r.ok && r.data ? r.data[knop.dataset.uit] : null;
    if (typeof tekstUit !== "string") {
      meld(klaar, r.ok ? (knop.dataset.niets || foutTekst(404)) : foutTekst(r.status));
      return;
    }
    veld.value = tekstUit;
    veld.focus();
    meld(klaar, knop.dataset.gelukt || T.gelukt);
  }

  async function bestand(knop) {
    const klaar = knop.parentElement.querySelector("[data-bericht]");
    meld(klaar, "");
    knop.disabled = true;
    const r = await api("GET", adresVan(knop.dataset.linkVan) + "?stuk=" + encodeURIComponent(knop.dataset.stuk || ""));
    knop.disabled = false;
    if (!r) return;
    const url = r.ok && r.data ? String(r.data.download_url || "") : "";
    if (!/^https?:\/\//.test(url)) {
      meld(klaar, foutTekst(r.ok ? 404 : r.status));
      return;
    }
    const a = document.createElement("a");
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
  }

  async function verstuurNaarPad(form, knop) {
    const methode = ((knop && knop.dataset.methode) || form.dataset.methode || "PUT").toUpperCase();
    const fouten = form.querySelector("[data-fouten]");
    const klaar = form.parentElement.querySelector("[data-bericht]");
    wisFouten(fouten, form);
    meld(klaar, "");
    const uit = velden(form);
    const inPad = {};
    form.dataset.verstuur.replace(/\{([a-z_]+)\}/g, function (_, naam) { inPad[naam] = true; return ""; });
    const leeg = Object.keys(inPad).filter(function (naam) { return !uit[naam]; });
    if (leeg.length) {
      const fout = {};
      leeg.forEach(function (naam) { fout[naam] = form.dataset.leeg || T.fout_400; });
      toonFouten(fouten, { status: 400, data: { errors: fout } }, form);
      if (fouten) fouten.focus();
      return;
    }
    const body = {};
    Object.keys(uit).forEach(function (naam) { if (!inPad[naam]) body[naam] = uit[naam]; });
    const knoppen = form.querySelectorAll("button");
    knoppen.forEach(function (b) { b.disabled = true; });
    const r = await api(methode, G.base + invullen(form.dataset.verstuur, uit), methode === "DELETE" ? null : body);
    knoppen.forEach(function (b) { b.disabled = false; });
    if (!r) return;
    if (!r.ok) {
      toonFouten(fouten, r, form);
      if (fouten) fouten.focus();
      return;
    }
    await vernieuw(form.dataset.vernieuw);
    meld(klaar, sjabloon((knop && knop.dataset.gelukt) || form.dataset.gelukt || T.gelukt,
                         Object.assign({}, uit, r.data || {})));
  }

  function kopieer(knop) {
    const form = document.querySelector(knop.dataset.kopieer);
    const item = knop.closest("[data-scope]");
    if (!form || !item) return;
    wisFouten(form.querySelector("[data-fouten]"), form);
    item.querySelectorAll("[data-kopie]").forEach(function (el) {
      const veld = form.elements[el.dataset.kopie];
      if (veld && veld.type !== "file") veld.value = el.textContent;
    });
    const eerste = form.querySelector("input, select, textarea");
    if (eerste) eerste.focus();
    meld(form.parentElement.querySelector("[data-bericht]"), knop.dataset.gelukt || "");
  }

  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (form.matches("form[data-verstuur]")) {
      e.preventDefault();
      verstuurNaarPad(form, e.submitter || null);
    } else if (form.matches("form[data-upload]")) {
      e.preventDefault();
      upload(form, e.submitter || null);
    } else if (form.matches("form[data-ga-naar]")) {
      e.preventDefault();
      const uit = velden(form);
      if (Object.keys(uit).some(function (k) { return !uit[k]; })) return;
      location.assign(G.base + invullen(form.dataset.gaNaar, uit) + "?lang=" + encodeURIComponent(G.lang));
    }
  });

  document.addEventListener("click", function (e) {
    const ophaalKnop = e.target.closest("button[data-ophalen]");
    const linkKnop = e.target.closest("button[data-link-van]");
    const kopieerKnop = e.target.closest("button[data-kopieer]");
    if (kopieerKnop) {
      e.preventDefault();
      kopieer(kopieerKnop);
    } else if (ophaalKnop) {
      e.preventDefault();
      ophalen(ophaalKnop);
    } else if (linkKnop) {
      e.preventDefault();
      bestand(linkKnop);
    }
  });
  // ==== end of the agendas block
})();

/* --- kalender (docs/beheer.md): one confirmation at a time -------------------------------
 * data-een-bericht on a container: when a form in it is sent, every [data-bericht] in the
 * container is emptied first, so the page never says "moved" next to "cancelled" from an
 * earlier form. Self-contained: it only empties texts the script itself wrote.
 */
(function () {
  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form[data-actie]")) return;
    const houder = form.closest("[data-een-bericht]");
    if (!houder) return;
    houder.querySelectorAll("[data-bericht]").forEach(function (el) { el.textContent = ""; });
  }, true);
})();

/* --- asked once more (docs/beheer.md): form[data-vraag-bij="veld=a b"][data-vraag] ----------
   When the form's field has one of those values, the browser's own dialog asks data-vraag
   before anything is sent (the meldpunt's final statuses: there is no way back). Runs in
   the capture phase, before the form's own handler; "cancel" sends nothing. */
(function () {
  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form[data-vraag-bij][data-vraag]")) return;
    const deel = form.dataset.vraagBij.split("=");
    const veld = form.elements[deel[0]];
    const waarden = (deel[1] || "").split(/\s+/);
    if (veld && waarden.indexOf(veld.value) >= 0 && !window.confirm(form.dataset.vraag)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
})();
