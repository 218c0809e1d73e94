import { h, section, empty } from "../dom.js";
import { metric, watts } from "../format.js";
import { aggregate, vsBest } from "../metrics.js";
import { table } from "../table.js";
import { lines } from "../charts.js";
import { columns } from "./models.js";

export function power(ctx) {
  if (!ctx.model) return section("model-power", "Model × power limit", null, empty("Select a model."));
  const groups = new Map();
  for (const r of ctx.tdpRows.filter((x) => x.model === ctx.model)) {
    const key = `${r.gpu_key}|${r.power_applied_w}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const rows = vsBest([...groups.entries()].map(([key, rs]) => ({
    key, gpu_key: rs[0].gpu_key, gpu_name: rs[0].gpu_name, power_applied_w: rs[0].power_applied_w,
    power_requests: [...new Set(rs.flatMap((r) => r.power_requests || []))],
    ...aggregate(rs), tasks_run: new Set(rs.map((r) => r.task_key)).size, tasks_total: 1,
    energy_methods: ctx.d["duckdb_model_rankings.json"].rows.find((m) => m.model === ctx.model)?.energy_methods || [],
  })));
  rows.sort((a, b) => (a.gpu_key < b.gpu_key ? -1 : a.gpu_key > b.gpu_key ? 1 : (a.power_applied_w ?? -1) - (b.power_applied_w ?? -1)));
  const best = rows.filter((r) => r.score_per_wh_vs_best === 1);
  const first = { key: "power_applied_w", label: "power limit", value: (r) => r.power_applied_w,
    fmt: (r) => `${watts(r.power_applied_w)} on ${r.gpu_name || "no GPU"}${r.power_requests.length ? ` (${r.power_requests.join(", ")})` : ""}` };
  const cols = columns(ctx, first).filter((c) => c.key !== "coverage");
  const byGpu = new Map();
  for (const r of rows) if (r.power_applied_w != null) {
    if (!byGpu.has(r.gpu_key)) byGpu.set(r.gpu_key, []);
    byGpu.get(r.gpu_key).push(r);
  }
  const series = (key) => [...byGpu.entries()].map(([, rs]) => ({
    name: rs[0].gpu_name, points: rs.filter((r) => r[key] != null).map((r) => ({
      x: r.power_applied_w, y: r[key], label: `${watts(r.power_applied_w)} on ${r.gpu_name}: ${metric(key, r[key])}` })) }));
  const sweet = best.length
    ? `Best score per Wh: ${best.map((r) => `${watts(r.power_applied_w)} on ${r.gpu_name || "no GPU"}`).join(", ")} (${metric("score_per_wh", best[0].score_per_wh)}).`
    : "No power level has measured energy, so no efficiency sweet spot can be shown.";
  return section("model-power", `Model × power limit: ${ctx.model}`, sweet,
    table({ id: "power-table", columns: cols, rows, rowKey: (r) => r.key }),
    h("div", { class: "charts" },
      lines(series("score_per_wh"), { xLabel: "applied power limit (W)", yLabel: "score per Wh (pts/Wh)", id: "power-chart-wh" }),
      lines(series("avg_score_percent"), { xLabel: "applied power limit (W)", yLabel: "avg score (pts)", id: "power-chart-score" })));
}
