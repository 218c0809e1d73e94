// The view lives in the URL hash, so a view can be shared and reloaded.
const KEYS = ["model", "task", "q", "tq", "family", "gpu", "power", "sort", "ptask",
  "hidedeg", "run", "raw"];
let listeners = [];

export function read() {
  const p = new URLSearchParams(location.hash.slice(1));
  const st = {};
  for (const k of KEYS) st[k] = p.get(k) || "";
  return st;
}

export function update(patch) {
  const st = { ...read(), ...patch };
  const p = new URLSearchParams();
  for (const k of KEYS) if (st[k]) p.set(k, st[k]);
  const hash = p.toString();
  if (hash !== location.hash.slice(1)) location.hash = hash;
  else for (const f of listeners) f(read());
}

export function onChange(f) {
  listeners.push(f);
  window.addEventListener("hashchange", () => f(read()));
}
