/* Models page: every model from GET /models with its latest version's MASE beside the
 * seasonal-naive baseline's. */
"use strict";

(async () => {
  const { api, el, fmt, linkTo, notice, when } = seqcast;

  async function load() {
    try {
      const models = await api("/models?limit=1000");
      document.querySelector("#models-table tbody").replaceChildren(...models.map(row));
      document.getElementById("models-empty").hidden = models.length > 0;
      notice("");
    } catch (err) {
      notice(err.message);
    }
  }

  function row(model) {
    const latest = model.versions.find((v) => v.version === model.latest_version);
    const metrics = (latest && latest.metrics) || {};
    const aliases = Object.entries(model.aliases).map(([alias, v]) => `${alias} → v${v}`);
    return el(
      "tr",
      { dataset: { model: model.name } },
      el("td", {}, linkTo(`/ui/models/${encodeURIComponent(model.name)}`, model.name)),
      el("td", {}, model.latest_version ? `v${model.latest_version}` : "—"),
      el("td", {}, model.versions.length),
      el("td", {}, aliases.join(", ") || "—"),
      el("td", { class: metrics.beats_seasonal_naive ? "better" : null }, fmt(metrics.model?.mase)),
      el("td", {}, fmt(metrics.seasonal_naive?.mase)),
      el("td", {}, when(model.created_at)),
    );
  }

  document.addEventListener("seqcast:key", load);
  await load();
})();
