/* unspin HTML report: explanations on hover, click, tap and keyboard focus; group filters.
   Article text is never inserted as HTML: every string goes in through textContent. */
(function () {
  "use strict";
  var island = document.getElementById("unspin-data");
  if (!island) { return; }
  var data = JSON.parse(island.textContent);
  // Offsets are Unicode code points (the SemEval convention); JS strings count UTF-16 units,
  // so index an array of code points, never data.text itself.
  var chars = Array.from(data.text);
  function quote(span) { return chars.slice(span.start, span.end).join(""); }

  var textBox = document.getElementById("text");
  var tip = document.getElementById("tip");
  var segs = Array.prototype.slice.call(document.querySelectorAll(".seg"));
  var bySpan = {};
  segs.forEach(function (seg) {
    seg.getAttribute("data-spans").split(" ").forEach(function (i) {
      (bySpan[i] = bySpan[i] || []).push(seg);
    });
  });

  // Self-check: the highlighted text must be exactly the code points each span names.
  var ok = true;
  data.spans.forEach(function (span, i) {
    var got = (bySpan[i] || []).map(function (s) { return s.textContent; }).join("");
    if (got !== quote(span)) { ok = false; }
  });
  document.documentElement.setAttribute("data-offsets", ok ? "ok" : "mismatch");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  var current = null;
  var pinned = false;

  function indices(seg) { return seg.getAttribute("data-spans").split(" "); }

  function fill(seg) {
    while (tip.firstChild) { tip.removeChild(tip.firstChild); }
    var close = el("button", "close", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", "Close explanation");
    close.addEventListener("click", function (ev) { ev.stopPropagation(); hide(true); });
    tip.appendChild(close);
    indices(seg).forEach(function (i, k) {
      var span = data.spans[+i];
      var info = data.techniques[span.label] || { name: span.label, group: "other", explanation: "" };
      var grp = data.groups[info.group] || data.groups.other;
      var item = el("div", "item");
      item.style.setProperty("--ink", grp.ink);
      var h = el("h3", null, info.name);
      if (k === 0) { h.id = "tip-h"; }
      item.appendChild(h);
      var badge = el("span", "grp", grp.marker + " " + grp.name);
      badge.style.background = grp.tint;
      badge.style.color = grp.ink;
      item.appendChild(badge);
      item.appendChild(el("p", "q", "\u201c" + quote(span) + "\u201d"));
      if (info.explanation) { item.appendChild(el("p", "x", info.explanation)); }
      if (info.example) { item.appendChild(el("p", "ex", "For example: " + info.example)); }
      var bits = [span.label];
      if (info.semeval2023 && info.semeval2023.length) {
        bits.push("SemEval-2023: " + info.semeval2023.join(", "));
      }
      if (span.score !== null && span.score !== undefined) {
        bits.push("confidence " + Number(span.score).toFixed(2));
      }
      item.appendChild(el("p", "meta2", bits.join(" \u00b7 ")));
      tip.appendChild(item);
    });
  }

  function mark(seg, on) {
    indices(seg).forEach(function (i) {
      (bySpan[i] || []).forEach(function (s) { s.classList.toggle("active", on); });
    });
  }

  function place(seg) {
    if (window.matchMedia && window.matchMedia("(max-width: 640px)").matches) {
      tip.style.left = ""; tip.style.top = "";
      return;
    }
    var r = seg.getBoundingClientRect();
    var width = tip.offsetWidth;
    var left = Math.min(Math.max(8, r.left + window.scrollX), window.scrollX + document.documentElement.clientWidth - width - 8);
    var top = r.bottom + window.scrollY + 8;
    if (r.bottom + tip.offsetHeight + 16 > window.innerHeight && r.top > tip.offsetHeight + 16) {
      top = r.top + window.scrollY - tip.offsetHeight - 8;
    }
    tip.style.left = Math.max(8, left) + "px";
    tip.style.top = top + "px";
  }

  function show(seg, pin) {
    if (current && current !== seg) { mark(current, false); current.setAttribute("aria-expanded", "false"); }
    current = seg;
    pinned = !!pin;
    fill(seg);
    tip.hidden = false;
    place(seg);
    mark(seg, true);
    seg.setAttribute("aria-expanded", "true");
  }

  function hide(force) {
    if (pinned && !force) { return; }
    tip.hidden = true;
    if (current) { mark(current, false); current.setAttribute("aria-expanded", "false"); }
    var back = force && pinned ? current : null;
    current = null;
    pinned = false;
    if (back) { back.focus({ preventScroll: true }); }
  }

  function segOf(ev) {
    var t = ev.target;
    var seg = t && t.closest ? t.closest(".seg") : null;
    return seg && !seg.classList.contains("muted") ? seg : null;
  }

  if (textBox) {
    textBox.addEventListener("mouseover", function (ev) {
      var seg = segOf(ev);
      if (seg && !pinned) { show(seg, false); }
    });
    textBox.addEventListener("mouseout", function (ev) {
      var seg = segOf(ev);
      if (seg && !pinned && !(ev.relatedTarget && tip.contains(ev.relatedTarget))) { hide(false); }
    });
    textBox.addEventListener("focusin", function (ev) {
      var seg = segOf(ev);
      if (seg) { show(seg, false); }
    });
    textBox.addEventListener("focusout", function (ev) {
      if (!pinned && !(ev.relatedTarget && tip.contains(ev.relatedTarget))) { hide(false); }
    });
    textBox.addEventListener("click", function (ev) {
      var seg = segOf(ev);
      if (!seg) { return; }
      ev.stopPropagation();
      if (pinned && current === seg) { hide(true); } else { show(seg, true); }
    });
    textBox.addEventListener("keydown", function (ev) {
      var seg = segOf(ev);
      if (seg && (ev.key === "Enter" || ev.key === " ")) {
        ev.preventDefault();
        show(seg, true);
      }
    });
  }
  tip.addEventListener("click", function (ev) { ev.stopPropagation(); });
  document.addEventListener("click", function () { if (current) { hide(true); } });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && current) { hide(true); }
  });
  window.addEventListener("resize", function () { if (current && !tip.hidden) { place(current); } });

  // Legend buttons hide or show a group's highlights.
  var off = {};
  function repaint() {
    segs.forEach(function (seg) {
      var visible = indices(seg).some(function (i) {
        var info = data.techniques[data.spans[+i].label];
        return !off[info ? info.group : "other"];
      });
      seg.classList.toggle("muted", !visible);
      seg.setAttribute("tabindex", visible ? "0" : "-1");
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".lg[data-group]"), function (button) {
    button.addEventListener("click", function () {
      var group = button.getAttribute("data-group");
      off[group] = !off[group];
      button.setAttribute("aria-pressed", off[group] ? "false" : "true");
      if (current) { hide(true); }
      repaint();
    });
  });
})();
