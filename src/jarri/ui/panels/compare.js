// Two or more chosen models side by side: per task on the tasks all of them have graded runs
// of (each cell aggregated from duckdb_model_task_tdp.json with the rebuild's formulas), the
// rebuild's paired difference of each pair with its 95 % interval (comparisons/model_pairs.json),
// and for one chosen task their answers next to each other (run pages, fetched on demand).
import { h, section, empty } from "../dom.js";
import { difference, energyWhy, interval, metric, watts } from "../format.js";
import { aggregate, commonTasks } from "../metrics.js";
import { table } from "../table.js";
import { runsFor } from "./drilldown.js";

const MAX = 4;

// The models compared: the URL's list, or, before any choice, the selected model (so one more
// click compares it with another). "," is an emptied list. Each name is percent-encoded in
// the list (a model name may hold a comma or spaces; a plain one reads as itself).
export function chosenModels(st) {
  if (!st.cmp) return st.model ? [st.model] : [];
  return st.cmp.split(",").filter(Boolean).map(decodeName).slice(0, MAX);
}

function decodeName(x) {
  try { return decodeURIComponent(x); } catch { return x; }
}

export function encodeModels(models) {
  return models.map((m) => m.replace(/%/g, "%25").replace(/,/g, "%2C")).join(",") || ",";
}

// A pair's differences as "first − second", whichever order the rebuild stored them in.
function pairFor(env, a, b) {
  const p = env?.rows.find((x) => (x.model_a === a && x.model_b === b) || (x.model_a === b && x.model_b === a));
  if (!p) return null;
  if (p.model_a === a) return p;
  const flip = { "a higher": "b higher", "b higher": "a higher", "a lower": "b lower", "b lower": "a lower" };
  return { ...p, model_a: a, model_b: b, differences: p.differences.map((d) => ({
    ...d, difference: d.difference == null ? null : -d.difference,
    ci95: d.ci95 ? [d.ci95[1] == null ? null : -d.ci95[1], d.ci95[0] == null ? null : -d.ci95[0]] : null,
    verdict: flip[d.verdict] || d.verdict })) };
}

function failureLabel(ctx, model, task) {
  const counts = {};
  for (const r of ctx.d["failures/by_model_task_tdp.json"].rows) {
    if (r.model !== model || r.task_key !== task || !ctx.filt.gpu(r.gpu_key) || !ctx.filt.power(r.power_applied_w)) continue;
    for (const [k, n] of Object.entries(r.type_counts)) counts[k] = (counts[k] || 0) + n;
  }
  const top = Object.entries(counts).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
  return top.length ? top.map(([k, n]) => `${k} ×${n}`).join(", ") : "no failures";
}

export function compare(ctx) {
  const models = [...new Set(ctx.d["duckdb_model_task_tdp.json"].rows.map((r) => r.model))]
    .filter((m) => ctx.filt.model(m)).sort();
  const chosen = chosenModels(ctx.st).filter((m) => models.includes(m));
  const toggle = (m, on) => {
    const next = on ? [...chosen, m] : chosen.filter((x) => x !== m);
    ctx.set({ cmp: encodeModels(next), ctask: "" });
  };
  const picker = h("fieldset", { id: "compare-models", class: "chips" },
    h("legend", {}, `Models to compare (up to ${MAX})`),
    models.map((m) => h("label", { class: "pick" }, h("input", { type: "checkbox", value: m,
      checked: chosen.includes(m), disabled: !chosen.includes(m) && chosen.length >= MAX,
      onchange: (e) => toggle(m, e.target.checked) }), ` ${m}`)));
  const intro = "Choose two or more models: each common task side by side (every filter applies; a cell is the model's runs of the task over the visible power levels and GPUs), the rebuild's paired differences with their 95 % intervals, and for one task their answers next to each other.";
  if (chosen.length < 2) return section("compare", "Compare models", intro, picker, empty("Choose at least two models."));
  const rows = ctx.tdpRows.filter((r) => chosen.includes(r.model));
  const tasks = commonTasks(rows, ctx.formulas);
  const cell = new Map();
  for (const m of chosen) {
    for (const t of tasks) {
      cell.set(`${m}|${t}`, aggregate(rows.filter((r) => r.model === m && r.task_key === t), ctx.formulas, [t]));
    }
  }
  const [a, b] = chosen;
  const perTask = tasks.map((t) => {
    const out = { task_key: t };
    for (const m of chosen) {
      const c = cell.get(`${m}|${t}`);
      out[`${m}|score`] = c.avg_score_percent;
      out[`${m}|tokens`] = c.avg_output_tokens;
      out[`${m}|energy`] = c.avg_energy_j;
      out[`${m}|energyWhy`] = energyWhy(c);
      out[`${m}|failures`] = failureLabel(ctx, m, t);
    }
    const x = out[`${a}|score`], y = out[`${b}|score`];
    out.diff = x == null || y == null ? null : x - y;
    return out;
  });
  const cols = [{ key: "task_key", label: "task", fmt: (r) => r.task_key },
    ...chosen.flatMap((m) => [
      { key: `${m}|score`, label: `${m}: score`, better: "higher", fmt: (r) => metric("avg_score_percent", r[`${m}|score`]) },
      { key: `${m}|tokens`, label: `${m}: output tokens`, fmt: (r) => metric("avg_output_tokens", r[`${m}|tokens`]) },
      { key: `${m}|energy`, label: `${m}: energy`, fmt: (r) => metric("avg_energy_j", r[`${m}|energy`], r[`${m}|energyWhy`]) },
      { key: `${m}|failures`, label: `${m}: failure labels`, fmt: (r) => r[`${m}|failures`] },
    ]),
    { key: "diff", label: `score ${a} − ${b}`, fmt: (r) => difference("avg_score_percent", r.diff) }];
  const ctask = tasks.includes(ctx.st.ctask) ? ctx.st.ctask : tasks[0];
  const tbl = tasks.length ? table({ id: "compare-table", columns: cols, rows: perTask, rowKey: (r) => r.task_key,
    selected: ctask, onSelect: (r) => ctx.set({ ctask: r.task_key }) })
    : empty("The chosen models have no graded runs of a common task under these filters.");
  // the rebuild's paired differences, one block per pair of chosen models
  const env = ctx.d["comparisons/model_pairs.json"];
  const pairRows = [];
  for (let i = 0; i < chosen.length; i++) {
    for (let j = i + 1; j < chosen.length; j++) {
      const p = pairFor(env, chosen[i], chosen[j]);
      if (!p) continue;
      for (const d of p.differences) pairRows.push({ ...d, pair: `${p.model_a} − ${p.model_b}`, tasks: p.tasks, key: `${p.model_a}|${p.model_b}|${d.metric}` });
      if (!p.differences.length) pairRows.push({ pair: `${p.model_a} − ${p.model_b}`, tasks: p.tasks, metric: null, key: `${p.model_a}|${p.model_b}|` });
    }
  }
  const paired = pairRows.length ? table({ id: "compare-pairs", rows: pairRows, rowKey: (r) => r.key, columns: [
    { key: "pair", label: "pair", fmt: (r) => r.pair },
    { key: "tasks", label: "shared tasks", fmt: (r) => String(r.tasks) },
    { key: "metric", label: "metric", fmt: (r) => r.metric ?? "fewer than 2 shared tasks: no interval" },
    { key: "difference", label: "difference", fmt: (r) => (r.metric ? difference(r.metric, r.difference) : "–") },
    { key: "ci95", label: "95 % interval", value: (r) => (r.ci95 ? r.ci95[0] : null), fmt: (r) => (r.metric && r.ci95 ? interval(r.metric, r.ci95) : "–") },
    { key: "verdict", label: "verdict", fmt: (r) => r.verdict || "–" },
  ] }) : empty(env?.failed ? `The paired differences could not be loaded (${env.failed}); open this view again to retry.`
    : !env ? "These surfaces have no paired differences (an older rebuild): run 'jarri rebuild' again."
      : "No paired differences for these models (no shared task).");
  const answers = h("div", { id: "compare-answers", class: "side-by-side" },
    ctask ? h("p", { class: "loading" }, "Loading answers …") : null);
  if (ctask) {
    Promise.all(chosen.map((m) => runsFor(m, ctask).catch((e) => e))).then((lists) => {
      answers.replaceChildren(...chosen.map((m, i) => {
        if (lists[i] instanceof Error) {
          return h("div", { class: "column", "data-model": m }, h("h4", {}, m),
            empty(`The runs could not be loaded: ${lists[i].message}`));
        }
        const runs = lists[i].filter((r) => ctx.filt.gpu(r.gpu_key) && ctx.filt.power(r.power_applied_w));
        return h("div", { class: "column", "data-model": m }, h("h4", {}, m),
          runs.length ? runs.map((r) => h("div", { class: "answer-box", "data-run": r.run_id },
            h("p", { class: "meta" }, `${r.gpu_name || "no GPU"} · ${watts(r.power_applied_w)} · repeat ${r.repeat_index} · run ${r.run_id} · score ${metric("avg_score_percent", r.score_percent)}${r.failure_type ? ` · ${r.failure_stage}/${r.failure_type}` : ""}`),
            r.answer_text != null ? h("pre", { class: "answer", tabindex: "0", "aria-label": `answer of ${m}` }, r.answer_text)
              : h("p", { class: "empty" }, `no answer text (${r.answer_source})`)))
            : empty("No run matches the filters."));
      }));
    });
  }
  return section("compare", `Compare models: ${chosen.join(" vs ")}`, intro, picker, tbl,
    h("h3", {}, "Paired differences (the rebuild's, over each pair's shared tasks, unfiltered)"), paired,
    h("h3", {}, ctask ? `Answers to ${ctask}` : "Answers"), answers);
}
