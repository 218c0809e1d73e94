import { h, section, empty } from "../dom.js";
import { metric, watts } from "../format.js";
import { frontier, degenerate, aggregate } from "../metrics.js";
import { table } from "../table.js";
import { scatter } from "../charts.js";

// The global points from the visible task-level rows: one per model × GPU × applied limit,
// balanced over the visible compared task set (unfiltered: the rebuild's global points).
function globalPoints(ctx) {
  const groups = new Map();
  for (const r of ctx.tdpRows) {
    const key = `${r.model}|${r.gpu_key}|${r.power_applied_w}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  return [...groups.entries()].map(([key, rs]) => ({
    key, model: rs[0].model, gpu_key: rs[0].gpu_key, gpu_name: rs[0].gpu_name,
    power_applied_w: rs[0].power_applied_w, ...aggregate(rs, ctx.formulas, ctx.compared.tasks),
  }));
}

export function pareto(ctx) {
  const fronts = ctx.d["duckdb_pareto_frontiers.json"].rows;
  const scope = ctx.st.ptask || "*";
  const f = fronts.find((x) => (scope === "*" ? x.scope === "global" : x.task_key === scope));
  const select = h("select", { id: "pareto-scope", "aria-label": "frontier scope", onchange: (e) => ctx.set({ ptask: e.target.value === "*" ? "" : e.target.value }) },
    fronts.map((x) => h("option", { value: x.scope === "global" ? "*" : x.task_key, selected: (x.scope === "global" ? "*" : x.task_key) === scope },
      x.scope === "global" ? "global (the visible compared task set)" : x.task_key)));
  const hide = h("input", { type: "checkbox", id: "hide-degenerate", checked: ctx.st.hidedeg === "1",
    onchange: (e) => ctx.set({ hidedeg: e.target.checked ? "1" : "" }) });
  const controls = h("p", { class: "controls" }, "Scope: ", select, " ", h("label", {}, hide, " hide configurations that pass nothing"));
  if (!f) return section("pareto", "Pareto frontier", null, controls, empty("No configurations."));
  let pts = scope === "*" ? globalPoints(ctx)
    : f.points.filter((p) => ctx.filt.model(p.model) && ctx.filt.gpu(p.gpu_key) && ctx.filt.power(p.power_applied_w))
      .map((p) => ({ ...p, key: `${p.model}|${p.gpu_key}|${p.power_applied_w}` }));
  if (ctx.st.hidedeg === "1") pts = pts.filter((p) => !degenerate(p));
  const onE = frontier(pts, "avg_energy_j"), onT = frontier(pts, "avg_output_tokens");
  const label = (p) => `${p.model} @ ${watts(p.power_applied_w)} on ${p.gpu_name || "no GPU"}`;
  const chart = (cost, on, xl, id) => scatter(pts.filter((p) => p[cost] != null).map((p) => ({
    x: p[cost], y: p.avg_score_percent, on: on.has(p), degenerate: degenerate(p),
    name: p.power_applied_w == null ? `${p.model} (no limit set)` : `${p.model} @ ${watts(p.power_applied_w)}`, yci: p.ci95?.avg_score_percent || null,
    label: `${label(p)}: ${metric("avg_score_percent", p.avg_score_percent)}, ${metric(cost, p[cost])}` })), { xLabel: xl, yLabel: "avg score (pts)", id, tableId: "pareto-table", yDomain: [0, 100] });
  const tbl = table({ id: "pareto-table", rows: pts, rowKey: (p) => p.key, sort: "avg_score_percent:desc", columns: [
    { key: "model", label: "configuration", fmt: label },
    { key: "avg_score_percent", label: "avg score", fmt: (p) => metric("avg_score_percent", p.avg_score_percent) },
    { key: "avg_energy_j", label: "avg energy", fmt: (p) => metric("avg_energy_j", p.avg_energy_j, "no valid energy") },
    { key: "avg_output_tokens", label: "avg output tokens", fmt: (p) => metric("avg_output_tokens", p.avg_output_tokens) },
    { key: "e", label: "energy frontier", value: (p) => onE.has(p), fmt: (p) => (onE.has(p) ? "yes" : "–") },
    { key: "t", label: "token frontier", value: (p) => onT.has(p), fmt: (p) => (onT.has(p) ? "yes" : "–") },
    { key: "comparable", label: "comparable", value: (p) => (p.comparable ? 1 : 0),
      fmt: (p) => (p.comparable ? "yes" : `no: ${p.not_comparable_because.join("; ")}`) },
    { key: "degenerate", label: "degenerate", value: (p) => (degenerate(p) ? 1 : 0), fmt: (p) => (degenerate(p) ? "yes (passes nothing)" : "–") },
  ] });
  return section("pareto", "Pareto frontier",
    `Configurations are model × applied power limit × GPU${scope === "*" ? ", balanced over the rebuild's compared task set" : ""}. Maximise score, minimise energy (left) or output tokens (right). Only comparable configurations can be on a frontier: one that misses a compared task or passes nothing (degenerate) is shown but never on it. Frontiers are recomputed over the visible points. Hover a point for its configuration.`,
    controls, h("div", { class: "charts" },
      chart("avg_energy_j", onE, "avg energy per run (J)", "pareto-energy"),
      chart("avg_output_tokens", onT, "avg output tokens per run", "pareto-tokens")), tbl);
}
