// The views the page shows one at a time (the URL's "view"; Back and Forward walk them).
// The nav is generated from this list, and a view loads only the surfaces its panels read:
// the first screen never waits for model × task cells, failures or run pages.
import { overview } from "./panels/overview.js";
import { modelRows, comparison, detail } from "./panels/models.js";
import { registry, ranking, modelTask } from "./panels/tasks.js";
import { power } from "./panels/power.js";
import { drilldown } from "./panels/drilldown.js";
import { failures } from "./panels/failures.js";
import { pareto } from "./panels/pareto.js";
import { pairs } from "./panels/pairs.js";
import { raw } from "./panels/raw.js";
import { recommend } from "./panels/recommend.js";
import { compare } from "./panels/compare.js";

// Loaded before anything is drawn (small at any scale: one row per model, per model × power
// limit × GPU, per task): the filter bar, the recommendation and the overview read only these.
export const CORE = ["data_index.json", "duckdb_model_rankings.json", "duckdb_model_tdp.json",
  "duckdb_task_registry.json", "registries/gpus.json", "registries/models.json",
  "verification/quarantine.json"];

// The model × task × power cells: every panel that re-aggregates over the filters reads them.
export const CELLS = "duckdb_model_task_tdp.json";
const FAILURE_CELLS = "failures/by_model_task_tdp.json";
// An older rebuild has no paired differences; the panels that read them say so.
const PAIRS = "comparisons/model_pairs.json";

// needs: surfaces the view's panels read (beyond CORE); optional: read when present.
// draw(ctx) returns the view's sections: a master table and its detail share a view.
export const VIEWS = [
  { id: "recommend", label: "which config?", needs: [], draw: (ctx) => [recommend(ctx)] },
  { id: "overview", label: "overview", needs: [], draw: (ctx) => [overview(ctx)] },
  { id: "models", label: "models", needs: [CELLS],
    draw: (ctx) => { const rows = modelRows(ctx); return [comparison(ctx, rows), detail(ctx, rows)]; } },
  { id: "compare", label: "compare", needs: [CELLS, FAILURE_CELLS], optional: [PAIRS], draw: (ctx) => [compare(ctx)] },
  { id: "model-pairs", label: "model pairs", needs: [], optional: [PAIRS], draw: (ctx) => [pairs(ctx)] },
  { id: "tasks", label: "tasks", needs: ["duckdb_task_rankings.json"], draw: (ctx) => [registry(ctx), ranking(ctx)] },
  { id: "model-task", label: "model × task", needs: [CELLS], draw: (ctx) => [modelTask(ctx)] },
  { id: "model-power", label: "power limits", needs: [CELLS], draw: (ctx) => [power(ctx)] },
  { id: "drilldown", label: "runs", needs: [CELLS], draw: (ctx) => [drilldown(ctx)] },
  { id: "failures", label: "failures", needs: ["duckdb_failure_surfaces.json", FAILURE_CELLS], draw: (ctx) => [failures(ctx)] },
  { id: "pareto", label: "pareto", needs: [CELLS, "duckdb_pareto_frontiers.json"], draw: (ctx) => [pareto(ctx)] },
  { id: "raw", label: "raw JSON", needs: [], draw: (ctx) => [raw(ctx)] },
];

export const DEFAULT_VIEW = VIEWS[0].id;

// The view a URL names; an unknown or missing one is the recommendation.
export function viewOf(id) {
  return VIEWS.find((v) => v.id === id) || VIEWS[0];
}
