import { h, section, empty } from "../dom.js";
import { metric, num, energyWhy } from "../format.js";
import { aggregate, vsBest } from "../metrics.js";
import { table } from "../table.js";

export const METRIC_COLUMNS = [
  ["avg_score_percent", "avg score"], ["avg_energy_j", "avg energy"],
  ["tokens_per_second", "tokens/s"], ["avg_output_tokens", "avg output tokens"],
  ["output_token_waste", "output-token waste vs best visible"],
  ["score_per_100_output_tokens", "score/100 tokens"], ["joules_per_output_token", "J/output token"],
  ["score_per_wh", "score/Wh"], ["score_per_wh_vs_best", "score/Wh vs best visible"],
  ["hard_failure_rate", "hard failure rate"], ["success_rate", "success rate"],
  ["format_compliance_rate", "format followed"],
];

// Model comparison rows from the model x task x GPU x watts surface, after the filters, on
// the tasks every visible model ran (the common task set).
export function modelRows(ctx) {
  const rows = ctx.tdpRows;
  const byModel = new Map();
  for (const r of rows) {
    if (!byModel.has(r.model)) byModel.set(r.model, []);
    byModel.get(r.model).push(r);
  }
  const allTasks = new Set(rows.map((r) => r.task_key));
  let common = [...allTasks].filter((t) => [...byModel.values()].every((rs) => rs.some((r) => r.task_key === t)));
  const slice = common.length ? "common task set" : "all visible tasks (none common to all models)";
  if (!common.length) common = [...allTasks];
  const commonSet = new Set(common);
  const ranking = new Map(ctx.d["duckdb_model_rankings.json"].rows.map((r) => [r.model, r]));
  const out = [...byModel.entries()].map(([model, rs]) => {
    const inSlice = rs.filter((r) => commonSet.has(r.task_key));
    const tasksRun = new Set(rs.map((r) => r.task_key)).size;
    return {
      model, ...aggregate(inSlice), tasks_in_slice: new Set(inSlice.map((r) => r.task_key)).size,
      tasks_run: tasksRun, tasks_total: allTasks.size, coverage: tasksRun / allTasks.size, slice,
      energy_methods: ranking.get(model)?.energy_methods || [],
    };
  });
  return vsBest(out);
}

export function columns(ctx, first) {
  const defs = ctx.defs;
  return [
    first,
    { key: "runs", label: "runs", title: defs.runs, fmt: (r) => num(r.runs) },
    { key: "coverage", label: "coverage", title: defs.coverage,
      fmt: (r) => `${r.tasks_run}/${r.tasks_total} tasks` },
    ...METRIC_COLUMNS.map(([key, label]) => ({ key, label, title: defs[key],
      fmt: (r) => metric(key, r[key], energyWhy(r)), cls: (r) => (r[key] == null ? "na" : null) })),
    { key: "energy_coverage", label: "energy coverage", title: defs.energy_coverage,
      fmt: (r) => metric("energy_coverage", r.energy_coverage) },
  ];
}

export function comparison(ctx, rows) {
  const first = { key: "model", label: "model", fmt: (r) => r.model };
  const body = rows.length ? table({
    id: "model-table", columns: columns(ctx, first), rows, sort: ctx.st.sort || "avg_score_percent:desc",
    onSort: (sort) => ctx.set({ sort }), onSelect: (r) => ctx.set({ model: r.model }),
    selected: ctx.model, rowKey: (r) => r.model,
  }) : empty("No model matches the filters.");
  const inSlice = rows.length ? Math.max(...rows.map((r) => r.tasks_in_slice)) : 0;
  const where = rows.length && rows[0].slice === "common task set" ? "the common task set" : rows[0]?.slice;
  const note = rows.length ? `Compared on ${where} (${inSlice} of ${rows[0].tasks_total} visible task(s)). Click a row to select the model; click a header to sort; hover a header for its formula.` : "";
  return section("models", "Model comparison", note, body);
}

export function detail(ctx, rows) {
  const r = rows.find((x) => x.model === ctx.model);
  if (!r) return section("model-detail", "Selected model", null, empty("Select a model in the comparison table."));
  const tiles = [["runs", "runs"], ...METRIC_COLUMNS, ["energy_coverage", "energy coverage"]].map(([k, label]) =>
    h("div", { class: "tile", title: ctx.defs[k] || null, "data-key": k },
      h("span", { class: "label" }, label),
      h("span", { class: "value" }, k === "runs" ? num(r.runs) : metric(k, r[k], energyWhy(r)))));
  const info = ctx.d["registries/models.json"].rows.find((m) => m.model === r.model) || {};
  const energy = r.avg_energy_j === null
    ? `Energy: not measured (${energyWhy(r)}).`
    : `It used ${metric("avg_energy_j", r.avg_energy_j)} per run on average (net of idle), ${metric("score_per_wh", r.score_per_wh)}.`;
  const where = r.slice === "common task set" ? "the common task set" : r.slice;
  const text = `${r.model} ran ${r.tasks_run} of the ${r.tasks_total} visible task(s); on ${where} it has ${num(r.runs)} run(s). ` +
    `The evaluator passed ${metric("success_rate", r.success_rate)} of them; the average score was ${metric("avg_score_percent", r.avg_score_percent)}. ` +
    `It produced ${metric("avg_output_tokens", r.avg_output_tokens)} per run, ${metric("output_token_waste", r.output_token_waste)} the fewest among the visible models. ` +
    `${metric("hard_failure_rate", r.hard_failure_rate)} of its runs were hard failures. ${energy}`;
  return section("model-detail", `Selected model: ${r.model}`, null,
    h("p", { class: "description" }, text),
    h("p", { class: "meta" }, `backend ${(info.backends || []).join(", ") || "?"} · digest ${(info.digests || []).join(", ") || "unknown"} · quantisation ${(info.quantizations || []).join(", ") || "unknown"} · energy method ${r.energy_methods.join(", ") || "?"}`),
    h("div", { class: "tiles" }, tiles));
}
