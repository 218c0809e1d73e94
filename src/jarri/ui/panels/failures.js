import { h, section, empty } from "../dom.js";
import { metric, num } from "../format.js";
import { table } from "../table.js";

export function failures(ctx) {
  const fam = new Map(ctx.registry.map((t) => [t.task_key, t]));
  const rows = ctx.d["duckdb_failure_surfaces.json"].rows.filter((r) => ctx.filt.model(r.model)
    && ctx.filt.task(r.task_key, fam.get(r.task_key)?.task_family, fam.get(r.task_key)?.title))
    .map((r) => ({ ...r, key: `${r.model}|${r.task_key}` }));
  const tbl = rows.length ? table({
    id: "failure-table", rows, rowKey: (r) => r.key, sort: "failure_rate:desc",
    onSelect: (r) => ctx.set({ model: r.model, task: r.task_key }),
    columns: [
      { key: "model", label: "model", fmt: (r) => r.model },
      { key: "task_key", label: "task", fmt: (r) => r.task_key },
      { key: "runs", label: "runs", fmt: (r) => num(r.runs) },
      { key: "failed_runs", label: "failed", fmt: (r) => num(r.failed_runs) },
      { key: "failure_rate", label: "failure rate", title: "failed runs / runs", fmt: (r) => metric("failure_rate", r.failure_rate) },
      { key: "hard_failure_rate", label: "hard failures", fmt: (r) => metric("hard_failure_rate", r.hard_failure_rate) },
      { key: "dominant_stage", label: "dominant stage", fmt: (r) => r.dominant_stage || "—" },
      { key: "dominant_type", label: "dominant type", fmt: (r) => r.dominant_type || "—" },
      { key: "dominant_subtypes", label: "dominant subtypes", value: (r) => r.dominant_subtypes.join(","), fmt: (r) => r.dominant_subtypes.join(", ") || "—" },
    ],
  }) : empty("No model × task matches the filters.");
  const sel = ctx.d["failures/by_model.json"].rows.find((r) => r.group === ctx.model);
  const dist = sel ? h("div", { class: "distribution", id: "failure-distribution" },
    h("h3", {}, `Failure stages of ${ctx.model} (share of all its runs)`),
    h("table", { class: "bars" }, Object.entries(sel.stage_rates).sort((a, b) => b[1] - a[1]).map(([stage, rate]) =>
      h("tr", {}, h("td", {}, stage), h("td", { class: "bar" }, h("span", { style: `width:${(100 * rate).toFixed(1)}%` })),
        h("td", {}, `${metric("failure_rate", rate)} (${num(sel.stage_counts[stage])} of ${num(sel.runs)} runs)`)))),
    h("h3", {}, "Types"),
    h("ul", {}, Object.entries(sel.type_rates).sort((a, b) => b[1] - a[1]).map(([t, rate]) => h("li", {}, `${t}: ${metric("failure_rate", rate)}`))))
    : null;
  const examples = rows.filter((r) => !ctx.model || r.model === ctx.model).flatMap((r) => r.examples.map((e) => ({ ...e, model: r.model, task_key: r.task_key }))).slice(0, 12);
  const ex = examples.length ? h("div", { id: "failure-examples" }, h("h3", {}, "Representative failures"),
    h("ul", {}, examples.map((e) => h("li", {},
      h("a", { href: "#", onclick: (ev) => { ev.preventDefault(); ctx.set({ model: e.model, task: e.task_key, run: e.run_id }); } },
        `${e.model} × ${e.task_key}`),
      `: ${e.failure_stage || "unlabelled"} / ${e.failure_type || "unlabelled"}, score ${metric("avg_score_percent", e.score_percent)} (run ${e.run_id})`)))) : null;
  return section("failures", "Failure surface",
    "Rates are relative to all runs of the row. GPU and power-level filters do not apply here (failure surfaces are per model × task over all power levels); see failures/by_power_level.json.",
    tbl, dist, ex);
}
