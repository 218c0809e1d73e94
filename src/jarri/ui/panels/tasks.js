import { h, section, empty } from "../dom.js";
import { metric, num, powerRequests, watts, energyWhy } from "../format.js";
import { aggregate, vsBest, frontier, degenerate } from "../metrics.js";
import { table } from "../table.js";
import { scatter } from "../charts.js";
import { columns, comparable } from "./models.js";

export function registry(ctx) {
  const rows = ctx.registry.filter((t) => ctx.filt.task(t.task_key, t.task_family, t.title));
  const list = rows.length ? table({
    id: "task-table", rows, selected: ctx.task, rowKey: (t) => t.task_key,
    onSelect: (t) => ctx.set({ task: t.task_key }),
    columns: [
      { key: "task_key", label: "task", fmt: (t) => t.task_key },
      { key: "task_family", label: "family", fmt: (t) => t.task_family || "–" },
      { key: "title", label: "title", fmt: (t) => t.title || "–" },
      { key: "evaluator", label: "evaluator", fmt: (t) => t.evaluator || "not evaluated" },
      { key: "runs", label: "runs", fmt: (t) => num(t.runs) },
    ],
  }) : empty("No task matches the filters.");
  const t = ctx.registry.find((x) => x.task_key === ctx.task);
  const def = t ? h("div", { class: "task-def", id: "task-def" },
    h("h3", {}, `${t.task_key}: ${t.title || ""}`),
    h("dl", { class: "facts" },
      [["experiment", `${t.experiment_id} (revision ${t.experiment_revision ?? "?"})`],
        ["family", t.task_family], ["description", t.description || "—"],
        ["success definition", t.success_definition || "—"],
        ["evaluator", t.evaluator || "none (the task names no evaluator)"],
        ["checks", (t.checks || []).join(", ") || "—"],
        ["pass threshold", t.pass_threshold != null ? `${t.pass_threshold} pts` : "—"],
        ["output cap", t.max_output_tokens ? `${t.max_output_tokens} tok` : "sweep default"],
        ["common failure modes", (t.failure_modes || []).join(", ") || "—"],
        ["primary axis", t.primary_axis || "—"], ["prompt sha256", t.prompt_sha256 || "—"],
        ["defined by", t.defined ? `${t.manifest_format} manifest (${t.source})` : "no suite folder here (seen in runs)"],
      ].map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])),
    h("h4", {}, "Prompt preview"),
    h("pre", { class: "prompt", tabindex: "0", "aria-label": "prompt" }, t.prompt_preview ?? "(not available)", t.prompt_truncated ? "\n…" : ""))
    : empty("Select a task in the list.");
  return section("task-registry", "Task registry", "Every known task; click one to select it.", list, def);
}

export function ranking(ctx) {
  const row = ctx.d["duckdb_task_rankings.json"].rows.find((r) => r.task_key === ctx.task);
  if (!row) return section("task-ranking", "Task ranking", null, empty("Select a task that has runs."));
  const configs = row.configurations.filter((c) => ctx.filt.model(c.model) && ctx.filt.gpu(c.gpu_key) && ctx.filt.power(c.power_applied_w))
    .map((c) => ({ ...c }));
  // comparable configurations first (they passed something), then score, energy, tokens
  configs.sort((a, b) => (Number(b.comparable) - Number(a.comparable))
    || (b.avg_score_percent - a.avg_score_percent)
    || ((a.avg_energy_j ?? Infinity) - (b.avg_energy_j ?? Infinity))
    || ((a.avg_output_tokens ?? Infinity) - (b.avg_output_tokens ?? Infinity)));
  configs.forEach((c, i) => { c.visible_rank = i + 1; c.key = `${c.model}|${c.gpu_key}|${c.power_applied_w}`; });
  vsBest(configs);
  const on = frontier(configs, "avg_energy_j");
  const defs = ctx.defs;
  const tbl = table({
    id: "ranking-table", rows: configs, rowKey: (c) => c.key,
    columns: [
      { key: "visible_rank", label: "rank", fmt: (c) => String(c.visible_rank) },
      { key: "model", label: "model", fmt: (c) => c.model },
      { key: "gpu_name", label: "GPU", fmt: (c) => c.gpu_name || "no GPU" },
      { key: "power_applied_w", label: "power limit", fmt: (c) => `${watts(c.power_applied_w)}${powerRequests(c.power_requests)}` },
      { key: "runs", label: "runs", fmt: (c) => num(c.runs) },
      { key: "comparable", label: "comparable", title: defs.comparable, value: (c) => (c.comparable ? 1 : 0), fmt: comparable },
      ...[["avg_score_percent", "avg score"], ["avg_energy_j", "avg energy"],
        ["avg_output_tokens", "avg output tokens"], ["output_token_waste", "output-token waste vs best visible"],
        ["score_per_wh", "score/Wh"], ["score_per_wh_vs_best", "score/Wh vs best visible"],
        ["success_rate", "success rate"]].map(([k, label]) => (
        { key: k, label, title: defs[k], fmt: (c) => metric(k, c[k], energyWhy(c)) })),
      { key: "frontier", label: "energy frontier", fmt: (c) => (on.has(c) ? "yes" : "–") },
    ],
  });
  const pts = configs.filter((c) => c.avg_energy_j != null).map((c) => ({
    x: c.avg_energy_j, y: c.avg_score_percent, on: on.has(c), degenerate: degenerate(c),
    name: c.power_applied_w == null ? `${c.model} (no limit set)` : `${c.model} @ ${watts(c.power_applied_w)}`,
    label: `${c.model} @ ${watts(c.power_applied_w)} on ${c.gpu_name || "no GPU"}: ${metric("avg_score_percent", c.avg_score_percent)}, ${metric("avg_energy_j", c.avg_energy_j)}`,
  }));
  const unmeasured = configs.length - pts.length;
  return section("task-ranking", `Task ranking: ${row.task_key}`,
    `Every model × power level × GPU that ran this task: the ones that passed something first, then by score, energy and tokens. Only those can be best or on the frontier. ${unmeasured ? `${unmeasured} configuration(s) have no measured energy and are not in the chart.` : ""}`,
    tbl, scatter(pts, { xLabel: "avg energy per run (J)", yLabel: "avg score (pts)", id: "ranking-scatter", tableId: "ranking-table", yDomain: [0, 100] }));
}

export function modelTask(ctx) {
  if (!ctx.model) return section("model-task", "Model × task", null, empty("Select a model."));
  const byTask = new Map();
  for (const r of ctx.tdpRows.filter((x) => x.model === ctx.model)) {
    if (!byTask.has(r.task_key)) byTask.set(r.task_key, []);
    byTask.get(r.task_key).push(r);
  }
  // one task per row: the vs-best columns would compare different tasks, so they stay empty
  const rows = [...byTask.entries()].map(([task_key, rs]) => ({
    task_key, task_family: rs[0].task_family, ...aggregate(rs, ctx.formulas, [task_key]), tasks_run: 1,
    energy_methods: [...new Set(rs.flatMap((r) => r.energy_methods || []))].sort(),
    output_token_waste: null, score_per_wh_vs_best: null,
  }));
  const first = { key: "task_key", label: "task", fmt: (r) => r.task_key };
  const cols = columns(ctx, first).filter((c) => !["coverage", "output_token_waste", "score_per_wh_vs_best"].includes(c.key));
  return section("model-task", `Model × task: ${ctx.model}`, "One row per visible task, over all its visible power levels and GPUs (each level weighs by its runs within the task); click a row to see its runs.",
    rows.length ? table({ id: "model-task-table", columns: cols, rows, rowKey: (r) => r.task_key,
      selected: ctx.task, onSelect: (r) => ctx.set({ task: r.task_key, view: "drilldown" }) }) : empty("No runs of this model match the filters."));
}
