/* Jobs page: the training form (POST /train; its defaults, limits and choices read from the
 * live /openapi.json), the job list polled from GET /jobs, and the selected job's
 * train/validation loss curves drawn from its `history`. */
"use strict";

(() => {
  const { api, applySchema, chart, el, fmt, formBody, linkTo, notice, result, when } = seqcast;
  const ACTIVE = new Set(["queued", "running"]);
  const FAST_MS = 1000;
  const SLOW_MS = 5000;
  const form = document.getElementById("train-form");
  const tbody = document.querySelector("#jobs-table tbody");
  let selected = new URLSearchParams(location.hash.slice(1)).get("job");
  let timer = null;

  async function loadDatasets() {
    const select = document.getElementById("train-dataset");
    try {
      const datasets = await api("/datasets?limit=1000");
      select.replaceChildren(
        el("option", { value: "" }, datasets.length ? "— choose a dataset —" : "— no datasets —"),
        ...datasets.map((d) =>
          el(
            "option",
            { value: d.id },
            `${d.name} · ${d.n_rows} rows` +
              (d.n_series > 1 ? ` in ${d.n_series} series` : "") +
              ` · ${d.columns.join(", ")}`,
          ),
        ),
      );
      if (datasets.length) select.value = datasets[0].id;
    } catch (err) {
      notice(err.message);
    }
  }

  /** The form's defaults, limits and choices from the API's schema, so they cannot drift from
   * what the server applies (app/training/schemas.py). */
  async function loadSchema() {
    try {
      applySchema(form, await api("/openapi.json"), "TrainRequest");
    } catch (err) {
      result(document.getElementById("train-result"), `schema: ${err.message}`, false);
    }
  }

  async function submitTraining(event) {
    event.preventDefault();
    const out = document.getElementById("train-result");
    result(out, "sending…", true);
    try {
      const job = await api("/train", { method: "POST", body: formBody(form) });
      result(out, `Queued job ${job.id} (${job.model_name}, ${job.architecture}).`, true);
      select(job.id);
      await poll();
    } catch (err) {
      result(out, err.message, false);
    }
  }

  function select(jobId) {
    selected = jobId;
    history.replaceState(null, "", `#job=${encodeURIComponent(jobId)}`);
  }

  function lastLoss(job, field) {
    const last = job.history[job.history.length - 1];
    return last ? fmt(last[field]) : "—";
  }

  function row(job) {
    const { epoch, epochs } = job.progress;
    const version = job.model_version
      ? linkTo(
          `/ui/models/${encodeURIComponent(job.model_version.model)}?version=${job.model_version.version}`,
          `v${job.model_version.version}`,
        )
      : "—";
    const cancel = ACTIVE.has(job.status)
      ? el("button", { type: "button", class: "small", onclick: (e) => cancelJob(e, job.id) }, "cancel")
      : null;
    return el(
      "tr",
      {
        dataset: { jobId: job.id, status: job.status },
        class: job.id === selected ? "selected" : null,
        onclick: () => {
          select(job.id);
          render();
        },
      },
      el("td", { class: "mono" }, job.id.slice(0, 8)),
      el("td", {}, linkTo(`/ui/models/${encodeURIComponent(job.model_name)}`, job.model_name)),
      el("td", {}, job.architecture),
      el("td", {}, el("span", { class: `status status-${job.status}` }, job.status)),
      el("td", {}, el("progress", { max: epochs, value: epoch }), ` ${epoch}/${epochs}`),
      el("td", {}, lastLoss(job, "train_loss")),
      el("td", {}, lastLoss(job, "val_loss")),
      el("td", {}, job.device || "—"),
      el("td", {}, version),
      el("td", {}, when(job.created_at)),
      el("td", {}, cancel),
    );
  }

  async function cancelJob(event, jobId) {
    event.stopPropagation();
    try {
      await api(`/jobs/${encodeURIComponent(jobId)}/cancel`, { method: "POST" });
      await poll();
    } catch (err) {
      notice(err.message);
    }
  }

  let jobs = [];

  function render() {
    tbody.replaceChildren(...jobs.map(row));
    document.getElementById("jobs-empty").hidden = jobs.length > 0;
    const job = jobs.find((j) => j.id === selected);
    if (job) renderDetail(job);
  }

  function renderDetail(job) {
    document.getElementById("job-detail").hidden = false;
    document.getElementById("job-detail-title").textContent = `${job.model_name} (${job.id})`;
    const t = job.timings || {};
    document.getElementById("job-detail-meta").textContent =
      `${job.status} · epoch ${job.progress.epoch} of ${job.progress.epochs} · ` +
      `device ${job.device || "—"} · training ${fmt(t.training ?? null, 3)} s · ` +
      `export ${fmt(t.export ?? null, 3)} s`;
    const error = document.getElementById("job-detail-error");
    error.textContent = job.error || "";
    error.hidden = !job.error;
    renderCandidates(job.candidates || []);
    chart("loss", {
      x: job.history.map((h) => h.epoch),
      series: [
        { label: "train loss", values: job.history.map((h) => h.train_loss), points: true },
        { label: "validation loss", values: job.history.map((h) => h.val_loss), points: true },
      ],
      xLabel: "epoch",
      yLabel: "loss",
    });
  }

  /** An auto job's candidates (its loss curves are the chosen candidate's once it succeeded). */
  function renderCandidates(candidates) {
    const table = document.getElementById("job-candidates");
    table.hidden = candidates.length === 0;
    table.querySelector("tbody").replaceChildren(
      ...candidates.map((c) =>
        el(
          "tr",
          { dataset: { candidate: c.architecture } },
          el("td", { class: "mono" }, c.id.slice(0, 8)),
          el("td", {}, c.architecture),
          el("td", {}, Object.entries(c.overrides).map(([k, v]) => `${k}=${v}`).join(" ") || "—"),
          el("td", {}, el("span", { class: `status status-${c.status}` }, c.status)),
          el("td", {}, `${c.progress.epoch}/${c.progress.epochs}`),
          el("td", {}, c.metrics ? fmt(c.metrics.mase) : "—"),
          el("td", {}, c.rank ? `${c.rank}${c.selected ? " (registered)" : ""}` : "—"),
          el("td", {}, c.error || ""),
        ),
      ),
    );
  }

  async function poll() {
    clearTimeout(timer);
    let delay = SLOW_MS;
    try {
      jobs = await api("/jobs?limit=50");
      if (selected && !jobs.some((j) => j.id === selected)) {
        try {
          jobs.push(await api(`/jobs/${encodeURIComponent(selected)}`));
        } catch (err) {
          if (err.status !== 404 && err.status !== 422) throw err;
          selected = null;
        }
      }
      if (!selected && jobs.length) {
        selected = (jobs.find((j) => ACTIVE.has(j.status)) || jobs[0]).id;
      }
      notice("");
      render();
      document.getElementById("jobs-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
      if (jobs.some((j) => ACTIVE.has(j.status))) delay = FAST_MS;
    } catch (err) {
      notice(err.message);
    }
    timer = setTimeout(poll, delay);
  }

  form.addEventListener("submit", submitTraining);
  loadSchema();
  document.addEventListener("seqcast:key", () => {
    loadDatasets();
    poll();
  });
  loadDatasets();
  poll();
})();
