// Fetches surfaces once each; run pages only when a drilldown asks for them.
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

// What the first screen needs: the recommendation, the overview and the filters. The rest
// (model × task cells, task ranking, Pareto frontiers, failures, paired differences: nearly
// all the bytes at scale) loads behind it; the panels that read it say "Loading" until then.
export const FIRST = ["data_index.json", "duckdb_model_rankings.json", "duckdb_model_tdp.json",
  "duckdb_task_registry.json", "registries/gpus.json", "registries/models.json",
  "verification/quarantine.json"];
export const LATER = ["duckdb_model_task_tdp.json", "duckdb_task_rankings.json",
  "duckdb_pareto_frontiers.json", "duckdb_failure_surfaces.json", "failures/by_model_task_tdp.json"];
// optional: an older rebuild has no paired differences (the panel says so)
const OPTIONAL = ["comparisons/model_pairs.json"];

export async function loadCore() {
  const files = await Promise.all(FIRST.map(load));
  return Object.fromEntries(FIRST.map((n, i) => [n, files[i]]));
}

export async function loadRest() {
  const files = await Promise.all(LATER.map(load));
  const extra = await Promise.all(OPTIONAL.map((n) => load(n).catch(() => null)));
  return Object.fromEntries([...LATER, ...OPTIONAL].map((n, i) => [n, i < LATER.length ? files[i] : extra[i - LATER.length]]));
}
