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

export async function loadCore() {
  const names = ["data_index.json", "duckdb_model_rankings.json", "duckdb_task_rankings.json",
    "duckdb_model_task_tdp.json", "duckdb_model_tdp.json", "duckdb_pareto_frontiers.json",
    "duckdb_task_registry.json", "duckdb_failure_surfaces.json", "failures/by_model_task_tdp.json",
    "registries/gpus.json", "registries/models.json", "verification/quarantine.json"];
  // optional: an older rebuild has no paired differences (the panel says so)
  const optional = ["comparisons/model_pairs.json"];
  const files = await Promise.all(names.map(load));
  const extra = await Promise.all(optional.map((n) => load(n).catch(() => null)));
  return Object.fromEntries([...names, ...optional].map((n, i) => [n, i < names.length ? files[i] : extra[i - names.length]]));
}
