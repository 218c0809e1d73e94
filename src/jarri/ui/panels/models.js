import { h, section, empty } from "../dom.js";
import { metric, num, energyWhy, interval } from "../format.js";
import { aggregate, vsBest, r6 } from "../metrics.js";
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

// The columns derived from metrics (not in the surfaces' formulas): which way is better.
export const DERIVED_BETTER = { output_token_waste: "lower", score_per_wh_vs_best: "higher" };

const CI_KEYS = new Set(["avg_score_percent", "success_rate", "avg_energy_j"]);

const union = (rs, field) => [...new Set(rs.flatMap((r) => r[field] || []))].sort();

// Model comparison rows from the model x task x GPU x watts surface, after the filters,
// balanced over the compared task set (ctx.compared: the tasks every visible model has
// graded runs of; every visible task if none). Unfiltered, these equal
// duckdb_model_rankings.json, whose 95 % intervals they then show.
export function modelRows(ctx) {
  const rows = ctx.tdpRows;
  const byModel = new Map();
  for (const r of rows) {
    if (!byModel.has(r.model)) byModel.set(r.model, []);
    byModel.get(r.model).push(r);
  }
  const allTasks = new Set(rows.map((r) => r.task_key)).size;
  const ranking = new Map(ctx.d["duckdb_model_rankings.json"].rows.map((r) => [r.model, r]));
  const out = [...byModel.entries()].map(([model, rs]) => {
    const tasksRun = new Set(rs.map((r) => r.task_key)).size;
    return {
      model, ...aggregate(rs, ctx.formulas, ctx.compared.tasks), tasks_run: tasksRun,
      tasks_total: allTasks, task_coverage: allTasks ? r6(tasksRun / allTasks) : null,
      common: ctx.compared.common, energy_methods: union(rs, "energy_methods"),
      ci95: ctx.filtered ? null : ranking.get(model)?.ci95 || null,
    };
  });
  return vsBest(out);
}

const RELATIVE = new Set(["output_token_waste", "score_per_wh_vs_best"]);

// A metric's value, and the rebuild's 95 % interval next to it where the row has one.
export function value(ctx, r, key) {
  // A relative column is only defined among comparable rows: a non-comparable row shows "–",
  // not "not measured", whatever its energy.
  const text = RELATIVE.has(key) && !r.comparable ? "–" : metric(key, r[key], energyWhy(r));
  const v = h("span", { class: "v", title: RELATIVE.has(key) && !r.comparable ? "not comparable" : null }, text);
  const ci = CI_KEYS.has(key) && r[key] != null ? r.ci95?.[key] : null;
  return ci ? [v, " ", h("span", { class: "ci", title: ctx.defs.ci95 || null }, interval(key, ci))] : v;
}

export function comparable(r) {
  return r.comparable
    ? h("span", { class: "ok", title: "covers every compared task and passes something" }, "✓ yes")
    : h("span", { class: "nc", title: r.not_comparable_because.join("; ") }, "✗ no");
}

export function columns(ctx, first) {
  const defs = ctx.defs;
  return [
    first,
    { key: "runs", label: "runs", title: defs.runs, fmt: (r) => num(r.runs) },
    { key: "coverage", label: "coverage", title: defs.coverage,
      fmt: (r) => `${r.tasks_in_slice}/${r.tasks_compared} compared task${r.tasks_compared === 1 ? "" : "s"}` },
    { key: "comparable", label: "comparable", title: defs.comparable, value: (r) => (r.comparable ? 1 : 0),
      fmt: comparable },
    ...METRIC_COLUMNS.map(([key, label]) => ({ key, label, title: defs[key],
      better: ctx.formulas.metrics[key]?.better ?? DERIVED_BETTER[key],
      fmt: (r) => value(ctx, r, key), cls: (r) => (r[key] == null ? "na" : null) })),
    { key: "energy_coverage", label: "energy coverage", title: defs.energy_coverage || defs.skipped_energy,
      fmt: (r) => metric("energy_coverage", r.energy_coverage) },
  ];
}

// What the compared set is, in words.
export function comparedText(ctx) {
  const n = ctx.compared.tasks.length;
  return ctx.compared.common
    ? `the common task set: the ${n} visible task(s) every visible model has graded runs of`
    : `all ${n} visible task(s) (no task has graded runs of every visible model)`;
}

export function comparison(ctx, rows) {
  const first = { key: "model", label: "model", fmt: (r) => r.model };
  const body = rows.length ? table({
    id: "model-table", columns: columns(ctx, first), rows, sort: ctx.st.sort || "avg_score_percent:desc",
    onSort: (sort) => ctx.set({ sort }), onSelect: (r) => ctx.set({ model: r.model }),
    selected: ctx.model, rowKey: (r) => r.model,
  }) : empty("No model matches the filters.");
  const ci = ctx.filtered
    ? "No intervals while a filter is active: the 95 % intervals are computed by the rebuild over the unfiltered set (clear the filters to see them)."
    : "Brackets: 95 % bootstrap intervals over tasks, computed by the rebuild.";
  const note = rows.length ? [
    `Every metric is a balanced mean over ${comparedText(ctx)}: each task weighs the same however often it ran. `,
    "Only comparable rows (every compared task covered, success rate above 0) can be the best; the vs-best columns are empty for the others. ",
    `${ci} Click a row to select the model; click a header to sort; hover a header for its formula.`,
  ].join("") : "";
  return section("models", "Model comparison", note, body);
}

export function detail(ctx, rows) {
  const r = rows.find((x) => x.model === ctx.model);
  if (!r) return section("model-detail", "Selected model", null, empty("Select a model in the comparison table."));
  const tiles = [["runs", "runs"], ...METRIC_COLUMNS, ["energy_coverage", "energy coverage"]].map(([k, label]) =>
    h("div", { class: "tile", title: ctx.defs[k] || null, "data-key": k },
      h("span", { class: "label" }, label),
      h("span", { class: "value" }, k === "runs" ? num(r.runs) : value(ctx, r, k))));
  const info = ctx.d["registries/models.json"].rows.find((m) => m.model === r.model) || {};
  const energy = r.avg_energy_j === null
    ? `Energy: not measured (${energyWhy(r)}).`
    : `It used ${metric("avg_energy_j", r.avg_energy_j)} per run on average (net of idle), ${metric("score_per_wh", r.score_per_wh)}.`;
  const waste = r.output_token_waste == null
    ? "not compared with the fewest among the visible models (the row is not comparable)"
    : `${metric("output_token_waste", r.output_token_waste)} the fewest among the visible comparable models`;
  const standing = r.comparable ? "It is comparable." : `It is not comparable: it ${r.not_comparable_because.map((x) => x.replace(/^covers/, "covers only")).join(" and ")}.`;
  const text = `${r.model} ran ${r.tasks_run} of the ${r.tasks_total} visible task(s); it has graded runs of ${r.tasks_in_slice} of the ${r.tasks_compared} compared task(s) (${num(r.runs)} run(s)). ${standing} ` +
    `Balanced over those tasks, the evaluator passed ${metric("success_rate", r.success_rate)} of its graded runs; the average score was ${metric("avg_score_percent", r.avg_score_percent)}. ` +
    `It produced ${metric("avg_output_tokens", r.avg_output_tokens)} per run, ${waste}. ` +
    `${metric("hard_failure_rate", r.hard_failure_rate)} of its runs were hard failures. ${energy}`;
  return section("model-detail", `Selected model: ${r.model}`, null,
    h("p", { class: "description" }, text),
    h("p", { class: "meta" }, `backend ${(info.backends || []).join(", ") || "?"} · digest ${(info.digests || []).join(", ") || "unknown"} · quantisation ${(info.quantizations || []).join(", ") || "unknown"} · energy method ${r.energy_methods.join(", ") || "?"} · energy class ${r.energy_class || "none"}`),
    h("div", { class: "tiles" }, tiles));
}
