import { h, section, empty } from "../dom.js";
import { difference, interval } from "../format.js";
import { table } from "../table.js";

// What a verdict means in words, for model A and model B of a pair.
function verdictText(v, a, b) {
  if (v === "tie") return "no difference shown (the interval includes 0)";
  const [who, what] = v.split(" ");
  return `${who === "a" ? a : b} ${what}`;
}

// Paired differences between models (comparisons/model_pairs.json): A − B on the tasks both
// have graded runs of, with the rebuild's 95 % bootstrap interval over those tasks. They are
// computed once by the rebuild over the unfiltered set, so a task, GPU or power filter cannot
// change them; the model filter only hides pairs.
export function pairs(ctx) {
  const env = ctx.d["comparisons/model_pairs.json"];
  if (!env || env.failed) {
    return section("model-pairs", "Model pairs", null, empty(env ? `The paired differences could not be loaded (${env.failed}); open this view again to retry.`
      : "These surfaces have no paired differences (an older rebuild): run 'jarri rebuild' again."));
  }
  const visible = env.rows.filter((p) => ctx.filt.model(p.model_a) && ctx.filt.model(p.model_b));
  const chosen = ctx.model ? visible.filter((p) => p.model_a === ctx.model || p.model_b === ctx.model) : visible;
  const rows = chosen.flatMap((p) => (p.differences.length ? p.differences.map((d) => ({
    ...d, model_a: p.model_a, model_b: p.model_b, tasks: p.tasks, key: `${p.model_a}|${p.model_b}|${d.metric}`,
  })) : [{ model_a: p.model_a, model_b: p.model_b, tasks: p.tasks, metric: null,
    key: `${p.model_a}|${p.model_b}|`, difference: null, ci95: null, verdict: null }]));
  const tbl = rows.length ? table({
    id: "pairs-table", rows, rowKey: (r) => r.key,
    columns: [
      { key: "model_a", label: "model A", fmt: (r) => r.model_a },
      { key: "model_b", label: "model B", fmt: (r) => r.model_b },
      { key: "tasks", label: "shared tasks", fmt: (r) => String(r.tasks) },
      { key: "metric", label: "metric", title: "hover a metric name in the model table for its formula",
        fmt: (r) => r.metric ?? "fewer than 2 shared tasks: no interval, no verdict" },
      { key: "difference", label: "A − B", fmt: (r) => (r.metric ? difference(r.metric, r.difference) : "–") },
      { key: "ci95", label: "95 % interval of A − B", value: (r) => (r.ci95 ? r.ci95[0] : null),
        fmt: (r) => (r.metric && r.ci95 ? interval(r.metric, r.ci95) : "–") },
      { key: "verdict", label: "verdict", fmt: (r) => (r.verdict ? verdictText(r.verdict, r.model_a, r.model_b) : "–"),
        cls: (r) => (r.verdict && r.verdict !== "tie" ? "decided" : null) },
    ],
  }) : empty(ctx.model ? `No pair with ${ctx.model} among the visible models.` : "No pair of visible models.");
  const sel = ctx.model ? ` Showing the pairs of the selected model, ${ctx.model}.` : "";
  const filt = ctx.filtered && (ctx.st.tq || ctx.st.family || ctx.st.gpu || ctx.st.power)
    ? " The task, GPU and power filters do not apply here: these differences are the rebuild's, over all runs." : "";
  return section("model-pairs", "Model pairs",
    `Is A better than B, or could the difference be noise? Each row is A − B on the tasks both models have graded runs of, balanced per task, with a 95 % bootstrap interval over those tasks; when the interval includes 0 the verdict is a tie.${sel}${filt}`,
    tbl);
}
