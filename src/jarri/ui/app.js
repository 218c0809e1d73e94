// Jarri Benchmark UI: plain ES modules over the JSON surfaces in data/. One view at a time
// (views.js); the whole view, the view itself included, lives in the URL hash.
import { h, empty, section } from "./dom.js";
import { watts } from "./format.js";
import { into } from "./data.js";
import * as state from "./state.js";
import { comparedTasks } from "./metrics.js";
import { CORE, CELLS, VIEWS, viewOf } from "./views.js";
import { setBetter } from "./table.js";
import { DERIVED_BETTER } from "./panels/models.js";

const main = document.getElementById("main");
const bar = document.getElementById("filters");
const nav = document.querySelector("nav");

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
  const cells = d["duckdb_model_tdp.json"].rows;
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

// The nav: one link per view, made once (a click on a link that a redraw replaced would be
// lost), each carrying the whole current state in its href (so it opens in a new tab as it
// would here); the current view is marked for screen readers. A click reads the state when
// it happens: a filter typed just before (its change lands on the way) is kept.
const links = new Map(VIEWS.map((v) => [v.id, h("a", { href: "#", "data-view": v.id }, v.label)]));
nav.replaceChildren(...[...links.values()].flatMap((a) => [a, " "]));
nav.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-view]");
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;  // a new tab
  e.preventDefault();
  state.update({ view: a.dataset.view });
});

// "Skip to the view": the first stop of the keyboard, past the nav and the filters (a handler,
// not a link to #main: the hash holds the view).
document.getElementById("skip").addEventListener("click", (e) => {
  e.preventDefault();
  main.querySelector("section.panel")?.focus();
});

function navLinks(st, view) {
  for (const [id, a] of links) {
    a.setAttribute("href", `#${state.encode({ ...st, view: id })}`);
    a.classList.toggle("current", id === view.id);
    if (id === view.id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

// What has the keyboard focus in the view, as a selector that finds it again after a redraw
// (a sort header, a row, a control): a keyboard user keeps their place.
function focusKey() {
  const el = document.activeElement;
  if (!el || !(main.contains(el) || bar.contains(el))) return null;
  const table = el.closest("table[id]");
  const th = el.closest("th[data-key]");
  const tr = el.closest("tr[data-row]");
  const q = (v) => `"${CSS.escape(v)}"`;
  if (table && th) return `table[id=${q(table.id)}] th[data-key=${q(th.dataset.key)}] button`;
  if (table && tr && el === tr) return `table[id=${q(table.id)}] tbody tr[data-row=${q(tr.dataset.row)}]`;
  if (el.id) return `[id=${q(el.id)}]`;
  // a control without an id (a model's checkbox, a failure type's button): the nearest
  // ancestor with one, and what names the control
  const host = el.parentElement?.closest("[id]");
  for (const attr of ["data-name", "value", "data-run"]) {
    if (host && el.hasAttribute(attr)) {
      return `[id=${q(host.id)}] ${el.tagName.toLowerCase()}[${attr}=${q(el.getAttribute(attr))}]`;
    }
  }
  return null;
}

// Where each table's own box was scrolled (a long table scrolls in its box).
function boxScrolls() {
  return [...main.querySelectorAll(".table-box > table[id]")].map((t) =>
    [t.id, t.parentElement.scrollTop, t.parentElement.scrollLeft]);
}

function restoreBoxes(saved) {
  for (const [id, top, left] of saved) {
    const box = document.getElementById(id)?.parentElement;
    if (box && box.classList.contains("table-box")) box.scrollTo(left, top);
  }
}

// The task a view shows when the URL names none: the first (by key) the selected model ran,
// from whichever loaded surface says so; written into the URL like the default model.
function defaultTask(d, model) {
  const cells = d[CELLS]?.rows;
  const ranks = d["duckdb_task_rankings.json"]?.rows;
  let keys = [];
  if (cells) keys = cells.filter((r) => r.model === model).map((r) => r.task_key);
  else if (ranks) keys = ranks.filter((t) => t.configurations.some((c) => c.model === model)).map((t) => t.task_key);
  else return "";
  if (!keys.length) keys = (cells || ranks).map((r) => r.task_key);
  return keys.length ? keys.reduce((a, b) => (b < a ? b : a)) : "";
}

function draw(d, st, view, again) {
  const reg = d["duckdb_task_registry.json"].rows;
  const filt = filters(st);
  const family = new Map(reg.map((t) => [t.task_key, t]));
  const tdpRows = d[CELLS] ? d[CELLS].rows.filter((r) => filt.model(r.model)
    && filt.task(r.task_key, r.task_family, family.get(r.task_key)?.title) && filt.gpu(r.gpu_key)
    && filt.power(r.power_applied_w)) : [];
  // The formulas every panel evaluates (analysis/metrics.py), and the compared task set of
  // the visible rows: the tasks every visible model has graded runs of (all if none).
  const formulas = d["duckdb_model_tdp.json"].formulas;
  const compared = comparedTasks(tdpRows, formulas);
  const filtered = Boolean(st.q || st.tq || st.family || st.gpu || st.power);
  const ctx = { d, st, set: state.update, defs: d["duckdb_model_rankings.json"].definitions, filt,
    tdpRows, registry: reg, model: st.model, task: st.task, formulas, compared, filtered, again };
  filterBar(d, st, reg);
  navLinks(st, view);
  main.replaceChildren(...view.draw(ctx));
}

let d = null;
let shown = null;  // the view drawn last
let pending = 0;  // the latest request; an older one that finishes late draws nothing

function missingFor(view) {
  // a surface not loaded yet, or an optional one whose last try failed (asked again)
  const absent = (f) => !(f in d) || Boolean(d[f]?.failed);
  return [view.needs.filter(absent), (view.optional || []).filter(absent)];
}

function mark(view) {
  document.body.dataset.view = view.id;
  document.body.dataset.ready = "1";
  document.body.dataset.complete = "1";
}

// Draws the view the URL names: first its surfaces (once each), then its panels. A change
// within the view keeps the scroll position (the page's and each table box's) and the
// keyboard focus; another view starts at the top, the focus on its first panel.
async function show(st) {
  const view = viewOf(st.view);
  if (st.view !== view.id) {  // an unknown view: the recommendation, and the URL says so
    st = { ...st, view: view.id };
    state.replace(st);
  }
  const ask = ++pending;
  const [needs, optional] = missingFor(view);
  if (needs.length || optional.length) {
    document.body.dataset.complete = "0";
    navLinks(st, view);
    main.replaceChildren(section(view.id, view.label, null, h("p", { class: "loading" }, "Loading …")));
    try {
      await into(d, needs, optional);
    } catch (e) {
      if (ask !== pending) return;
      const box = section(view.id, view.label, null,
        empty(`This view's data could not be loaded (${e.message}). Run 'jarri rebuild' in the workspace, or open this view again to retry.`));
      main.replaceChildren(box);
      if (shown !== view.id) box.focus({ preventScroll: true });
      shown = view.id;
      mark(view);
      return;
    }
    if (ask !== pending) return;
  }
  if (!st.task && view.needs.length) {
    const task = defaultTask(d, st.model);
    if (task) {
      st = { ...st, task };
      state.replace(st);
    }
  }
  const again = shown === view.id;
  const scrollY = window.scrollY;
  const focus = again ? focusKey() : null;
  const boxes = again ? boxScrolls() : [];
  draw(d, st, view, again);
  window.scrollTo(0, again ? scrollY : 0);
  restoreBoxes(boxes);
  const target = focus ? document.querySelector(focus) : null;
  if (target) target.focus({ preventScroll: true });
  else if (shown !== null && !again) main.querySelector("section.panel")?.focus({ preventScroll: true });
  shown = view.id;
  mark(view);
  document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
}

function stop(text) {
  main.replaceChildren(empty(text));
  document.body.dataset.ready = "1";
  document.body.dataset.complete = "1";
}

async function start() {
  try {
    d = await into({}, CORE);
  } catch (e) {
    stop(`No data yet (${e.message}). Run a sweep — bash ./run_me.sh --models gemma3:270m --experiments smoke_v1 — or 'jarri rebuild' in the workspace, then reload.`);
    return;
  }
  if (!d["duckdb_model_rankings.json"].rows.length && !d["duckdb_model_tdp.json"].rows.length) {
    stop("The ledgers hold no usable runs yet. Run a sweep (bash ./run_me.sh --models gemma3:270m), then 'jarri rebuild'.");
    return;
  }
  if (!d["duckdb_model_tdp.json"].formulas) {
    stop("These surfaces come from an older rebuild (no formulas): run 'jarri rebuild' again, then reload.");
    return;
  }
  setBetter({ ...DERIVED_BETTER, ...Object.fromEntries(Object.entries(
    d["duckdb_model_tdp.json"].formulas.metrics).map(([k, m]) => [k, m.better])) });
  const st = state.read();
  st.view = viewOf(st.view).id;
  if (!st.model) {
    const first = d["duckdb_model_rankings.json"].rows[0];
    if (first) st.model = first.model;
  }
  // The defaults chosen here go into the URL, so the next change (a sort, a filter) keeps
  // them and a copied URL shows the same view.
  state.replace(st);
  state.onChange(show);
  show(st);
}

start();
