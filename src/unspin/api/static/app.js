// unspin web page. Vanilla JS, no build step, nothing fetched from other sites.
// Article text is untrusted: every piece of it reaches the page through textContent or
// createTextNode, never parsed as HTML. Offsets are Unicode code points, so text is indexed
// with Array.from(text), never with String.prototype.slice.
"use strict";

(function () {
  const API = "/api/v1";
  const SVG = "http://www.w3.org/2000/svg";
  const FALLBACK_GROUP = {
    id: "other", name: "Other", explanation: "A label this page has no description for.",
    colour: "#767676", tint: "#E8E8E8", ink: "#4A4A4A", pattern: "solid", marker: "•",
  };
  const state = { health: null, taxonomy: { techniques: {}, groups: {} }, page: 0, pageSize: 20 };

  // ---- small DOM helpers ---------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of [].concat(children || [])) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function svg(tag, attrs, children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = String(value);
      else node.setAttribute(key, String(value));
    }
    for (const child of [].concat(children || [])) if (child) node.append(child);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function $(id) {
    return document.getElementById(id);
  }

  function say(id, message, isError) {
    const node = $(id);
    node.textContent = message || "";
    node.classList.toggle("error", Boolean(isError));
  }

  async function api(path, options) {
    const response = await fetch(API + path, options);
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const message = body && body.error ? body.error.message : response.statusText;
      const error = new Error(message || "request failed (" + response.status + ")");
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function safeHref(url) {
    // only http(s) addresses become links; anything else (javascript:, data:) stays text
    try {
      const parsed = new URL(String(url));
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  // ---- taxonomy ------------------------------------------------------------------------------

  function techniqueInfo(label) {
    const known = state.taxonomy.techniques[label];
    const group = (known && state.taxonomy.groups[known.group]) || FALLBACK_GROUP;
    return {
      label: label,
      name: known ? known.name : String(label).replace(/_/g, " "),
      explanation: known ? known.explanation : "",
      group: group,
    };
  }

  function marker(group) {
    return el("span", { class: "marker", "aria-hidden": "true", text: group.marker });
  }

  function swatch(group) {
    const node = el("span", { class: "swatch", "aria-hidden": "true", text: group.marker });
    node.style.backgroundColor = group.tint;
    node.style.color = group.ink;
    node.style.borderColor = group.ink;
    return node;
  }

  function paintMark(node, group) {
    // CSSOM writes are allowed by the Content-Security-Policy; style attributes are not
    node.style.backgroundColor = group.tint;
    node.style.textDecorationColor = group.ink;
    if (group.pattern === "overline") {
      node.style.textDecorationLine = "overline";
      node.style.textDecorationStyle = "solid";
    } else {
      node.style.textDecorationLine = "underline";
      node.style.textDecorationStyle = group.pattern || "solid";
    }
  }

  // ---- the article with its highlights -------------------------------------------------------

  function layerSpans(doc, name) {
    const layer = doc.layers && doc.layers[name];
    return layer && Array.isArray(layer.spans) ? layer.spans : [];
  }

  // Cut [0, n) at every span boundary; each piece knows which spans cover it.
  function pieces(n, spans) {
    const cuts = new Set([0, n]);
    for (const span of spans) {
      cuts.add(Math.max(0, Math.min(n, span.start)));
      cuts.add(Math.max(0, Math.min(n, span.end)));
    }
    const points = Array.from(cuts).sort((a, b) => a - b);
    const out = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i];
      const b = points[i + 1];
      const covering = spans.filter((s) => s.start <= a && s.end >= b && s.end > s.start);
      out.push({ start: a, end: b, spans: covering });
    }
    return out;
  }

  function renderArticle(target, chars, spans) {
    clear(target);
    const starts = new Set();
    for (const piece of pieces(chars.length, spans)) {
      const text = chars.slice(piece.start, piece.end).join("");
      if (!piece.spans.length) {
        target.append(document.createTextNode(text));
        continue;
      }
      // the shortest covering span is the most specific: it decides the colour
      const inner = piece.spans.slice().sort((a, b) => (a.end - a.start) - (b.end - b.start))[0];
      const group = techniqueInfo(inner.label).group;
      const mark = el("mark", {
        class: "hl" + (piece.spans.length > 1 ? " overlap" : ""),
        tabindex: "0",
        "data-group": group.id,
        "data-labels": piece.spans.map((s) => s.label).join("|"),
        "aria-describedby": "tip",
      });
      paintMark(mark, group);
      for (const span of piece.spans) {
        const key = span.start + ":" + span.end + ":" + span.label;
        if (span.start === piece.start && !starts.has(key)) {
          starts.add(key);
          mark.append(marker(techniqueInfo(span.label).group));
        }
      }
      mark.append(document.createTextNode(text));
      mark._spans = piece.spans;
      target.append(mark);
    }
  }

  function showTip(mark, pinned) {
    const tip = $("tip");
    clear(tip);
    for (const span of mark._spans || []) {
      const info = techniqueInfo(span.label);
      const score = typeof span.score === "number" ? "score " + span.score.toFixed(2)
        : (span.attrs && span.attrs.rule ? "rule: " + span.attrs.rule : "no score");
      tip.append(el("div", { class: "tip-item" }, [
        el("strong", {}, [swatch(info.group), " " + info.name]),
        el("div", { class: "tip-group", text: info.group.name + " · " + score }),
        info.explanation ? el("p", { text: info.explanation }) : null,
      ]));
    }
    tip.hidden = false;
    tip.dataset.pinned = pinned ? "1" : "";
    const box = mark.getBoundingClientRect();
    const width = Math.min(340, window.innerWidth - 16);
    tip.style.width = width + "px";
    const left = Math.max(8, Math.min(window.scrollX + box.left, window.scrollX + window.innerWidth - width - 8));
    tip.style.left = left + "px";
    tip.style.top = (window.scrollY + box.bottom + 6) + "px";
  }

  function hideTip(force) {
    const tip = $("tip");
    if (force || !tip.dataset.pinned) {
      tip.hidden = true;
      tip.dataset.pinned = "";
    }
  }

  function wireTips(article) {
    article.addEventListener("mouseover", (e) => {
      const mark = e.target.closest("mark.hl");
      if (mark && !$("tip").dataset.pinned) showTip(mark, false);
    });
    article.addEventListener("mouseout", (e) => {
      if (e.target.closest("mark.hl")) hideTip(false);
    });
    article.addEventListener("focusin", (e) => {
      const mark = e.target.closest("mark.hl");
      if (mark) showTip(mark, false);
    });
    article.addEventListener("focusout", () => hideTip(true));
    article.addEventListener("click", (e) => {
      const mark = e.target.closest("mark.hl");
      if (mark) showTip(mark, true);
      else hideTip(true);
    });
    article.addEventListener("keydown", (e) => {
      const mark = e.target.closest("mark.hl");
      if (!mark) return;
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        showTip(mark, true);
      }
    });
  }

  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") hideTip(true);
  });

  // ---- panels --------------------------------------------------------------------------------

  function countBy(spans) {
    const counts = new Map();
    for (const span of spans) counts.set(span.label, (counts.get(span.label) || 0) + 1);
    return Array.from(counts.entries()).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  function filterPanel(counts, active, onChange, analysed) {
    const box = el("fieldset", { class: "panel techniques" }, [el("legend", { text: "Techniques" })]);
    if (!counts.length) {
      box.append(el("p", { class: "muted", text: analysed ? "No persuasion techniques found." : "Techniques were not analysed (no persuasion detector ran)." }));
      return box;
    }
    const list = el("ul", { class: "plain" });
    for (const [label, count] of counts) {
      const info = techniqueInfo(label);
      const input = el("input", { type: "checkbox", checked: true, value: label });
      input.checked = active.has(label);
      input.addEventListener("change", () => {
        if (input.checked) active.add(label);
        else active.delete(label);
        onChange();
      });
      list.append(el("li", {}, [el("label", { class: "check" }, [
        input, swatch(info.group), " " + info.name + " ", el("span", { class: "count", text: "(" + count + ")" }),
      ])]));
    }
    const all = el("button", { type: "button", class: "small", text: "All" });
    const none = el("button", { type: "button", class: "small", text: "None" });
    all.addEventListener("click", () => { setAll(list, active, true); onChange(); });
    none.addEventListener("click", () => { setAll(list, active, false); onChange(); });
    box.append(list, el("div", { class: "row" }, [all, none]));
    return box;
  }

  function setAll(list, active, on) {
    for (const input of list.querySelectorAll("input[type=checkbox]")) {
      input.checked = on;
      if (on) active.add(input.value);
      else active.delete(input.value);
    }
  }

  function barChart(counts, title) {
    const rowHeight = 22;
    const labelWidth = 190;
    const width = 460;
    const height = Math.max(1, counts.length) * rowHeight + 8;
    const max = Math.max(1, ...counts.map((c) => c[1]));
    const chart = svg("svg", {
      viewBox: "0 0 " + width + " " + height, class: "bars", role: "img", "aria-label": title,
    });
    chart.append(svg("title", { text: title }));
    counts.forEach(([label, count], i) => {
      const info = techniqueInfo(label);
      const y = 4 + i * rowHeight;
      const w = Math.max(2, ((width - labelWidth - 40) * count) / max);
      chart.append(svg("text", { x: labelWidth - 6, y: y + 15, "text-anchor": "end", class: "axis", text: info.group.marker + " " + info.name }));
      chart.append(svg("rect", { x: labelWidth, y: y + 3, width: w, height: rowHeight - 8, fill: info.group.colour, stroke: info.group.ink }));
      chart.append(svg("text", { x: labelWidth + w + 4, y: y + 15, class: "axis", text: String(count) }));
    });
    return chart;
  }

  function highlightParts(chars, start, end, parts) {
    // a sentence with the numbers, dates and attribution inside it marked (not by colour alone)
    const inside = parts.filter((p) => p.start >= start && p.end <= end && p.end > p.start)
      .sort((a, b) => a.start - b.start);
    const out = [];
    let pos = start;
    for (const part of inside) {
      if (part.start < pos) continue;
      out.push(chars.slice(pos, part.start).join(""));
      out.push(el("span", { class: "claim-" + part.kind, title: part.kind, text: chars.slice(part.start, part.end).join("") }));
      pos = part.end;
    }
    out.push(chars.slice(pos, end).join(""));
    return out;
  }

  function safeUrl(url) {
    // only http(s) links leave the page; anything else is shown as text
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function factchecksList(checks) {
    // fact-checks found for a claim: "match" (same claim) first, then "related"
    const items = checks.filter((c) => c && typeof c === "object").map((c) => {
      const verdict = c.rating ? String(c.rating) : "no rating";
      const who = [c.reviewer, c.date].filter(Boolean).map(String).join(", ");
      const label = (c.level === "match" ? "Checked: " : "Related: ") + verdict + (who ? " (" + who + ")" : "");
      const href = safeUrl(c.url);
      const head = href
        ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: label })
        : el("span", { text: label });
      const sim = typeof c.similarity === "number" ? " · similarity " + c.similarity.toFixed(2) : "";
      return el("li", { class: "factcheck " + (c.level === "match" ? "match" : "related") }, [
        head,
        el("div", { class: "muted", text: "“" + String(c.claim_reviewed || "") + "”" + sim }),
      ]);
    });
    return el("ul", { class: "factchecks", "aria-label": "fact-checks of this claim" }, items);
  }

  function claimsPanel(doc, chars) {
    const spans = layerSpans(doc, "claims");
    const box = el("section", { class: "panel claims", "aria-labelledby": "claims-h" }, [
      el("h2", { id: "claims-h", text: "Claims to check (" + spans.length + ")" }),
    ]);
    if (!spans.length) {
      const analysed = Boolean(doc.layers && doc.layers.claims);
      box.append(el("p", { class: "muted", text: analysed ? "No check-worthy claims found." : "Claims were not analysed (no claims detector ran)." }));
      return box;
    }
    const list = el("ol", { class: "claim-list" });
    for (const span of spans) {
      const attrs = span.attrs || {};
      const parts = [];
      const facts = [];
      for (const kind of ["numbers", "dates", "attribution"]) {
        const items = Array.isArray(attrs[kind]) ? attrs[kind] : [];
        for (const item of items) {
          if (item && typeof item.start === "number") parts.push({ start: item.start, end: item.end, kind: kind });
        }
        if (items.length) {
          const label = { numbers: "Numbers", dates: "Dates", attribution: "Attribution" }[kind];
          facts.push(el("li", {}, [el("span", { class: "fact-" + kind, text: label + ": " }),
            items.map((i) => (i && i.text !== undefined ? String(i.text) : String(i))).join(", ")]));
        }
      }
      for (const key of ["speaker", "source", "verdict"]) {
        if (attrs[key]) facts.push(el("li", { text: key + ": " + (typeof attrs[key] === "string" ? attrs[key] : JSON.stringify(attrs[key])) }));
      }
      const score = typeof span.score === "number" ? " · score " + span.score.toFixed(2) : "";
      const checks = Array.isArray(attrs.factchecks) ? attrs.factchecks : null;
      const matched = checks ? checks.some((c) => c && c.level === "match") : false;
      list.append(el("li", { class: "claim" }, [
        matched ? el("span", { class: "badge checked-before", text: "checked before" }) : null,
        el("blockquote", {}, highlightParts(chars, span.start, span.end, parts)),
        facts.length ? el("ul", { class: "facts" }, facts) : null,
        checks && checks.length ? factchecksList(checks) : null,
        score ? el("div", { class: "muted", text: score.slice(3) }) : null,
      ]));
    }
    box.append(list);
    return box;
  }

  function actorsOf(doc, chars) {
    // unspin.document/2 keeps the actors in their layer's data (/1 also had a top-level copy)
    const layer = doc.layers && doc.layers.actors;
    const linked = layer && layer.data && Array.isArray(layer.data.actors) ? layer.data.actors : doc.actors;
    if (Array.isArray(linked) && linked.length) return { actors: linked, linked: true };
    // without an actors layer, fall back to the entity mentions, grouped by their text
    const byName = new Map();
    for (const span of layerSpans(doc, "entities")) {
      const name = chars.slice(span.start, span.end).join("");
      const entry = byName.get(name) || { name: name, type: span.label, aliases: [], mentions: [] };
      entry.mentions.push({ start: span.start, end: span.end });
      byName.set(name, entry);
    }
    const actors = Array.from(byName.values()).sort((a, b) => b.mentions.length - a.mentions.length);
    return { actors: actors, linked: false };
  }

  function describeStance(stance) {
    if (stance === null || stance === undefined) return "";
    if (typeof stance === "string") return stance;
    if (typeof stance === "object") {
      const label = stance.label || stance.stance || stance.polarity || "";
      const score = typeof stance.score === "number" ? " (" + stance.score.toFixed(2) + ")" : "";
      return label ? label + score : JSON.stringify(stance);
    }
    return String(stance);
  }

  function actorsPanel(doc, chars) {
    const found = actorsOf(doc, chars);
    const box = el("section", { class: "panel actors", "aria-labelledby": "actors-h" }, [
      el("h2", { id: "actors-h", text: "Actors (" + found.actors.length + ")" }),
    ]);
    if (!found.linked && found.actors.length) {
      box.append(el("p", { class: "muted", text: "Entity mentions (no actor linking or stance in this analysis)." }));
    }
    if (!found.actors.length) {
      const analysed = Boolean(doc.layers && (doc.layers.actors || doc.layers.entities));
      box.append(el("p", { class: "muted", text: analysed ? "No actors found." : "Actors were not analysed (no entities or actors detector ran)." }));
      return box;
    }
    const list = el("ul", { class: "actor-list" });
    for (const actor of found.actors.slice(0, 40)) {
      const aliases = (actor.aliases || []).filter((a) => a !== actor.name);
      const techniques = (actor.techniques || []).map((t) => (typeof t === "string" ? { label: t } : t || {}));
      const stance = describeStance(actor.stance);
      list.append(el("li", { class: "actor" }, [
        el("div", {}, [el("strong", { text: String(actor.name) }), " ", el("span", { class: "tag", text: String(actor.type || "") })]),
        el("div", { class: "muted", text: (actor.mentions || []).length + " mention(s)" }),
        aliases.length ? el("div", { text: "Also called: " + aliases.join(", ") }) : null,
        stance ? el("div", {}, ["Stance: ", el("span", { class: "stance stance-" + String(stance).split(" ")[0].toLowerCase(), text: stance })]) : null,
        techniques.length ? el("div", { class: "aimed" }, ["Techniques aimed at them: "].concat(techniques.map((t) => {
          const info = techniqueInfo(String(t.label || t.technique || ""));
          const quote = t.text ? " “" + shorten(String(t.text), 40) + "”" : "";
          return el("span", { class: "chip" }, [swatch(info.group), " " + info.name + quote]);
        }))) : null,
      ]));
    }
    box.append(list);
    return box;
  }

  function metaLine(doc) {
    const meta = doc.meta || {};
    const parts = [];
    if (meta.author) parts.push(el("span", { text: "by " + meta.author }));
    if (meta.published) parts.push(el("span", { text: String(meta.published) }));
    if (meta.source) {
      const href = safeHref(meta.source);
      parts.push(href ? el("a", { href: href, rel: "noopener noreferrer nofollow", target: "_blank", text: String(meta.source) })
        : el("span", { text: String(meta.source) }));
    }
    const producers = Object.values(doc.layers || {}).map((l) => l.producer).filter(Boolean);
    parts.push(el("span", { class: "muted", text: "analysed by " + Array.from(new Set(producers)).join(", ") }));
    const line = el("p", { class: "meta" });
    parts.forEach((part, i) => { if (i) line.append(" · "); line.append(part); });
    return line;
  }

  function renderDocument(target, doc) {
    clear(target);
    const chars = Array.from(doc.text);
    const spans = layerSpans(doc, "persuasion").filter((s) => s.end > s.start);
    const counts = countBy(spans);
    const active = new Set(counts.map((c) => c[0]));
    const article = el("div", { class: "article-text", id: "article-text", lang: (doc.meta && doc.meta.language) || null });
    const redraw = () => renderArticle(article, chars, spans.filter((s) => active.has(s.label)));
    redraw();
    wireTips(article);

    const title = (doc.meta && doc.meta.title) || "Untitled article";
    target.append(
      el("div", { class: "doc-head" }, [el("h2", { class: "doc-title", text: title }), metaLine(doc)]),
      el("div", { class: "doc-grid" }, [
        el("section", { class: "panel article", "aria-labelledby": "article-h" }, [
          el("h2", { id: "article-h", class: "sr-only", text: "Article" }),
          el("p", { class: "muted hint", text: "Highlighted words use a technique. Hover, tap or tab to one to see which and why." }),
          article,
        ]),
        el("aside", { class: "side" }, [
          filterPanel(counts, active, redraw, Boolean(doc.layers && doc.layers.persuasion)),
          el("section", { class: "panel chart-panel", "aria-labelledby": "mix-h" }, [
            el("h2", { id: "mix-h", text: "Technique counts" }),
            counts.length ? barChart(counts, "Technique counts in this article") : el("p", { class: "muted", text: "Nothing to chart." }),
          ]),
        ]),
      ]),
      el("div", { class: "doc-grid two" }, [claimsPanel(doc, chars), actorsPanel(doc, chars)])
    );
  }

  // ---- analyse view --------------------------------------------------------------------------

  function currentMode() {
    return document.querySelector("input[name=mode]:checked").value;
  }

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(new Error("could not read " + file.name));
      reader.readAsText(file);
    });
  }

  async function requestBody() {
    const mode = currentMode();
    const body = {};
    if (mode === "text") {
      const text = $("in-text").value;
      if (!text.trim()) throw new Error("Paste some text first.");
      body.text = text;
    } else if (mode === "file") {
      const file = $("in-file").files[0];
      if (!file) throw new Error("Choose a file first.");
      const content = await readFile(file);
      if (/\.html?$/i.test(file.name) || file.type === "text/html") body.html = content;
      else body.text = content;
      body.meta = { source: file.name };
    } else {
      const url = $("in-url").value.trim();
      if (!safeHref(url)) throw new Error("Give an http(s) address.");
      body.url = url;
    }
    const detectors = $("in-detectors").value;
    if (detectors) body.detectors = detectors;
    if ($("in-store").checked) body.store = true;
    return body;
  }

  async function onAnalyze(event) {
    event.preventDefault();
    const button = $("analyze-button");
    let body;
    try {
      body = await requestBody();
    } catch (error) {
      say("analyze-status", error.message, true);
      return;
    }
    button.disabled = true;
    say("analyze-status", "Analysing…");
    const headers = { "Content-Type": "application/json" };
    const key = $("in-key").value;
    if (key) headers["X-API-Key"] = key;
    try {
      const doc = await api("/analyze", { method: "POST", headers: headers, body: JSON.stringify(body) });
      renderDocument($("analysis"), doc);
      const n = layerSpans(doc, "persuasion").length;
      say("analyze-status", "Done: " + n + " technique span(s)" + (body.store ? ", saved to the corpus." : "."));
    } catch (error) {
      say("analyze-status", error.message, true);
    } finally {
      button.disabled = false;
    }
  }

  function onMode() {
    const mode = currentMode();
    for (const node of document.querySelectorAll("[data-mode]")) node.hidden = node.dataset.mode !== mode;
  }

  // ---- corpus: search and a document ---------------------------------------------------------

  function searchParams() {
    const params = new URLSearchParams();
    const fields = { q: "f-q", source: "f-source", since: "f-since", until: "f-until", technique: "f-technique", actor: "f-actor" };
    for (const [name, id] of Object.entries(fields)) {
      const value = $(id).value.trim();
      if (value) params.set(name, value);
    }
    params.set("limit", String(state.pageSize));
    params.set("offset", String(state.page * state.pageSize));
    return params;
  }

  async function runSearch() {
    say("search-status", "Searching…");
    const list = clear($("search-results"));
    try {
      const result = await api("/documents?" + searchParams().toString());
      const first = result.count ? state.page * state.pageSize + 1 : 0;
      const last = state.page * state.pageSize + result.data.length;
      say("search-status", result.count + " document(s)" + (result.count ? ", showing " + first + "–" + last : ""));
      $("page-info").textContent = result.count ? "page " + (state.page + 1) + " of " + Math.ceil(result.count / state.pageSize) : "";
      $("page-prev").disabled = state.page === 0;
      $("page-next").disabled = last >= result.count;
      for (const item of result.data) list.append(resultItem(item));
    } catch (error) {
      say("search-status", error.message, true);
    }
  }

  function resultItem(item) {
    const techniques = Object.entries(item.techniques || {}).sort((a, b) => b[1] - a[1]);
    return el("li", { class: "result" }, [
      el("a", { href: "#/doc/" + encodeURIComponent(item.id), text: item.title || item.preview || item.id }),
      el("div", { class: "muted", text: [item.source, item.published].filter(Boolean).join(" · ") }),
      techniques.length ? el("div", { class: "chips" }, techniques.slice(0, 6).map(([label, n]) => {
        const info = techniqueInfo(label);
        return el("span", { class: "chip" }, [swatch(info.group), " " + info.name + " " + n]);
      })) : null,
    ]);
  }

  async function showDocument(id) {
    say("doc-status", "Loading…");
    clear($("doc-container"));
    try {
      const doc = await api("/documents/" + encodeURIComponent(id));
      say("doc-status", "");
      renderDocument($("doc-container"), doc);
    } catch (error) {
      say("doc-status", error.message, true);
    }
  }

  // ---- corpus charts -------------------------------------------------------------------------

  // rows: [{key, counts: {label: n}}] -> horizontal stacked bars, one per row, by group
  function stackedBars(rows, title) {
    const groups = Object.values(state.taxonomy.groups);
    const rowHeight = 26;
    const labelWidth = 170;
    const width = 560;
    const height = Math.max(1, rows.length) * rowHeight + 10;
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "bars", role: "img", "aria-label": title });
    chart.append(svg("title", { text: title }));
    rows.forEach((row, i) => {
      const byGroup = groupTotals(row.counts);
      const total = Object.values(byGroup).reduce((a, b) => a + b, 0);
      const y = 5 + i * rowHeight;
      chart.append(svg("text", { x: labelWidth - 6, y: y + 16, "text-anchor": "end", class: "axis", text: shorten(String(row.key), 26) }));
      let x = labelWidth;
      const span = width - labelWidth - 90;
      for (const group of groups.concat([FALLBACK_GROUP])) {
        const n = byGroup[group.id] || 0;
        if (!n) continue;
        const w = (span * n) / Math.max(1, total);
        const rect = svg("rect", { x: x, y: y + 3, width: w, height: rowHeight - 8, fill: group.colour, stroke: "#fff", "data-group": group.id });
        rect.append(svg("title", { text: group.name + ": " + n }));
        chart.append(rect);
        // the group's marker inside its bar, so the chart does not rest on colour alone
        if (w >= 14) chart.append(svg("text", { x: x + w / 2, y: y + 16, "text-anchor": "middle", class: "bar-mark", "aria-hidden": "true", text: group.marker }));
        x += w;
      }
      const docs = row.documents ? " / " + row.documents + " doc" + (row.documents === 1 ? "" : "s") : "";
      chart.append(svg("text", { x: width - 84, y: y + 16, class: "axis", text: (total ? String(total) : "none") + docs }));
    });
    return chart;
  }

  function groupTotals(counts) {
    const out = {};
    for (const [label, n] of Object.entries(counts || {})) {
      const id = techniqueInfo(label).group.id;
      out[id] = (out[id] || 0) + Number(n || 0);
    }
    return out;
  }

  // points: [{key (date), counts}] -> stacked columns over time
  function columns(points, title) {
    const groups = Object.values(state.taxonomy.groups).concat([FALLBACK_GROUP]);
    const width = 560;
    const height = 220;
    const bottom = 30;
    const left = 34;
    const totals = points.map((p) => groupTotals(p.counts));
    const max = Math.max(1, ...totals.map((t) => Object.values(t).reduce((a, b) => a + b, 0)));
    const step = (width - left - 10) / Math.max(1, points.length);
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "columns", role: "img", "aria-label": title });
    chart.append(svg("title", { text: title }));
    chart.append(svg("line", { x1: left, y1: height - bottom, x2: width - 5, y2: height - bottom, class: "axis-line" }));
    chart.append(svg("text", { x: left - 4, y: 14, "text-anchor": "end", class: "axis", text: String(max) }));
    points.forEach((point, i) => {
      let y = height - bottom;
      const x = left + i * step + 2;
      for (const group of groups) {
        const n = totals[i][group.id] || 0;
        if (!n) continue;
        const h = ((height - bottom - 20) * n) / max;
        y -= h;
        const rect = svg("rect", { x: x, y: y, width: Math.max(2, Math.min(48, step - 4)), height: h, fill: group.colour, stroke: "#fff", "data-group": group.id });
        rect.append(svg("title", { text: point.key + " · " + group.name + ": " + n }));
        chart.append(rect);
        if (h >= 14 && step >= 14) chart.append(svg("text", { x: x + Math.min(48, step - 4) / 2, y: y + h / 2 + 4, "text-anchor": "middle", class: "bar-mark", "aria-hidden": "true", text: group.marker }));
      }
      if (points.length <= 12 || i % Math.ceil(points.length / 12) === 0) {
        chart.append(svg("text", { x: x, y: height - bottom + 14, class: "axis small", text: shorten(String(point.key), 10) }));
      }
    });
    return chart;
  }

  function groupLegend() {
    const list = el("ul", { class: "plain legend-list" });
    for (const group of Object.values(state.taxonomy.groups)) {
      const item = el("li", {}, [swatch(group), " " + group.name]);
      item.title = group.explanation;
      list.append(item);
    }
    return list;
  }

  function shorten(text, n) {
    const chars = Array.from(text);
    return chars.length > n ? chars.slice(0, n - 1).join("") + "…" : text;
  }

  async function showStats() {
    say("stats-status", "Loading…");
    try {
      const stats = await api("/stats");
      const rows = statsRows(stats, "sources");
      const points = statsRows(stats, "timeline");
      clear($("stats-actors")).append(actorsTable(stats.actors));
      clear($("chart-sources")).append(rows.length ? stackedBars(rows, "Technique mix per source") : el("p", { class: "muted", text: "No sources yet." }));
      clear($("chart-time")).append(points.length ? columns(points, "Techniques over time") : el("p", { class: "muted", text: "No dated documents yet." }));
      clear($("stats-legend")).append(groupLegend());
      say("stats-status", "");
    } catch (error) {
      say("stats-status", error.message, true);
    }
  }

  // the stats object -> rows of {key, counts}; a technique's value is a count or {spans: n}
  function statsRows(stats, kind) {
    const value = stats ? stats[kind] : null;
    if (!Array.isArray(value)) return [];
    return value.map((row) => {
      const counts = {};
      for (const [label, n] of Object.entries(row.techniques || row.counts || {})) {
        counts[label] = typeof n === "object" && n !== null ? Number(n.spans || 0) : Number(n || 0);
      }
      return { key: row.source || row.period || row.key || "", documents: row.documents, counts: counts };
    });
  }

  function actorsTable(actors) {
    if (!actors || !actors.length) return el("p", { class: "muted", text: "No actors yet." });
    const table = el("table", { class: "api-table" });
    table.append(el("tr", {}, [el("th", { text: "Actor" }), el("th", { text: "Documents" }), el("th", { text: "Stance by source (net, -1 to +1)" })]));
    for (const actor of actors) {
      const stances = Object.entries(actor.stance || {}).map(([source, s]) =>
        source + ": " + (s.net === null || s.net === undefined ? "not rated" : (s.net > 0 ? "+" : "") + s.net.toFixed(2)));
      table.append(el("tr", {}, [
        el("td", { text: String(actor.name) }),
        el("td", { text: String(actor.documents) }),
        el("td", { text: stances.join("; ") }),
      ]));
    }
    return table;
  }

  // ---- duplicates with a word diff -----------------------------------------------------------

  function words(text) {
    return text.split(/(\s+)/).filter((w) => w.length);
  }

  // longest common subsequence over words; returns [{op: "same"|"del"|"ins", text}]
  function wordDiff(a, b) {
    const x = words(a).slice(0, 3000);
    const y = words(b).slice(0, 3000);
    const n = x.length;
    const m = y.length;
    const table = new Uint16Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        table[i * (m + 1) + j] = x[i] === y[j] ? table[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
      }
    }
    const out = [];
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (x[i] === y[j]) { out.push({ op: "same", text: x[i] }); i++; j++; }
      else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) { out.push({ op: "del", text: x[i] }); i++; }
      else { out.push({ op: "ins", text: y[j] }); j++; }
    }
    while (i < n) out.push({ op: "del", text: x[i++] });
    while (j < m) out.push({ op: "ins", text: y[j++] });
    return out;
  }

  function diffSide(diff, keep, tag) {
    const box = el("div", { class: "diff-text" });
    for (const part of diff) {
      if (part.op === "same") box.append(document.createTextNode(part.text));
      else if (part.op === keep) box.append(/^\s+$/.test(part.text) ? document.createTextNode(part.text) : el(tag, { text: part.text }));
    }
    return box;
  }

  async function showDups() {
    say("dups-status", "Loading…");
    const list = clear($("dups-list"));
    try {
      const result = await api("/dups");
      const clusters = (result && result.clusters) || [];
      say("dups-status", clusters.length + " cluster(s) of copies");
      for (const [index, cluster] of clusters.entries()) {
        const members = cluster.members || [];
        const box = el("section", { class: "panel cluster", "aria-label": "Cluster " + (index + 1) }, [
          el("h2", { text: "Cluster " + (index + 1) + ": " + members.length + " copies" }),
          el("ul", { class: "plain members" }, members.map((m) => el("li", {}, [
            el("a", { href: "#/doc/" + encodeURIComponent(m.id), text: m.source || m.id }),
            typeof m.similarity === "number" ? " · similarity " + m.similarity.toFixed(2) : "",
          ]))),
        ]);
        const compare = el("div", { class: "compare" });
        box.append(compare);
        list.append(box);
        // sightings list one stored text once per source: compare two different texts
        const other = members.find((m) => m.id !== members[0].id);
        if (other) fillCompare(compare, members[0], other);
      }
    } catch (error) {
      say("dups-status", error.message, true);
    }
  }

  async function fillCompare(target, left, right) {
    try {
      const [a, b] = await Promise.all([api("/documents/" + encodeURIComponent(left.id)), api("/documents/" + encodeURIComponent(right.id))]);
      const diff = wordDiff(a.text, b.text);
      target.append(
        el("div", { class: "side-by-side" }, [
          el("div", {}, [el("h3", { text: left.source || left.id }), diffSide(diff, "del", "del")]),
          el("div", {}, [el("h3", { text: right.source || right.id }), diffSide(diff, "ins", "ins")]),
        ])
      );
    } catch (error) {
      target.append(el("p", { class: "error", text: error.message }));
    }
  }

  // ---- narratives ----------------------------------------------------------------------------

  function timelineChart(timeline, title) {
    const points = Array.isArray(timeline)
      ? timeline.map((p) => [String(p.date || p.period || p.key || p[0]), Number(p.count !== undefined ? p.count : p[1] || 0)])
      : Object.entries(timeline || {}).map(([k, v]) => [k, Number(v)]);
    const width = 420;
    const height = 80;
    const max = Math.max(1, ...points.map((p) => p[1]));
    const step = (width - 10) / Math.max(1, points.length);
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "timeline", role: "img", "aria-label": title });
    chart.append(svg("title", { text: title }));
    const bar = Math.max(2, Math.min(36, step - 3));
    points.forEach(([key, count], i) => {
      const h = ((height - 34) * count) / max;
      const x = 5 + i * step;
      const rect = svg("rect", { x: x, y: height - 18 - h, width: bar, height: h, class: "tl-bar" });
      rect.append(svg("title", { text: key + ": " + count }));
      chart.append(rect);
      chart.append(svg("text", { x: x + bar / 2, y: height - 22 - h, "text-anchor": "middle", class: "axis small", text: String(count) }));
    });
    if (points.length) {
      chart.append(svg("text", { x: 5, y: height - 4, class: "axis small", text: points[0][0] }));
      chart.append(svg("text", { x: width - 5, y: height - 4, "text-anchor": "end", class: "axis small", text: points[points.length - 1][0] }));
    }
    return chart;
  }

  async function showNarratives() {
    say("narr-status", "Loading…");
    const list = clear($("narr-list"));
    try {
      const result = await api("/narratives");
      const narratives = (result && (result.narratives || result.clusters)) || [];
      say("narr-status", narratives.length + " narrative(s)");
      for (const [index, narrative] of narratives.entries()) {
        const phrases = narrative.phrases || narrative.key_phrases || narrative.keywords || [];
        const name = narrative.name || narrative.label || phrases.slice(0, 3).join(", ") || "Narrative " + (index + 1);
        const members = narrative.members || narrative.documents || [];
        const sources = (narrative.sources || []).map((s) => (typeof s === "string" ? s : s.source + " (" + s.count + ")"));
        list.append(el("section", { class: "panel narrative" }, [
          el("h2", { text: name }),
          phrases.length ? el("p", {}, ["Key phrases: ", phrases.join(" · ")]) : null,
          el("p", { class: "muted", text: members.length + " document(s)" + (sources.length ? " from " + sources.length + " source(s): " + sources.slice(0, 8).join(", ") : "") }),
          narrative.timeline ? timelineChart(narrative.timeline, "Timeline of " + name) : null,
          el("ul", { class: "plain members" }, members.slice(0, 10).map((m) => el("li", {}, [
            el("a", { href: "#/doc/" + encodeURIComponent(m.id || m), text: m.title || m.source || m.id || String(m) }),
            m.published ? " · " + m.published : "",
          ]))),
        ]));
      }
    } catch (error) {
      say("narr-status", error.message, true);
    }
  }

  // ---- routing and start-up ------------------------------------------------------------------

  function route() {
    hideTip(true);
    const hash = location.hash.replace(/^#\/?/, "");
    const [view, ...rest] = hash.split("/");
    const name = view || "analyze";
    const views = { analyze: 1, search: 1, doc: 1, stats: 1, dups: 1, narratives: 1 };
    const shown = views[name] ? name : "analyze";
    for (const node of document.querySelectorAll(".view")) node.hidden = node.id !== "view-" + shown;
    for (const link of document.querySelectorAll("nav a[data-view]")) {
      if (link.dataset.view === shown || (shown === "doc" && link.dataset.view === "search")) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    if (shown === "search") runSearch();
    else if (shown === "doc") showDocument(decodeURIComponent(rest.join("/")));
    else if (shown === "stats") showStats();
    else if (shown === "dups") showDups();
    else if (shown === "narratives") showNarratives();
  }

  async function start() {
    try {
      state.health = await fetch("/healthz").then((r) => r.json());
    } catch (_) {
      state.health = { corpus: false, auth: false };
    }
    for (const node of document.querySelectorAll(".needs-corpus")) node.hidden = !state.health.corpus;
    for (const node of document.querySelectorAll(".needs-auth")) node.hidden = !state.health.auth;
    try {
      const taxonomy = await api("/taxonomy");
      for (const technique of taxonomy.techniques) state.taxonomy.techniques[technique.label] = technique;
      for (const group of taxonomy.groups) state.taxonomy.groups[group.id] = group;
    } catch (_) {
      state.taxonomy = { techniques: {}, groups: {} };
    }
    const select = $("f-technique");
    for (const [label, info] of Object.entries(state.taxonomy.techniques)) {
      select.append(el("option", { value: label, text: info.name }));
    }
    try {
      const detectors = await api("/detectors");
      const names = Object.keys(detectors.sets).concat(detectors.detectors.map((d) => d.name));
      const chosen = $("in-detectors");
      for (const name of names) chosen.append(el("option", { value: name, text: name, selected: name === detectors.default }));
    } catch (_) {
      $("in-detectors").append(el("option", { value: "", text: "server default" }));
    }
    for (const radio of document.querySelectorAll("input[name=mode]")) radio.addEventListener("change", onMode);
    $("analyze-form").addEventListener("submit", onAnalyze);
    $("search-form").addEventListener("submit", (e) => { e.preventDefault(); state.page = 0; runSearch(); });
    $("page-prev").addEventListener("click", () => { state.page = Math.max(0, state.page - 1); runSearch(); });
    $("page-next").addEventListener("click", () => { state.page += 1; runSearch(); });
    window.addEventListener("hashchange", route);
    route();
    document.body.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
