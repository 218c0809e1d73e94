import { h, section, empty } from "../dom.js";
import { metric, num, watts, seconds } from "../format.js";
import { load } from "../data.js";

// The selected model x task, per power level, then every run (pages fetched on demand).
export function drilldown(ctx) {
  const box = section("drilldown", "Task drilldown", null);
  if (!ctx.model || !ctx.task) {
    box.append(empty("Select a model and a task to see their runs."));
    return box;
  }
  box.querySelector("h2").textContent = `Task drilldown: ${ctx.model} × ${ctx.task}`;
  const rs = ctx.tdpRows.filter((r) => r.model === ctx.model && r.task_key === ctx.task);
  // one row per cell: the rebuild computed its metrics (duckdb_model_task_tdp.json)
  const levels = rs;
  box.append(h("ul", { class: "levels" }, levels.map((r) => h("li", {},
    `${watts(r.power_applied_w)} on ${r.gpu_name || "no GPU"}: ${num(r.runs)} run(s), `,
    `avg score ${metric("avg_score_percent", r.avg_score_percent)}, `,
    `avg output ${metric("avg_output_tokens", r.avg_output_tokens)}, `,
    `avg energy ${metric("avg_energy_j", r.avg_energy_j, "see the runs")}`))));
  const failedOnly = ctx.st.failed === "1";
  box.append(h("label", { class: "toggle" }, h("input", { type: "checkbox", id: "failed-only", checked: failedOnly,
    onchange: (e) => ctx.set({ failed: e.target.checked ? "1" : "" }) }), " failed runs only (not fully correct)"));
  const list = h("div", { class: "runs", id: "runs" }, h("p", { class: "loading" }, "Loading runs …"));
  box.append(list);
  runsFor(ctx.model, ctx.task).then((runs) => {
    const shown = runs.filter((r) => ctx.filt.gpu(r.gpu_key) && ctx.filt.power(r.power_applied_w)
      && (!failedOnly || !r.fully_correct));
    list.replaceChildren(...(shown.length ? shown.map((r) => runCard(r, ctx))
      : [empty(failedOnly ? "No failed run matches the filters." : "No run matches the filters.")]));
    const target = ctx.st.run && list.querySelector(`[data-run="${CSS.escape(ctx.st.run)}"]`);
    // the run a link opened, once: a later change within the view keeps the scroll position
    if (target && !ctx.again) {
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    }
  }).catch((e) => list.replaceChildren(empty(`Runs could not be loaded: ${e.message}`)));
  return box;
}

export async function runsFor(model, task) {
  const index = await load("runs/index.json");
  const pages = index.rows.filter((p) => p.model === model && p.task_key === task);
  const loaded = await Promise.all(pages.map((p) => load(p.file)));
  // A page names its values once ("columns"); each run is a list of values in that order.
  return loaded.flatMap((p) => p.rows.map((row) => Object.fromEntries(p.columns.map((c, i) => [c, row[i]]))));
}

// Imported original runs: the original had no pass threshold, so "passed" is a score of 100.
function passedText(r) {
  if (r.passed) return "passed";
  return r.origin && r.origin !== "jarri"
    ? "not passed (imported: the original project had no pass threshold, so only a score of 100 counts as passed)"
    : "not passed";
}

function runCard(r, ctx) {
  const energy = r.energy_net_j === null
    ? `not measured (${r.energy_confidence_reason || r.energy_confidence})`
    : `${num(r.energy_net_j, 2)} J net (${r.energy_confidence}${r.energy_valid ? "" : ", not counted"}) — ${r.energy_confidence_reason}`;
  const warnings = [
    r.residency === "hybrid" || r.residency === "cpu" ? `⚠ ${r.residency} residency: energy excluded from comparisons` : null,
    r.energy_confidence === "low" ? "⚠ low-confidence energy" : null,
    r.cold_start ? "⚠ cold start (model loaded during the run)" : null,
    (r.import_flags || []).length ? `⚠ imported: ${r.import_flags.join(", ")}` : null,
  ].filter(Boolean);
  const labels = r.fully_correct ? "fully correct"
    : `${r.failure_stage || "unlabelled"} / ${r.failure_type || "unlabelled"}${r.hard_failure ? " (hard)" : ""}`;
  const linked = ctx.st.run === r.run_id;
  // the run a link opened takes the keyboard focus (its answer is the next Tab away)
  return h("article", { class: `run${linked ? " highlighted" : ""}`, "data-run": r.run_id,
    tabindex: linked ? "-1" : null, "aria-label": linked ? `run ${r.run_id}` : null },
    h("header", {},
      h("b", {}, `${watts(r.power_applied_w)} · repeat ${r.repeat_index} · ${r.status}`),
      ` · score ${metric("avg_score_percent", r.score_percent)} · ${passedText(r)} · ${labels}`),
    warnings.length ? h("p", { class: "warn" }, warnings.join(" · ")) : null,
    h("dl", { class: "facts" }, [
      ["run id", r.run_id], ["GPU", r.gpu_name || "no GPU"], ["residency", r.residency],
      ["tokens", `${num(r.prompt_tokens)} prompt → ${num(r.output_tokens)} output${r.truncated ? " (output cap reached)" : ""}`],
      ["time", `${seconds(r.wall_s)} wall, ${seconds(r.ttft_s)} to first token, ${seconds(r.eval_s)} decode`],
      ["thinking", `${num(r.thinking_chars)} chars`],
      ["energy", energy], ["energy method", r.energy_method],
      ["failure subtypes", (r.failure_subtypes || []).join(", ") || "—"],
      ["format followed", r.format_ok == null ? "—" : (r.format_ok ? "yes" : "no")],
      ["format rules broken", (r.format_violations || []).join(", ") || "—"],
      ["import flags", (r.import_flags || []).join(", ") || "—"],
      ["evaluator", r.evaluator || "—"], ["extracted answer", r.extracted_answer ?? "—"],
    ].map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])),
    r.checks.length ? h("ul", { class: "checks" }, r.checks.map((c) => h("li", { class: c.passed ? "pass" : "fail" },
      `${c.passed ? "✓" : "✗"} ${c.name} (weight ${c.weight}): ${c.detail}`))) : null,
    r.error ? h("pre", { class: "error", tabindex: "0", "aria-label": "error" }, r.error) : null,
    h("p", { class: "answer-source" }, `answer: ${r.answer_source}${r.answer_truncated ? " (first 4,000 characters)" : ""}`),
    r.answer_text !== null ? h("pre", { class: "answer", tabindex: "0", "aria-label": "answer text" }, r.answer_text) : null);
}
