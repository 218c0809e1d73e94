// Fetches each surface once, when a view first asks for it; run pages only when a
// drilldown asks for them.
const cache = new Map();

export async function load(file) {
  if (!cache.has(file)) {
    cache.set(file, fetch(`data/${file}`).then((r) => {
      if (!r.ok) throw new Error(`data/${file}: HTTP ${r.status}`);
      return r.json();
    }));
  }
  return cache.get(file);
}

// Loads the named surfaces into d (file name -> parsed JSON). An optional one that cannot be
// loaded is left out (its panel says so); a needed one that cannot be loaded fails the whole.
export async function into(d, needs, optional = []) {
  const got = await Promise.all(needs.map(load));
  needs.forEach((f, i) => { d[f] = got[i]; });
  const extra = await Promise.all(optional.map((f) => load(f).catch(() => null)));
  optional.forEach((f, i) => { if (extra[i]) d[f] = extra[i]; else d[f] = undefined; });
  return d;
}
