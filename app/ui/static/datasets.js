/* Datasets pages: the list (GET /datasets) and one dataset's series plotted from
 * GET /datasets/{id}/values, one line per column. */
"use strict";

(() => {
  const { api, chart, clearChart, datasetValues, el, epochSeconds, linkTo, notice, when } = seqcast;
  const datasetId = document.body.dataset.dataset;

  async function list() {
    try {
      const datasets = await api("/datasets?limit=1000");
      document.querySelector("#datasets-table tbody").replaceChildren(
        ...datasets.map((d) =>
          el(
            "tr",
            { dataset: { dataset: d.id } },
            el("td", {}, linkTo(`/ui/datasets/${encodeURIComponent(d.id)}`, d.name)),
            el("td", { class: "mono" }, d.id.slice(0, 12)),
            el("td", {}, d.n_rows),
            el("td", {}, d.columns.join(", ")),
            el("td", {}, d.has_timestamps ? "yes" : "no"),
            el("td", {}, when(d.created_at)),
          ),
        ),
      );
      document.getElementById("datasets-empty").hidden = datasets.length > 0;
      notice("");
    } catch (err) {
      notice(err.message);
    }
  }

  const seriesSelect = document.getElementById("dataset-series");

  async function detail() {
    let dataset;
    try {
      dataset = await api(`/datasets/${encodeURIComponent(datasetId)}`);
      notice("");
    } catch (err) {
      notice(err.message);
      return;
    }
    document.querySelector("h1").textContent = `Dataset ${dataset.name}`;
    const ids = (dataset.series || []).map((s) => (typeof s === "string" ? s : s.id)).filter(Boolean);
    const facts = [
      ["id", dataset.id],
      ["rows", dataset.n_rows],
      ["columns", dataset.columns.join(", ")],
      ["series", dataset.n_series ?? null],
      ["frequency", dataset.frequency ?? null],
      ["timestamps", dataset.has_timestamps ? "yes" : "no"],
      [
        "filled",
        Object.keys(dataset.filled || {}).length
          ? Object.entries(dataset.filled).map(([column, n]) => `${column}: ${n}`).join(", ")
          : null,
      ],
      ["sha256", dataset.sha256],
      ["created", when(dataset.created_at)],
    ].filter(([, value]) => value !== null && value !== undefined);
    document.getElementById("dataset-facts").replaceChildren(
      ...facts.flatMap(([key, value]) => [el("dt", {}, key), el("dd", {}, value)]),
    );
    // Keep the series chosen when the page is drawn again (a key entered later re-runs this).
    const chosen = seriesSelect.value;
    seriesSelect.replaceChildren(...ids.map((id) => el("option", { value: id }, id)));
    if (ids.includes(chosen)) seriesSelect.value = chosen;
    document.getElementById("dataset-series-choice").hidden = ids.length < 2;
    seriesSelect.onchange = () => plot(dataset);
    await plot(dataset);
  }

  let plots = 0;

  async function plot(dataset) {
    const note = document.getElementById("dataset-note");
    const seriesId = seriesSelect.value || null;
    // Answers can arrive out of order: only the newest choice's values are drawn, so an
    // earlier series' late answer never replaces the one chosen since.
    const ticket = ++plots;
    let values;
    try {
      values = await datasetValues(dataset.id, seriesId);
      if (ticket !== plots) return;
    } catch (err) {
      if (ticket !== plots) return;
      clearChart("dataset");
      note.textContent = `No plot: the dataset's values could not be read (${err.message}).`;
      return;
    }
    const names = Object.keys(values.columns);
    const n = names.length ? values.columns[names[0]].length : 0;
    const seconds = epochSeconds(values.timestamps);
    chart("dataset", {
      x: seconds || Array.from({ length: n }, (_, i) => i),
      time: Boolean(seconds),
      xLabels: values.timestamps,
      series: names.map((c) => ({ label: c, values: values.columns[c] })),
      xLabel: seconds ? "time" : "row",
      meta: { dataset: dataset.id, series: seriesId, rows: n },
    });
    note.textContent = `${n} rows` + (seriesId ? ` of series ${seriesId}` : "") + ".";
  }

  document.addEventListener("seqcast:key", datasetId ? detail : list);
  if (datasetId) detail();
  else list();
})();
