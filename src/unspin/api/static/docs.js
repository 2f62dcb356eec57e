// Renders /openapi.json without anything from the network (FastAPI's /docs would load a CDN).
"use strict";

(function () {
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    // docstrings mark code with reStructuredText double backticks
    if (text !== undefined && text !== null) node.textContent = String(text).replace(/``/g, "");
    if (cls) node.className = cls;
    return node;
  }

  function typeOf(schema) {
    if (!schema) return "";
    if (schema.$ref) return schema.$ref.split("/").pop();
    if (schema.anyOf) return schema.anyOf.map(typeOf).join(" | ");
    if (schema.type === "array") return typeOf(schema.items) + "[]";
    return schema.type || "object";
  }

  function table(rows, head) {
    const t = el("table", null, "api-table");
    const tr = el("tr");
    head.forEach((h) => tr.append(el("th", h)));
    t.append(tr);
    rows.forEach((row) => {
      const r = el("tr");
      row.forEach((cell) => r.append(el("td", cell)));
      t.append(r);
    });
    return t;
  }

  function operation(path, method, op) {
    const box = el("section", null, "panel");
    box.append(el("h2", method.toUpperCase() + " " + path));
    if (op.summary) box.append(el("p", op.summary, "muted"));
    if (op.description) box.append(el("p", op.description));
    const params = op.parameters || [];
    if (params.length) {
      box.append(el("h3", "Parameters"));
      box.append(table(params.map((p) => [p.name, p.in, typeOf(p.schema), p.required ? "yes" : "no", p.description || ""]),
        ["name", "in", "type", "required", "description"]));
    }
    const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    if (body) box.append(el("p", "JSON body: " + typeOf(body.schema)));
    const responses = Object.entries(op.responses || {});
    box.append(el("h3", "Responses"));
    box.append(table(responses.map(([code, r]) => {
      const json = r.content && r.content["application/json"];
      return [code, r.description || "", json ? typeOf(json.schema) : ""];
    }), ["status", "meaning", "body"]));
    return box;
  }

  function schemaBox(name, schema) {
    const box = el("section", null, "panel");
    box.append(el("h3", name));
    if (schema.description) box.append(el("p", schema.description, "muted"));
    const required = new Set(schema.required || []);
    const rows = Object.entries(schema.properties || {}).map(([field, s]) =>
      [field, typeOf(s), required.has(field) ? "yes" : "no", s.description || ""]);
    if (rows.length) box.append(table(rows, ["field", "type", "required", "description"]));
    return box;
  }

  async function start() {
    const status = document.getElementById("docs-status");
    try {
      const spec = await fetch("/openapi.json").then((r) => r.json());
      document.getElementById("api-title").textContent = spec.info.title + " " + spec.info.version + " HTTP API";
      document.getElementById("api-description").textContent = spec.info.description || "";
      const endpoints = document.getElementById("endpoints");
      for (const [path, methods] of Object.entries(spec.paths)) {
        for (const [method, op] of Object.entries(methods)) endpoints.append(operation(path, method, op));
      }
      const schemas = document.getElementById("schemas");
      for (const [name, schema] of Object.entries((spec.components || {}).schemas || {})) schemas.append(schemaBox(name, schema));
      document.body.dataset.ready = "1";
    } catch (error) {
      status.textContent = "Could not load /openapi.json: " + error.message;
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
