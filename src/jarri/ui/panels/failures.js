import { h, section, empty } from "../dom.js";
import { metric, num } from "../format.js";
import { table } from "../table.js";

// Failure counts per model x task x GPU x watts, summed over what the filters leave visible;
// every rate is relative to all runs of the row.
function sum(rows) {
  const out = { runs: 0, failed_runs: 0, hard_failures: 0, stage_counts: {}, type_counts: {}, subtype_counts: {} };
  for (const r of rows) {
    out.runs += r.runs; out.failed_runs += r.failed_runs; out.hard_failures += r.hard_failures;
    for (const k of ["stage_counts", "type_counts", "subtype_counts"]) {
      for (const [name, n] of Object.entries(r[k])) out[k][name] = (out[k][name] || 0) + n;
    }
  }
  const top = (counts) => Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  out.failure_rate = out.runs ? out.failed_runs / out.runs : null;
  out.hard_failure_rate = out.runs ? out.hard_failures / out.runs : null;
  out.dominant_stage = top(out.stage_counts)[0]?.[0] || null;
  out.dominant_type = top(out.type_counts)[0]?.[0] || null;
  out.dominant_subtypes = top(out.subtype_counts).slice(0, 3).map(([k]) => k);
  out.top = top;
  return out;
}

export function failures(ctx) {
  const reg = new Map(ctx.registry.map((t) => [t.task_key, t]));
  const fine = ctx.d["failures/by_model_task_tdp.json"].rows.filter((r) => ctx.filt.model(r.model)
    && ctx.filt.task(r.task_key, reg.get(r.task_key)?.task_family, reg.get(r.task_key)?.title)
    && ctx.filt.gpu(r.gpu_key) && ctx.filt.power(r.power_applied_w));
  const groups = new Map();
  for (const r of fine) {
    const key = JSON.stringify([r.model, r.task_key]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const rows = [...groups.entries()].map(([key, rs]) => ({ key, model: rs[0].model, task_key: rs[0].task_key, ...sum(rs) }));
  const tbl = rows.length ? table({
    id: "failure-table", rows, rowKey: (r) => r.key, sort: "failure_rate:desc",
    onSelect: (r) => ctx.set({ model: r.model, task: r.task_key }),
    columns: [
      { key: "model", label: "model", fmt: (r) => r.model },
      { key: "task_key", label: "task", fmt: (r) => r.task_key },
      { key: "runs", label: "runs", fmt: (r) => num(r.runs) },
      { key: "failed_runs", label: "failed", fmt: (r) => num(r.failed_runs) },
      { key: "failure_rate", label: "failure rate", title: "failed runs / runs", fmt: (r) => metric("failure_rate", r.failure_rate) },
      { key: "hard_failure_rate", label: "hard failures", title: "structurally unusable output / runs", fmt: (r) => metric("hard_failure_rate", r.hard_failure_rate) },
      { key: "dominant_stage", label: "dominant stage", fmt: (r) => r.dominant_stage || "—" },
      { key: "dominant_type", label: "dominant type", fmt: (r) => r.dominant_type || "—" },
      { key: "dominant_subtypes", label: "dominant subtypes", value: (r) => r.dominant_subtypes.join(","), fmt: (r) => r.dominant_subtypes.join(", ") || "—" },
    ],
  }) : empty("No model × task matches the filters.");
  const mine = fine.filter((r) => r.model === ctx.model);
  const sel = mine.length ? sum(mine) : null;
  const dist = sel ? h("div", { class: "distribution", id: "failure-distribution" },
    h("h3", {}, `Failure stages of ${ctx.model} (share of its ${num(sel.runs)} visible runs)`),
    h("table", { class: "bars" }, sel.top(sel.stage_counts).map(([stage, n]) =>
      h("tr", {}, h("td", {}, stage), h("td", { class: "bar" }, h("span", { style: `width:${(100 * n / sel.runs).toFixed(1)}%` })),
        h("td", {}, `${metric("failure_rate", n / sel.runs)} (${num(n)} of ${num(sel.runs)} runs)`)))),
    h("h3", {}, "Types"),
    h("ul", {}, sel.top(sel.type_counts).map(([t, n]) => h("li", {}, `${t}: ${metric("failure_rate", n / sel.runs)}`))))
    : null;
  const visible = new Set(rows.map((r) => r.key));
  const examples = ctx.d["duckdb_failure_surfaces.json"].rows
    .filter((r) => visible.has(JSON.stringify([r.model, r.task_key])) && (!ctx.model || r.model === ctx.model))
    .flatMap((r) => r.examples.map((e) => ({ ...e, model: r.model, task_key: r.task_key })))
    .filter((e) => ctx.filt.gpu(e.gpu_key) && ctx.filt.power(e.power_applied_w)).slice(0, 12);
  const ex = examples.length ? h("div", { id: "failure-examples" }, h("h3", {}, "Representative failures"),
    h("ul", {}, examples.map((e) => h("li", {},
      h("a", { href: "#", onclick: (ev) => { ev.preventDefault(); ctx.set({ model: e.model, task: e.task_key, run: e.run_id }); } },
        `${e.model} × ${e.task_key}`),
      `: ${e.failure_stage || "unlabelled"} / ${e.failure_type || "unlabelled"}, score ${metric("avg_score_percent", e.score_percent)} (run ${e.run_id})`)))) : null;
  return section("failures", "Failure surface",
    "Rates are relative to all runs of the row (every filter applies). Click a row to select the model and task; the links open a failed run.",
    tbl, dist, ex);
}
