// Jarri Benchmark UI: plain ES modules over the JSON surfaces in data/.
import { h, empty, section } from "./dom.js";
import { watts } from "./format.js";
import { LATER, loadCore, loadRest } from "./data.js";
import * as state from "./state.js";
import { overview } from "./panels/overview.js";
import { modelRows, comparison, detail } from "./panels/models.js";
import { registry, ranking, modelTask } from "./panels/tasks.js";
import { power } from "./panels/power.js";
import { drilldown } from "./panels/drilldown.js";
import { failures } from "./panels/failures.js";
import { pareto } from "./panels/pareto.js";
import { pairs } from "./panels/pairs.js";
import { comparedTasks } from "./metrics.js";
import { raw } from "./panels/raw.js";
import { recommend } from "./panels/recommend.js";
import { compare } from "./panels/compare.js";

const main = document.getElementById("main");
const bar = document.getElementById("filters");

function filters(st) {
  const q = st.q.toLowerCase(), tq = st.tq.toLowerCase();
  return {
    model: (m) => !q || m.toLowerCase().includes(q),
    task: (key, family, title) => (!tq || key.toLowerCase().includes(tq) || (title || "").toLowerCase().includes(tq))
      && (!st.family || family === st.family),
    gpu: (g) => !st.gpu || g === st.gpu,
    power: (w) => !st.power || String(w ?? "none") === st.power,
  };
}

function filterBar(d, st, registry) {
  const cells = (d["duckdb_model_task_tdp.json"] || d["duckdb_model_tdp.json"]).rows;
  const families = [...new Set(registry.map((t) => t.task_family).filter(Boolean))].sort();
  const gpus = d["registries/gpus.json"].rows;
  const powers = [...new Set(cells.map((r) => String(r.power_applied_w ?? "none")))].sort((a, b) => (a === "none" ? -1 : b === "none" ? 1 : a - b));
  const input = (id, key, ph) => h("input", { id, type: "search", placeholder: ph, value: st[key],
    "aria-label": ph.replace("…", ""),
    onchange: (e) => state.update({ [key]: e.target.value.trim() }) });
  const select = (id, key, label, options) => h("select", { id, "aria-label": `filter: ${label}`,
    onchange: (e) => state.update({ [key]: e.target.value }) },
    h("option", { value: "" }, label), options.map(([v, t]) => h("option", { value: v, selected: st[key] === v }, t)));
  bar.replaceChildren(
    input("f-model", "q", "model contains…"), input("f-task", "tq", "task contains…"),
    select("f-family", "family", "all families", families.map((f) => [f, f])),
    select("f-gpu", "gpu", "all GPUs", gpus.map((g) => [g.gpu_key, g.gpu_name || "no GPU"])),
    select("f-power", "power", "all power levels", powers.map((p) => [p, p === "none" ? "not set" : watts(Number(p))])),
    h("button", { id: "f-clear", onclick: () => state.update({ q: "", tq: "", family: "", gpu: "", power: "" }) }, "clear filters"));
}

function render(d, st) {
  const reg = d["duckdb_task_registry.json"].rows;
  const filt = filters(st);
  const family = new Map(reg.map((t) => [t.task_key, t]));
  // The first screen (the recommendation and the overview) is drawn from the first, small
  // surfaces; every other panel says "Loading" until the rest (model × task cells, task
  // ranking, frontiers, failures) has arrived, then all are drawn.
  const complete = LATER.every((f) => f in d);
  const tdpRows = complete ? d["duckdb_model_task_tdp.json"].rows.filter((r) => filt.model(r.model)
    && filt.task(r.task_key, r.task_family, family.get(r.task_key)?.title) && filt.gpu(r.gpu_key)
    && filt.power(r.power_applied_w)) : [];
  // The formulas every panel evaluates (analysis/metrics.py), and the compared task set of
  // the visible rows: the tasks every visible model has graded runs of (all if none).
  const formulas = d["duckdb_model_tdp.json"].formulas;
  const compared = comparedTasks(tdpRows, formulas);
  const filtered = Boolean(st.q || st.tq || st.family || st.gpu || st.power);
  const ctx = { d, st, set: state.update, defs: d["duckdb_model_rankings.json"].definitions, filt,
    tdpRows, registry: reg, model: st.model, task: st.task, formulas, compared, filtered };
  filterBar(d, st, reg);
  const rows = complete ? modelRows(ctx) : [];
  const scrollY = window.scrollY;
  const later = (id, title, draw) => (complete ? draw()
    : section(id, title, null, h("p", { class: "loading" }, "Loading …")));
  main.replaceChildren(recommend(ctx), overview(ctx),
    later("models", "Model comparison", () => comparison(ctx, rows)),
    later("model-detail", "Selected model", () => detail(ctx, rows)),
    later("compare", "Compare models", () => compare(ctx)),
    later("model-pairs", "Model pairs", () => pairs(ctx)),
    later("task-registry", "Task registry", () => registry(ctx)),
    later("task-ranking", "Task ranking", () => ranking(ctx)),
    later("model-task", "Model × task", () => modelTask(ctx)),
    later("model-power", "Model × power limit", () => power(ctx)),
    later("drilldown", "Task drilldown", () => drilldown(ctx)),
    later("failures", "Failure surface", () => failures(ctx)),
    later("pareto", "Pareto frontier", () => pareto(ctx)),
    later("raw", "Raw JSON", () => raw(ctx)));
  window.scrollTo(0, scrollY);
  document.body.dataset.ready = "1";
  document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
}

async function start() {
  let d;
  try {
    d = await loadCore();
  } catch (e) {
    main.replaceChildren(empty(`No data yet (${e.message}). Run a sweep — bash ./run_me.sh --models gemma3:270m --experiments smoke_v1 — or 'jarri rebuild' in the workspace, then reload.`));
    document.body.dataset.ready = "1";
    document.body.dataset.complete = "1";
    return;
  }
  if (!d["duckdb_model_rankings.json"].rows.length && !d["duckdb_model_tdp.json"].rows.length) {
    main.replaceChildren(empty("The ledgers hold no usable runs yet. Run a sweep (bash ./run_me.sh --models gemma3:270m), then 'jarri rebuild'."));
    document.body.dataset.ready = "1";
    document.body.dataset.complete = "1";
    return;
  }
  if (!d["duckdb_model_tdp.json"].formulas) {
    main.replaceChildren(empty("These surfaces come from an older rebuild (no formulas): run 'jarri rebuild' again, then reload."));
    document.body.dataset.ready = "1";
    document.body.dataset.complete = "1";
    return;
  }
  const st = state.read();
  if (!st.model) {
    const first = d["duckdb_model_rankings.json"].rows[0];
    if (first) st.model = first.model;
  }
  // The defaults chosen here go into the URL, so the next change (a sort, a filter) keeps
  // them and a copied URL shows the same view.
  state.replace(st);
  document.body.dataset.phased = "1";  // drawn in two steps: data-ready, then data-complete
  state.onChange((s) => render(d, s));
  render(d, st);
  // The first screen is drawn; once it is painted, the rest loads behind it (parsing it
  // takes the page's thread), then every panel is drawn.
  const painted = new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  painted.then(loadRest).then((rest) => Object.assign(d, rest)).catch((e) => {
    for (const f of [...LATER, "comparisons/model_pairs.json"]) {
      if (!(f in d)) d[f] = { rows: [], failed: e.message };
    }
  }).then(() => {
    const now = state.read();
    if (!now.task) {  // the first task the selected model ran, so every panel has something
      const tdp = d["duckdb_model_task_tdp.json"].rows;
      const t = tdp.find((r) => r.model === now.model) || tdp[0];
      if (t) state.replace({ ...now, task: t.task_key });
    }
    render(d, state.read());
    document.body.dataset.complete = "1";
  });
}

start();
