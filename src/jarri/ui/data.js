// Fetches each surface once, when a view first asks for it; run pages only when a
// drilldown asks for them.
const cache = new Map();

export class Missing extends Error {}  // the server has no such file (HTTP 404)

export async function load(file) {
  if (!cache.has(file)) {
    const got = fetch(`data/${file}`).then((r) => {
      if (r.status === 404) throw new Missing(`data/${file}: HTTP 404`);
      if (!r.ok) throw new Error(`data/${file}: HTTP ${r.status}`);
      return r.json();
    });
    // a failure is not kept: the next view that needs the file asks again
    got.catch(() => cache.delete(file));
    cache.set(file, got);
  }
  return cache.get(file);
}

// Loads the named surfaces into d (file name -> parsed JSON). An optional one the server
// does not have is undefined (an older rebuild: its panel says so); one that failed
// otherwise is { failed: why } and is asked for again next time. A needed one that cannot be
// loaded fails the whole (the view says why).
export async function into(d, needs, optional = []) {
  const got = await Promise.all(needs.map(load));
  needs.forEach((f, i) => { d[f] = got[i]; });
  const extra = await Promise.all(optional.map((f) => load(f).then((v) => v,
    (e) => (e instanceof Missing ? undefined : { failed: e.message, rows: [] }))));
  optional.forEach((f, i) => { d[f] = extra[i]; });
  return d;
}
