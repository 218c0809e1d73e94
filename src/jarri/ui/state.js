// The view lives in the URL hash, so a view can be shared and reloaded.
// view: which panel(s) the page shows (views.js); every change is a history step, so Back
// returns to the previous view or state.
// ts: the sort of every other table, "table-id:key:dir" joined by ";" (the model comparison
// keeps its own "sort").
// need: the recommendation's bar ("score:70", "success:80"); rank: what it ranks by.
// ftype/fsub: a failure type or subtype chosen in the failure surface; failed: the
// drilldown shows failed runs only.
// cmp: the models compared side by side (comma-separated); ctask: the task whose answers
// they show.
const KEYS = ["view", "model", "task", "q", "tq", "family", "gpu", "power", "need", "rank", "sort", "ts",
  "cmp", "ctask", "ftype", "fsub", "ptask", "hidedeg", "failed", "run", "raw"];
let listeners = [];

export function read() {
  const p = new URLSearchParams(location.hash.slice(1));
  const st = {};
  for (const k of KEYS) st[k] = p.get(k) || "";
  return st;
}

export function encode(st) {
  const p = new URLSearchParams();
  for (const k of KEYS) if (st[k]) p.set(k, st[k]);
  return p.toString();
}

export function update(patch) {
  const hash = encode({ ...read(), ...patch });
  if (hash !== location.hash.slice(1)) location.hash = hash;
  else for (const f of listeners) f(read());
}

// Write a view into the URL without rendering it again or adding a Back step: the defaults
// the page chose on load (so the next change keeps them, and a copied URL holds them).
export function replace(st) {
  const hash = encode(st);
  if (hash !== location.hash.slice(1)) history.replaceState(null, "", `#${hash}`);
}

// One table's sort from "ts" ("" when the URL names none).
export function tableSort(st, id) {
  for (const part of (st.ts || "").split(";")) {
    const at = part.indexOf(":");
    if (at > 0 && part.slice(0, at) === id) return part.slice(at + 1);
  }
  return "";
}

export function withTableSort(st, id, sort) {
  const rest = (st.ts || "").split(";").filter((p) => p && p.split(":")[0] !== id);
  return [...rest, `${id}:${sort}`].sort().join(";");
}

export function onChange(f) {
  listeners.push(f);
  window.addEventListener("hashchange", () => f(read()));
}
