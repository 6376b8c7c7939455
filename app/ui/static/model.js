/* Model page: versions from GET /models/{name} and /versions/{v}, the alias form
 * (PUT /models/{name}/aliases/{alias}), and the selected version's forecast plot: the dataset's
 * history (GET /datasets/{id}/values), /predict on the last window with its quantile band, and
 * forecasts over the held-out validation tail overlaid on the actual values; below it the live
 * MASE ratio by horizon step (GET .../versions/{v}/accuracy) against seasonal naive's 1. */
"use strict";

(() => {
  const { api, chart, clearChart, datasetValues, el, epochSeconds, fmt, linkTo, notice, result, when } =
    seqcast;
  const name = document.body.dataset.model;
  const modelPath = `/models/${encodeURIComponent(name)}`;
  const METRICS = ["mae", "rmse", "smape", "mase"];
  const aliasForm = document.getElementById("alias-form");
  const seriesSelect = document.getElementById("forecast-series");
  const targetSelect = document.getElementById("forecast-target");
  let details = {};
  let selected = Number(new URLSearchParams(location.search).get("version")) || null;
  let drawn = null;

  async function load() {
    try {
      const model = await api(modelPath);
      const numbers = model.versions.map((v) => v.version).sort((a, b) => b - a).slice(0, 50);
      const read = await Promise.all(numbers.map((v) => api(`${modelPath}/versions/${v}`)));
      details = Object.fromEntries(read.map((d) => [d.version, d]));
      document.querySelector("#versions-table tbody").replaceChildren(...read.map(row));
      if (!details[selected]) selected = numbers[0] || null;
      if (!aliasForm.version.value && selected) aliasForm.version.value = selected;
      notice(numbers.length ? "" : "This model has no versions.");
      if (selected) await show(selected);
    } catch (err) {
      notice(err.message);
    }
  }

  function row(v) {
    const m = v.metrics || {};
    return el(
      "tr",
      {
        dataset: { version: v.version },
        class: v.version === selected ? "selected" : null,
        onclick: () => show(v.version),
      },
      el("td", {}, `v${v.version}`),
      el("td", {}, v.architecture),
      el("td", {}, v.aliases.join(", ") || "—"),
      el("td", { class: m.beats_seasonal_naive ? "better" : null }, fmt(m.model?.mase)),
      el("td", {}, fmt(m.seasonal_naive?.mase)),
      el("td", {}, fmt(m.model?.smape)),
      el("td", {}, fmt(v.parity_error)),
      el("td", {}, v.device),
      el("td", {}, when(v.created_at)),
    );
  }

  async function show(version) {
    selected = version;
    history.replaceState(null, "", `?version=${version}`);
    for (const tr of document.querySelectorAll("#versions-table tbody tr")) {
      tr.classList.toggle("selected", Number(tr.dataset.version) === version);
    }
    const v = details[version];
    document.getElementById("version-detail").hidden = false;
    document.getElementById("version-title").textContent = `v${v.version} (${v.architecture})`;
    renderMetrics(v.metrics || {});
    renderFacts(v);
    if (drawn !== version) {
      drawn = version;
      await chooseSeries(v);
      chooseTarget(v);
      await Promise.all([drawForecast(v), drawAccuracy(v)]);
    }
  }

  /** The live MASE ratio (model MAE ÷ seasonal naive's on the actuals that arrived) by horizon
   * step, and naive's own ratio, 1, as the line to stay under. */
  async function drawAccuracy(v) {
    const note = document.getElementById("accuracy-note");
    let found;
    try {
      found = await api(`${modelPath}/versions/${v.version}/accuracy`);
    } catch (err) {
      clearChart("accuracy");
      note.textContent = `No live accuracy: ${err.message}`;
      return;
    }
    if (selected !== v.version) return;
    const steps = found.steps.filter((s) => s.mase_ratio !== null);
    if (!steps.length) {
      clearChart("accuracy");
      note.textContent =
        `No scored forecasts yet (${found.records} stored): forecasts are scored when rows for ` +
        "their timestamps are appended to the dataset (POST /datasets/{id}/rows).";
      return;
    }
    chart("accuracy", {
      x: steps.map((s) => s.step),
      series: [
        { label: "live MASE ratio", values: steps.map((s) => s.mase_ratio), color: "#2563eb", width: 2, points: true },
        { label: "seasonal naive", values: steps.map(() => 1), color: "#6b7280", dash: [6, 4] },
      ],
      xLabel: "horizon step",
      yLabel: "MAE ÷ seasonal naive MAE",
      height: 240,
      meta: { version: v.version, points: found.overall.points },
    });
    const o = found.overall;
    note.textContent =
      `${o.points} scored points over ${found.series_total} series; overall ratio ` +
      `${fmt(o.mase_ratio)}` + (o.mase !== null ? ` (MASE ${fmt(o.mase)} vs naive ${fmt(o.naive_mase)})` : "") +
      `; last scored ${when(found.last_scored_at)}. Below 1 the model beats seasonal naive.`;
  }

  function renderMetrics(metrics) {
    const model = metrics.model || {};
    const naive = metrics.seasonal_naive || {};
    document.querySelector("#metrics-table tbody").replaceChildren(
      ...METRICS.map((key) =>
        el(
          "tr",
          {},
          el("th", {}, key),
          el(
            "td",
            { class: model[key] < naive[key] ? "better" : null, title: model[`${key}_reason`] || null },
            fmt(model[key]),
          ),
          el("td", { class: naive[key] < model[key] ? "better" : null }, fmt(naive[key])),
        ),
      ),
    );
  }

  function renderFacts(v) {
    const m = v.metrics || {};
    const facts = [
      ["aliases", v.aliases.join(", ") || "—"],
      ["horizon", v.horizon],
      ["input length", v.input_length],
      ["features", v.feature_columns.join(", ")],
      ["targets", v.target_columns.join(", ")],
      ["quantiles", v.quantiles && v.quantiles.length ? v.quantiles.join(", ") : null],
      ["frequency", v.frequency || null],
      ["season length", m.season_length],
      ["beats seasonal naive", m.beats_seasonal_naive === undefined ? null : String(m.beats_seasonal_naive)],
      ["parity error", fmt(v.parity_error)],
      ["trained on", v.device],
      ["ONNX", `opset ${v.opset} · ${fmt(v.size_bytes / 1024, 3)} KiB · sha256 ${v.sha256.slice(0, 12)}…`],
      ["hyperparameters", Object.entries(v.hyperparameters).map(([k, x]) => `${k} ${x}`).join(" · ")],
      ["job", linkTo(`/ui/jobs#job=${encodeURIComponent(v.job_id)}`, v.job_id)],
      ["dataset", linkTo(`/ui/datasets/${encodeURIComponent(v.dataset_id)}`, v.dataset_id)],
      ["created", when(v.created_at)],
    ].filter(([, value]) => value !== null && value !== undefined);
    document.getElementById("version-facts").replaceChildren(
      ...facts.flatMap(([key, value]) => [el("dt", {}, key), el("dd", {}, value)]),
    );
  }

  /** The series to plot: those the version lists (the ids /predict accepts as series_id), else
   * its dataset's. */
  async function chooseSeries(v) {
    let ids = (v.series || []).filter(Boolean);
    if (!ids.length) {
      try {
        const dataset = await api(`/datasets/${encodeURIComponent(v.dataset_id)}`);
        ids = (dataset.series || []).map((s) => s.id).filter(Boolean);
      } catch (_) {
        /* the plot reports what it cannot read */
      }
    }
    const keep = ids.includes(seriesSelect.value) ? seriesSelect.value : ids[0];
    seriesSelect.replaceChildren(...ids.map((id) => el("option", { value: id }, id)));
    if (keep !== undefined) seriesSelect.value = keep;
    document.getElementById("series-choice").hidden = ids.length < 2;
  }

  function chooseTarget(v) {
    targetSelect.replaceChildren(...v.target_columns.map((c, i) => el("option", { value: i }, c)));
    document.getElementById("target-choice").hidden = v.target_columns.length < 2;
  }

  /** The first validation row, as app.contract.split_plan cuts a series (Python's round()). */
  function validationCut(n, horizon, fraction) {
    const x = fraction * n;
    const floor = Math.floor(x);
    const rounded = x - floor === 0.5 ? floor + (floor % 2) : Math.round(x);
    return Math.max(n - Math.max(horizon, rounded), 0);
  }

  let drawing = 0;

  async function drawForecast(v) {
    const token = ++drawing;
    const note = document.getElementById("forecast-note");
    const fail = (message) => {
      if (token !== drawing) return;
      clearChart("forecast");
      note.textContent = message;
    };
    const seriesId = seriesSelect.value || null;
    const ti = Number(targetSelect.value || 0);
    note.textContent = "loading…";
    let values;
    let spec;
    try {
      [values, spec] = await Promise.all([
        datasetValues(v.dataset_id, seriesId),
        api(`/jobs/${encodeURIComponent(v.job_id)}`).then((job) => job.spec),
      ]);
    } catch (err) {
      fail(`No forecast plot: the dataset's values could not be read (${err.message}).`);
      return;
    }
    const columns = values.columns;
    const missing = v.feature_columns.concat(v.target_columns).filter((c) => !columns[c]);
    if (missing.length) {
      fail(`No forecast plot: the dataset lacks ${missing.join(", ")}.`);
      return;
    }
    const L = v.input_length;
    const H = v.horizon;
    const actual = columns[v.target_columns[ti]];
    const n = actual.length;
    if (n < L) {
      fail(`No forecast plot: ${n} rows, fewer than the input length ${L}.`);
      return;
    }
    const features = v.feature_columns.map((c) => columns[c]);
    const windowBefore = (end) =>
      Array.from({ length: L }, (_, i) => features.map((col) => col[end - L + i]));
    const cut = validationCut(n, H, spec.validation_fraction);
    const origins = [];
    for (let o = Math.max(cut, L); o + H <= n; o += H) origins.push(o);
    const body = { model: name, version: v.version, inputs: [n, ...origins].map(windowBefore) };
    if (seriesId && (v.series || []).includes(seriesId)) body.series_id = seriesId;
    if (v.frequency && values.timestamps) {
      body.last_timestamp = [n, ...origins].map((end) => values.timestamps[end - 1]);
    }
    let forecast;
    try {
      forecast = await api("/predict", { method: "POST", body });
    } catch (err) {
      fail(`No forecast: ${err.message}`);
      return;
    }
    if (token !== drawing) return;
    const point = forecast.predictions[0].map((step) => step[ti]);
    const total = n + H;
    const blank = () => new Array(total).fill(null);
    const history = blank();
    const heldOut = blank();
    const validation = blank();
    const ahead = blank();
    for (let i = 0; i < n; i++) (i <= cut ? history : heldOut)[i] = actual[i];
    if (cut < n) heldOut[cut] = actual[cut];
    origins.forEach((o, k) => {
      forecast.predictions[k + 1].forEach((step, h) => (validation[o + h] = step[ti]));
    });
    point.forEach((y, h) => (ahead[n + h] = y));
    const series = [
      { label: "history", values: history, color: "#4b5563" },
      { label: "validation actual", values: heldOut, color: "#ea580c" },
      { label: "validation forecast", values: validation, color: "#16a34a", dash: [6, 4] },
      { label: "forecast", values: ahead, color: "#2563eb", width: 2, points: true },
    ];
    const bands = [];
    const q = forecast.quantiles;
    if (q && q.levels && q.levels.length > 1) {
      const lo = 0;
      const hi = q.levels.length - 1;
      const band = (j) => {
        const out = blank();
        q.values[0].forEach((step, h) => (out[n + h] = step[ti][j]));
        return out;
      };
      const upper = `q${q.levels[hi]}`;
      const lower = `q${q.levels[lo]}`;
      series.push({ label: upper, values: band(hi), color: "#93c5fd", width: 1 });
      series.push({ label: lower, values: band(lo), color: "#93c5fd", width: 1 });
      bands.push([upper, lower, "rgba(37, 99, 235, 0.15)"]);
    }
    const past = epochSeconds(values.timestamps);
    const future = forecast.timestamps && epochSeconds(forecast.timestamps[0]);
    const time = Boolean(past && future);
    const x = time ? past.concat(future) : Array.from({ length: total }, (_, i) => i);
    chart("forecast", {
      x,
      time,
      xLabels: values.timestamps ? values.timestamps.concat(forecast.timestamps?.[0] || []) : null,
      series,
      bands,
      xLabel: time ? "time" : "row",
      yLabel: v.target_columns[ti],
      meta: { version: v.version, series: seriesId, target: v.target_columns[ti], rows: n, cut, origins },
    });
    note.textContent =
      `${n} rows; validation tail from row ${cut} (${origins.length} forecast` +
      `${origins.length === 1 ? "" : "s"} of ${H} steps overlaid); forecast of the next ${H} ` +
      `steps from the last ${L} rows` + (seriesId ? ` of series ${seriesId}.` : ".");
  }

  async function moveAlias(event) {
    event.preventDefault();
    const out = document.getElementById("alias-result");
    const alias = aliasForm.alias.value.trim();
    if (!alias) {
      result(out, "alias: give the alias to move, e.g. production", false);
      return;
    }
    const raw = aliasForm.version.value.trim();
    const version = raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    try {
      const moved = await api(`${modelPath}/aliases/${encodeURIComponent(alias)}`, {
        method: "PUT",
        body: { version },
      });
      result(out, `${moved.alias} → v${moved.version}`, true);
      await load();
    } catch (err) {
      result(out, err.message, false);
    }
  }

  async function redraw() {
    if (selected && details[selected]) await drawForecast(details[selected]);
  }

  aliasForm.addEventListener("submit", moveAlias);
  seriesSelect.addEventListener("change", redraw);
  targetSelect.addEventListener("change", redraw);
  document.addEventListener("seqcast:key", () => {
    drawn = null;
    load();
  });
  load();
})();
