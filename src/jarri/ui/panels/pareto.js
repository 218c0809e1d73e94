import { h, section, empty } from "../dom.js";
import { metric, watts } from "../format.js";
import { frontier } from "../metrics.js";
import { table } from "../table.js";
import { scatter } from "../charts.js";

export function pareto(ctx) {
  const fronts = ctx.d["duckdb_pareto_frontiers.json"].rows;
  const scope = ctx.st.ptask || "*";
  const f = fronts.find((x) => (scope === "*" ? x.scope === "global" : x.task_key === scope));
  const select = h("select", { id: "pareto-scope", onchange: (e) => ctx.set({ ptask: e.target.value === "*" ? "" : e.target.value }) },
    fronts.map((x) => h("option", { value: x.scope === "global" ? "*" : x.task_key, selected: (x.scope === "global" ? "*" : x.task_key) === scope },
      x.scope === "global" ? "global (common task set; all tasks if none is common)" : x.task_key)));
  const hide = h("input", { type: "checkbox", id: "hide-degenerate", checked: ctx.st.hidedeg === "1",
    onchange: (e) => ctx.set({ hidedeg: e.target.checked ? "1" : "" }) });
  const controls = h("p", { class: "controls" }, "Scope: ", select, " ", h("label", {}, hide, " hide degenerate (zero-score) points"));
  if (!f) return section("pareto", "Pareto frontier", null, controls, empty("No configurations."));
  let pts = f.points.filter((p) => ctx.filt.model(p.model) && ctx.filt.gpu(p.gpu_key) && ctx.filt.power(p.power_applied_w))
    .map((p) => ({ ...p, key: `${p.model}|${p.gpu_key}|${p.power_applied_w}` }));
  if (ctx.st.hidedeg === "1") pts = pts.filter((p) => !(p.avg_score_percent <= 0));
  const onE = frontier(pts, "avg_energy_j"), onT = frontier(pts, "avg_output_tokens");
  const label = (p) => `${p.model} @ ${watts(p.power_applied_w)} on ${p.gpu_name || "no GPU"}`;
  const chart = (cost, on, xl, id) => scatter(pts.filter((p) => p[cost] != null).map((p) => ({
    x: p[cost], y: p.avg_score_percent, on: on.has(p), degenerate: p.avg_score_percent <= 0,
    label: `${label(p)}: ${metric("avg_score_percent", p.avg_score_percent)}, ${metric(cost, p[cost])}` })), { xLabel: xl, yLabel: "avg score (pts)", id });
  const tbl = table({ id: "pareto-table", rows: pts, rowKey: (p) => p.key, sort: "avg_score_percent:desc", columns: [
    { key: "model", label: "configuration", fmt: label },
    { key: "avg_score_percent", label: "avg score", fmt: (p) => metric("avg_score_percent", p.avg_score_percent) },
    { key: "avg_energy_j", label: "avg energy", fmt: (p) => metric("avg_energy_j", p.avg_energy_j, "no valid energy") },
    { key: "avg_output_tokens", label: "avg output tokens", fmt: (p) => metric("avg_output_tokens", p.avg_output_tokens) },
    { key: "e", label: "energy frontier", value: (p) => onE.has(p), fmt: (p) => (onE.has(p) ? "yes" : "–") },
    { key: "t", label: "token frontier", value: (p) => onT.has(p), fmt: (p) => (onT.has(p) ? "yes" : "–") },
    { key: "degenerate", label: "degenerate", fmt: (p) => (p.avg_score_percent <= 0 ? "yes (score 0)" : "–") },
  ] });
  return section("pareto", "Pareto frontier",
    "Configurations are model × applied power limit × GPU. Maximise score, minimise energy (left) or output tokens (right); frontiers are recomputed over the visible points, and zero-score points are never on them. Hover a point for its configuration.",
    controls, h("div", { class: "charts" },
      chart("avg_energy_j", onE, "avg energy per run (J)", "pareto-energy"),
      chart("avg_output_tokens", onT, "avg output tokens per run", "pareto-tokens")), tbl);
}
