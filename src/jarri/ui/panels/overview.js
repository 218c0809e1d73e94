import { h, section } from "../dom.js";
import { num } from "../format.js";

export function overview(ctx) {
  const env = ctx.d["duckdb_model_rankings.json"];
  const src = env.source;
  // Drawn from the small surfaces alone: the model × power rows (the same models and power
  // levels as the model × task cells) and the registry's versions that ran (one compared
  // task key each, as in the cells).
  const tdp = ctx.d["duckdb_model_tdp.json"].rows;
  const tasks = new Set(ctx.registry.flatMap((t) => (t.versions || []).map((v) => v.task_key)));
  const powers = new Set(tdp.map((r) => r.power_applied_w ?? "not set"));
  const facts = [
    ["ledgers read", num(src.ledgers)],
    ["rows read", num(src.rows_total)],
    ["rows used", num(src.rows_used)],
    ["rows quarantined", num(src.rows_quarantined)],
    ["duplicates / superseded", `${num(src.rows_duplicate)} / ${num(src.rows_superseded)}`],
    ["conflicting rows (left out; verification/conflicts.json)", num(src.rows_conflicting ?? 0)],
    ["task versions", src.versions_pooled ? "pooled (--pool-versions)" : "kept apart"],
    ["latest record", src.latest_record_at || "none"],
    ["source digest", env.source_digest],
    ["models", num(new Set(tdp.map((r) => r.model)).size)],
    ["tasks", num(tasks.size)],
    ["GPUs", num(ctx.d["registries/gpus.json"].rows.length)],
    ["power levels", num(powers.size)],
    ["common task set", `${num(env.common_tasks)} task(s)`],
  ];
  const policy = Object.entries(env.policy).map(([k, v]) => h("li", {}, h("b", {}, k.replaceAll("_", " ")), ": ", v));
  const quarantine = ctx.d["verification/quarantine.json"].rows.slice(0, 5).map((q) =>
    h("li", {}, `${q.file}:${q.line}: ${q.reason}`));
  return section("overview", "Overview", "Where these numbers come from.",
    h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", { "data-fact": k }, v)])),
    h("h3", {}, "Policy"), h("ul", { class: "policy" }, policy),
    quarantine.length ? [h("h3", {}, "Quarantined lines (first 5; all in verification/quarantine.json)"),
      h("ul", { class: "quarantine" }, quarantine)] : null);
}
