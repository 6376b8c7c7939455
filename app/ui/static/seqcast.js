/* seqcast web UI: shared helpers for every page.
 *
 * Every number a page shows comes from the JSON API, fetched here with the user's API key
 * (kept in localStorage, sent as `Authorization: Bearer`). Each chart keeps the series it was
 * drawn with in `window.seqcastCharts[id]` ({labels, data}), so what is plotted can be inspected.
 */
"use strict";

window.seqcastCharts = window.seqcastCharts || {};

const seqcast = (() => {
  const base = document.body.dataset.base || "";
  const KEY_STORAGE = "seqcast.apiKey";
  const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];

  class ApiError extends Error {
    constructor(status, body, message) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  function apiKey() {
    return localStorage.getItem(KEY_STORAGE) || "";
  }

  function initKeyField() {
    const field = document.getElementById("api-key");
    if (!field) return;
    field.value = apiKey();
    field.addEventListener("change", () => {
      const key = field.value.trim();
      if (key) localStorage.setItem(KEY_STORAGE, key);
      else localStorage.removeItem(KEY_STORAGE);
      document.dispatchEvent(new CustomEvent("seqcast:key"));
    });
  }

  /** The API's error body as one line per problem: 422s name the field (`horizon: ...`). */
  function describeError(status, body) {
    const prefix = status === 401 || status === 403 ? `${status} (auth): ` : `${status}: `;
    if (body && Array.isArray(body.detail)) {
      return body.detail
        .map((d) => {
          const field = (d.loc || []).slice(1).join(".");
          const msg = String(d.msg || "");
          return prefix + (field && !msg.startsWith(field + ":") ? `${field}: ${msg}` : msg);
        })
        .join("\n");
    }
    if (body && typeof body.detail === "string") return prefix + body.detail;
    if (body && typeof body.error === "string") return prefix + body.error;
    return prefix + (typeof body === "string" && body ? body : "request failed");
  }

  /** fetch() against the API; resolves to the parsed JSON, rejects with an ApiError. */
  async function api(path, { method = "GET", body } = {}) {
    const headers = { Accept: "application/json" };
    const key = apiKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(base + path, init);
    const text = await response.text();
    let data = text;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (_) {
      /* not JSON: keep the text for the message */
    }
    if (!response.ok) throw new ApiError(response.status, data, describeError(response.status, data));
    return data;
  }

  /** A DOM element: el("a", {href: "/x", class: "y"}, "text", childNode). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "dataset") Object.assign(node.dataset, value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function fmt(value, digits = 4) {
    if (value === null || value === undefined || Number.isNaN(value)) return "—";
    if (typeof value !== "number") return String(value);
    if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6)) {
      return value.toExponential(2);
    }
    return Number(value.toPrecision(digits)).toString();
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : "—";
  }

  function notice(message) {
    const box = document.getElementById("notice");
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  /** Show a form's outcome: the API's message verbatim on failure. */
  function result(node, message, ok) {
    node.textContent = message;
    node.classList.toggle("error", !ok);
    node.classList.toggle("ok", ok);
  }

  /** A text field's value as the API should see it: numbers as numbers, the rest as typed, so
   * the API's own validation answers (a 422 naming the field) instead of a second one here. */
  function parseValue(input) {
    const raw = input.value.trim();
    const kind = input.dataset.kind;
    if (kind === "list") return raw.split(",").map((s) => s.trim()).filter(Boolean);
    if (kind === "numbers") return raw.split(",").map((s) => s.trim()).filter(Boolean).map(numberOrText);
    if (input.inputMode === "numeric" || input.inputMode === "decimal") return numberOrText(raw);
    return raw;
  }

  function numberOrText(raw) {
    const n = Number(raw);
    return raw !== "" && Number.isFinite(n) ? n : raw;
  }

  /** Non-empty form fields as a JSON body; dotted names nest (`hyperparameters.epochs`). */
  function formBody(form) {
    const body = {};
    for (const input of form.querySelectorAll("input[name], select[name]")) {
      if (input.value.trim() === "") continue;
      const path = input.name.split(".");
      let target = body;
      for (const part of path.slice(0, -1)) target = target[part] = target[part] || {};
      target[path[path.length - 1]] = parseValue(input);
    }
    return body;
  }

  /** `schema` with its `$ref` followed and a nullable `anyOf` reduced to its one non-null
   * branch; the outer keywords (default, description) win over the branch's. */
  function resolveSchema(doc, schema) {
    if (!schema) return null;
    if (schema.$ref) {
      const { $ref, ...rest } = schema;
      const path = $ref.replace(/^#\//, "").split("/");
      return resolveSchema(doc, { ...path.reduce((node, key) => node && node[key], doc), ...rest });
    }
    const branches = (schema.anyOf || []).filter((s) => s.type !== "null");
    if (branches.length === 1) {
      const { anyOf, ...rest } = schema;
      return { ...resolveSchema(doc, branches[0]), ...rest };
    }
    return schema;
  }

  /** The schema of the field `name` (dotted: `hyperparameters.epochs`) of the component
   * `root`, and whether it is required; null when the document has no such field. */
  function fieldSchema(doc, root, name) {
    let node = resolveSchema(doc, { $ref: `#/components/schemas/${root}` });
    let required = false;
    for (const part of name.split(".")) {
      if (!node || !node.properties || !(part in node.properties)) return null;
      required = (node.required || []).includes(part);
      node = resolveSchema(doc, node.properties[part]);
    }
    return node && { schema: node, required };
  }

  const BOUNDS = [
    ["minimum", "≥"], ["exclusiveMinimum", ">"], ["maximum", "≤"], ["exclusiveMaximum", "<"],
  ];

  /** What an empty field means: the schema's default, else the "default: …" its description
   * states (a default computed from other fields), else null. */
  function defaultText(schema) {
    if (schema.default !== undefined && schema.default !== null) {
      return Array.isArray(schema.default) ? schema.default.join(", ") : String(schema.default);
    }
    const stated = /default: ([^;]+?)\.?$/.exec(schema.description || "");
    return stated ? stated[1] : null;
  }

  /** Give a form's fields their defaults (as placeholders: an empty field is left out, so the
   * server's own default applies), limits (`data-minimum`, `data-exclusive-maximum`, … and the
   * tooltip), required marks and choices (a select's options from `enum`; an empty "server
   * default" option stays first) from the OpenAPI document `doc`, component `root`. A field the
   * schema does not know keeps what the page wrote. Marks the form `data-schema="loaded"`. */
  function applySchema(form, doc, root) {
    for (const input of form.querySelectorAll("input[name], select[name]")) {
      const field = fieldSchema(doc, root, input.name);
      if (!field) continue;
      const { schema, required } = field;
      input.required = required;
      const limits = [];
      for (const [keyword, sign] of BOUNDS) {
        if (schema[keyword] === undefined) {
          delete input.dataset[keyword];
          continue;
        }
        input.dataset[keyword] = schema[keyword];
        limits.push(`${sign} ${schema[keyword]}`);
      }
      input.title = [schema.description, limits.length ? `allowed: ${limits.join(", ")}` : ""]
        .filter(Boolean)
        .join("\n");
      if (input.tagName === "SELECT") {
        if (schema.enum) setOptions(input, schema.enum, schema.default);
        continue;
      }
      const text = defaultText(schema);
      if (text !== null) input.placeholder = text;
      else if (!input.placeholder && required) input.placeholder = "required";
    }
    form.dataset.schema = "loaded";
  }

  /** A select's options from an `enum`, keeping an empty option and the current choice. */
  function setOptions(select, values, fallback) {
    const current = select.value;
    const empty = [...select.options].filter((o) => o.value === "");
    select.replaceChildren(...empty, ...values.map((v) => el("option", { value: v }, v)));
    const offered = [...select.options].map((o) => o.value);
    if (offered.includes(current)) select.value = current;
    else if (!empty.length && values.includes(fallback)) select.value = fallback;
  }

  /** Draw (or redraw) a line chart into #chart-<id>.
   * spec: {x: [...], series: [{label, values, color, dash, width}], bands: [[upperLabel,
   * lowerLabel, fill]], time: bool, xLabel, yLabel, meta: {...}}. Missing points are null. */
  function chart(id, spec) {
    const container = document.getElementById(`chart-${id}`);
    const labels = spec.series.map((s) => s.label);
    const data = [spec.x, ...spec.series.map((s) => s.values)];
    const previous = window.seqcastCharts[id];
    window.seqcastCharts[id] = {
      labels, data, xLabels: spec.xLabels || null, meta: spec.meta || {}, plot: null,
    };
    if (typeof uPlot === "undefined" || !container) return;
    const shape = JSON.stringify([labels, Boolean(spec.time)]);
    window.seqcastCharts[id].shape = shape;
    if (previous && previous.plot && previous.shape === shape) {
      previous.plot.setData(data);
      window.seqcastCharts[id].plot = previous.plot;
      return;
    }
    if (previous && previous.plot) previous.plot.destroy();
    const index = Object.fromEntries(labels.map((label, i) => [label, i + 1]));
    const options = {
      width: Math.max(container.clientWidth, 320),
      height: spec.height || 320,
      scales: { x: { time: Boolean(spec.time) } },
      axes: [{ label: spec.xLabel || "" }, { label: spec.yLabel || "" }],
      series: [
        { label: spec.xLabel || "x" },
        ...spec.series.map((s, i) => ({
          label: s.label,
          stroke: s.color || COLORS[i % COLORS.length],
          width: s.width || 1.5,
          dash: s.dash,
          points: { show: s.points ?? false },
          spanGaps: false,
        })),
      ],
      bands: (spec.bands || [])
        .filter(([upper, lower]) => index[upper] && index[lower])
        .map(([upper, lower, fill]) => ({ series: [index[upper], index[lower]], fill })),
    };
    window.seqcastCharts[id].plot = new uPlot(options, data, container);
  }

  /** Remove a chart whose data could not be read, so no stale plot stays under a new note. */
  function clearChart(id) {
    const previous = window.seqcastCharts[id];
    if (previous && previous.plot) previous.plot.destroy();
    delete window.seqcastCharts[id];
  }

  window.addEventListener("resize", () => {
    for (const [id, entry] of Object.entries(window.seqcastCharts)) {
      const container = document.getElementById(`chart-${id}`);
      if (entry.plot && container) {
        entry.plot.setSize({ width: Math.max(container.clientWidth, 320), height: entry.plot.height });
      }
    }
  });

  /** /datasets/{id}/values as {columns: {name: [...]}, timestamps: [...] | null}. */
  async function datasetValues(datasetId, seriesId) {
    const query = seriesId ? `?series=${encodeURIComponent(seriesId)}` : "";
    const raw = await api(`/datasets/${encodeURIComponent(datasetId)}/values${query}`);
    let columns = raw.columns;
    if (Array.isArray(columns) && Array.isArray(raw.values)) {
      const rows = raw.values;
      columns = Object.fromEntries(columns.map((name, j) => [name, rows.map((row) => row[j])]));
    } else if (!columns && raw.values && !Array.isArray(raw.values)) {
      columns = raw.values;
    }
    return { columns: columns || {}, timestamps: raw.timestamps || null };
  }

  /** Seconds since the epoch for every timestamp, or null when any does not parse. */
  function epochSeconds(timestamps) {
    if (!timestamps || !timestamps.length) return null;
    const out = timestamps.map((t) => Date.parse(t) / 1000);
    return out.every(Number.isFinite) ? out : null;
  }

  function linkTo(path, text) {
    return el("a", { href: base + path }, text);
  }

  initKeyField();
  return {
    ApiError, api, applySchema, base, chart, clearChart, COLORS, datasetValues, describeError, el,
    epochSeconds, fmt, formBody, linkTo, notice, result, when,
  };
})();
