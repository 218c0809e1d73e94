import { h, section, empty } from "../dom.js";
import { metric, num } from "../format.js";
import { table } from "../table.js";

// Failure counts per model x task x GPU x watts, summed over what the filters leave visible;
// every rate is relative to all runs of the row.
function sum(rows) {
  // Counts keyed by names from the data (a stage may be called "__proto__"): objects
  // without a prototype, read with own().
  const out = { runs: 0, failed_runs: 0, hard_failures: 0, stage_counts: Object.create(null),
    type_counts: Object.create(null), subtype_counts: Object.create(null) };
  for (const r of rows) {
    out.runs += r.runs; out.failed_runs += r.failed_runs; out.hard_failures += r.hard_failures;
    for (const k of ["stage_counts", "type_counts", "subtype_counts"]) {
      for (const [name, n] of Object.entries(r[k])) out[k][name] = (out[k][name] || 0) + n;
    }
  }
  const top = (counts) => Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  out.failure_rate = out.runs ? out.failed_runs / out.runs : null;
  out.hard_failure_rate = out.runs ? out.hard_failures / out.runs : null;
  out.dominant_stage = top(out.stage_counts)[0]?.[0] || null;
  out.dominant_type = top(out.type_counts)[0]?.[0] || null;
  out.dominant_subtypes = top(out.subtype_counts).slice(0, 3).map(([k]) => k);
  out.top = top;
  return out;
}

// Examples taken in turn from each task (in task order), so a few tasks with many failures
// do not fill the list: the first example of every task, then the second, and so on.
export function roundRobin(examples, limit) {
  const byTask = new Map();
  for (const e of examples) {
    if (!byTask.has(e.task_key)) byTask.set(e.task_key, []);
    byTask.get(e.task_key).push(e);
  }
  const queues = [...byTask.keys()].sort().map((k) => byTask.get(k));
  const out = [];
  for (let i = 0; out.length < limit && queues.some((q) => i < q.length); i++) {
    for (const q of queues) if (i < q.length && out.length < limit) out.push(q[i]);
  }
  return out;
}

// A count by a name from the URL or the data: 0 unless the object holds it itself.
const own = (counts, name) => (Object.hasOwn(counts, name) ? counts[name] : 0);

const HARD = "runs with nothing usable to grade (a transport, generation, format, parse or execute failure) or an answer that earns zero credit / runs (docs/failure-taxonomy.md)";

function chooser(ctx, key, name, n, runs) {
  const on = ctx.st[key] === name;
  return h("li", {}, h("button", { type: "button", class: on ? "chip on" : "chip", "aria-pressed": String(on),
    "data-name": name, onclick: () => ctx.set({ [key]: on ? "" : name }) }, name),
  `: ${metric("failure_rate", n / runs)} (${num(n)} of ${num(runs)} runs)`);
}

export function failures(ctx) {
  const reg = new Map(ctx.registry.map((t) => [t.task_key, t]));
  const fine = ctx.d["failures/by_model_task_tdp.json"].rows.filter((r) => ctx.filt.model(r.model)
    && ctx.filt.task(r.task_key, reg.get(r.task_key)?.task_family, reg.get(r.task_key)?.title)
    && ctx.filt.gpu(r.gpu_key) && ctx.filt.power(r.power_applied_w));
  const groups = new Map();
  for (const r of fine) {
    const key = JSON.stringify([r.model, r.task_key]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const { ftype, fsub } = ctx.st;
  const all = [...groups.entries()].map(([key, rs]) => ({ key, model: rs[0].model, task_key: rs[0].task_key, ...sum(rs) }));
  // A chosen type or subtype keeps the rows that have it, and counts it per row.
  const rows = all.filter((r) => (!ftype || own(r.type_counts, ftype)) && (!fsub || own(r.subtype_counts, fsub)))
    .map((r) => ({ ...r, chosen: ftype ? own(r.type_counts, ftype) : fsub ? own(r.subtype_counts, fsub) : null }));
  const chosenCol = ftype || fsub ? [{ key: "chosen", label: `runs: ${ftype || fsub}`, fmt: (r) => num(r.chosen) }] : [];
  const tbl = rows.length ? table({
    id: "failure-table", rows, rowKey: (r) => r.key, sort: "failure_rate:desc",
    onSelect: (r) => ctx.set({ model: r.model, task: r.task_key, view: "drilldown" }),
    columns: [
      { key: "model", label: "model", fmt: (r) => r.model },
      { key: "task_key", label: "task", fmt: (r) => r.task_key },
      { key: "runs", label: "runs", fmt: (r) => num(r.runs) },
      { key: "failed_runs", label: "failed", fmt: (r) => num(r.failed_runs) },
      ...chosenCol,
      { key: "failure_rate", label: "failure rate", title: "failed runs / runs", fmt: (r) => metric("failure_rate", r.failure_rate) },
      { key: "hard_failure_rate", label: "hard failures", title: HARD, fmt: (r) => metric("hard_failure_rate", r.hard_failure_rate) },
      { key: "dominant_stage", label: "dominant stage", fmt: (r) => r.dominant_stage || "—" },
      { key: "dominant_type", label: "dominant type", fmt: (r) => r.dominant_type || "—" },
      { key: "dominant_subtypes", label: "dominant subtypes", value: (r) => r.dominant_subtypes.join(","), fmt: (r) => r.dominant_subtypes.join(", ") || "—" },
    ],
  }) : empty(ftype || fsub ? `No visible model × task has failures of ${ftype ? "type" : "subtype"} ${ftype || fsub}.` : "No model × task matches the filters.");
  const chosen = ftype || fsub ? h("p", { class: "meta", id: "failure-chosen" },
    `Showing the rows with ${ftype ? "type" : "subtype"} ${ftype || fsub}. `,
    h("button", { type: "button", id: "failure-clear", onclick: () => ctx.set({ ftype: "", fsub: "" }) }, "show every failure")) : null;
  const mine = fine.filter((r) => r.model === ctx.model);
  const sel = mine.length ? sum(mine) : null;
  const dist = sel ? h("div", { class: "distribution", id: "failure-distribution" },
    h("h3", {}, `Failure stages of ${ctx.model} (share of its ${num(sel.runs)} visible runs)`),
    h("table", { class: "bars" }, sel.top(sel.stage_counts).map(([stage, n]) =>
      h("tr", {}, h("td", {}, stage), h("td", { class: "bar" }, h("span", { style: `width:${(100 * n / sel.runs).toFixed(1)}%` })),
        h("td", {}, `${metric("failure_rate", n / sel.runs)} (${num(n)} of ${num(sel.runs)} runs)`)))),
    h("h3", {}, `Types of ${ctx.model} (choose one to see where it happens)`),
    h("ul", { class: "chips", id: "failure-types" }, sel.top(sel.type_counts).map(([t, n]) => chooser(ctx, "ftype", t, n, sel.runs))),
    h("h3", {}, `Subtypes of ${ctx.model} (the checks that failed)`),
    Object.keys(sel.subtype_counts).length
      ? h("ul", { class: "chips", id: "failure-subtypes" }, sel.top(sel.subtype_counts).map(([t, n]) => chooser(ctx, "fsub", t, n, sel.runs)))
      : empty("No failed checks."))
    : null;
  const visible = new Set(rows.map((r) => r.key));
  const examples = roundRobin(ctx.d["duckdb_failure_surfaces.json"].rows
    .filter((r) => visible.has(JSON.stringify([r.model, r.task_key])) && (!ctx.model || r.model === ctx.model))
    .flatMap((r) => r.examples.map((e) => ({ ...e, model: r.model, task_key: r.task_key })))
    .filter((e) => ctx.filt.gpu(e.gpu_key) && ctx.filt.power(e.power_applied_w)
      && (!ftype || `${e.failure_stage}/${e.failure_type}` === ftype)
      && (!fsub || (e.failure_subtypes || []).includes(fsub))), 12);
  const ex = examples.length ? h("div", { id: "failure-examples" }, h("h3", {}, "Representative failures (one per task in turn)"),
    h("ul", {}, examples.map((e) => h("li", {},
      h("a", { href: "#", onclick: (ev) => { ev.preventDefault(); ctx.set({ model: e.model, task: e.task_key, run: e.run_id, view: "drilldown" }); } },
        `${e.model} × ${e.task_key}`),
      `: ${e.failure_stage || "unlabelled"} / ${e.failure_type || "unlabelled"}${e.failure_subtypes?.length ? ` (${e.failure_subtypes.join(", ")})` : ""}, score ${metric("avg_score_percent", e.score_percent)} (run ${e.run_id})`))))
    : ftype || fsub ? h("p", { class: "empty", id: "failure-examples" }, `No stored example of ${ftype || fsub} here (the rebuild keeps the first three failed runs of each model × task).`) : null;
  // The model whose failures come first: a choice here, so the way down to one failed
  // answer is this, then one of its examples.
  const models = [...new Set(fine.map((r) => r.model))].sort();
  if (ctx.model && !models.includes(ctx.model)) models.unshift(ctx.model);
  const picker = h("p", { class: "controls" }, h("label", {}, "Failures of ",
    h("select", { id: "failure-model", onchange: (e) => ctx.set({ model: e.target.value, ftype: "", fsub: "" }) },
      models.map((m) => h("option", { value: m, selected: m === ctx.model }, m)))));
  const none = ctx.model && !sel ? empty(`${ctx.model} has no visible runs here.`) : null;
  return section("failures", "Failure surface",
    "Rates are relative to all runs of the row (every filter applies). Choose a model, then a type or subtype of it to see where it happens; the examples open a failed run. The table below has every visible model × task; click a row to see its runs.",
    picker, none, dist, chosen, ex, h("h3", {}, "Every visible model × task"), tbl);
}
