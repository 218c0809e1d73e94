import { h, section, empty } from "../dom.js";
import { interval, metric, powerRequests, watts } from "../format.js";
import { aggregate, vsBest } from "../metrics.js";
import { table } from "../table.js";
import { lines } from "../charts.js";
import { columns, comparedText } from "./models.js";

const union = (rs, field) => [...new Set(rs.flatMap((r) => r[field] || []))].sort();

// The selected model's power levels, one row per GPU x applied limit, balanced over the
// compared task set like the model table; "vs best" compares levels of the same GPU only,
// and only comparable levels (every compared task covered, something passed) can be best.
export function power(ctx) {
  if (!ctx.model) return section("model-power", "Model × power limit", null, empty("Select a model."));
  const groups = new Map();
  for (const r of ctx.tdpRows.filter((x) => x.model === ctx.model)) {
    const key = `${r.gpu_key}|${r.power_applied_w}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const tdp = new Map(ctx.d["duckdb_model_tdp.json"].rows.filter((r) => r.model === ctx.model)
    .map((r) => [`${r.gpu_key}|${r.power_applied_w}`, r]));
  const rows = [...groups.entries()].map(([key, rs]) => ({
    key, gpu_key: rs[0].gpu_key, gpu_name: rs[0].gpu_name, power_applied_w: rs[0].power_applied_w,
    power_requests: union(rs, "power_requests"),
    ...aggregate(rs, ctx.formulas, ctx.compared.tasks), tasks_run: new Set(rs.map((r) => r.task_key)).size,
    energy_methods: union(rs, "energy_methods"),
    ci95: ctx.filtered ? null : tdp.get(key)?.ci95 || null,
  }));
  const perGpu = new Map();
  for (const r of rows) {
    if (!perGpu.has(r.gpu_key)) perGpu.set(r.gpu_key, []);
    perGpu.get(r.gpu_key).push(r);
  }
  for (const rs of perGpu.values()) vsBest(rs);
  rows.sort((a, b) => (a.gpu_key < b.gpu_key ? -1 : a.gpu_key > b.gpu_key ? 1 : (a.power_applied_w ?? -1) - (b.power_applied_w ?? -1)));
  const best = rows.filter((r) => r.score_per_wh_vs_best === 1);
  const first = { key: "power_applied_w", label: "power limit", value: (r) => r.power_applied_w,
    fmt: (r) => `${watts(r.power_applied_w)} on ${r.gpu_name || "no GPU"}${powerRequests(r.power_requests)}` };
  const cols = columns(ctx, first);
  const byGpu = new Map();
  for (const r of rows) if (r.power_applied_w != null) {
    if (!byGpu.has(r.gpu_key)) byGpu.set(r.gpu_key, []);
    byGpu.get(r.gpu_key).push(r);
  }
  const series = (key) => [...byGpu.entries()].map(([, rs]) => ({
    name: rs[0].gpu_name, points: rs.filter((r) => r[key] != null).map((r) => ({
      x: r.power_applied_w, y: r[key], yci: r.ci95?.[key] || null,
      label: `${watts(r.power_applied_w)} on ${r.gpu_name}: ${metric(key, r[key])}${r.ci95?.[key] ? ` ${interval(key, r.ci95[key])}` : ""}` })) }));
  const sweet = best.length
    ? `Best score per Wh among the comparable levels of each GPU: ${best.map((r) => `${watts(r.power_applied_w)} on ${r.gpu_name || "no GPU"} (${metric("score_per_wh", r.score_per_wh)})`).join(", ")}. Levels are compared on ${comparedText(ctx)}.`
    : rows.some((r) => r.comparable)
      ? "No comparable power level has measured energy, so no efficiency sweet spot can be shown."
      : `No power level of ${ctx.model} is comparable (${[...new Set(rows.flatMap((r) => r.not_comparable_because))].join("; ")}), so none is marked best. Levels are compared on ${comparedText(ctx)}.`;
  return section("model-power", `Model × power limit: ${ctx.model}`, sweet,
    table({ id: "power-table", columns: cols, rows, rowKey: (r) => r.key }),
    h("div", { class: "charts" },
      lines(series("score_per_wh"), { xLabel: "applied power limit (W)", yLabel: "score per Wh (pts/Wh)", id: "power-chart-wh", tableId: "power-table" }),
      lines(series("avg_score_percent"), { xLabel: "applied power limit (W)", yLabel: "avg score (pts)", id: "power-chart-score", tableId: "power-table", yDomain: [0, 100] })));
}
