// The metric set of surfaces.md, recomputed from the exported sums (sum_*, n_*) so that any
// filtered set of rows aggregates with exactly the formulas the rebuild uses.
const SUMS = ["runs", "sum_score", "n_passed", "n_fully_correct", "n_completed",
  "n_hard_failure", "n_energy", "sum_energy_j", "sum_tokens_decode", "sum_eval_s",
  "sum_tokens", "n_tokens", "sum_wall_tokens_s", "sum_total_tokens", "n_total_tokens",
  "sum_energy_tokens_j", "sum_tokens_energy", "sum_score_tokens", "sum_score_energy",
  "n_passed_energy", "n_format_ok", "n_format_graded"];

const div = (a, b) => (b ? a / b : null);
const r6 = (v) => (v === null ? null : Math.round(v * 1e6) / 1e6);

export function aggregate(rows) {
  const t = Object.fromEntries(SUMS.map((k) => [k, 0]));
  for (const r of rows) for (const k of SUMS) t[k] += r[k] || 0;
  const m = {
    runs: t.runs,
    avg_score_percent: div(t.sum_score, t.runs),
    success_rate: div(t.n_passed, t.runs),
    fully_correct_rate: div(t.n_fully_correct, t.runs),
    completion_rate: div(t.n_completed, t.runs),
    hard_failure_rate: div(t.n_hard_failure, t.runs),
    format_compliance_rate: div(t.n_format_ok, t.n_format_graded),
    avg_energy_j: div(t.sum_energy_j, t.n_energy),
    energy_coverage: div(t.n_energy, t.runs),
    tokens_per_second: div(t.sum_tokens_decode, t.sum_eval_s),
    e2e_tokens_per_second: div(t.sum_tokens, t.sum_wall_tokens_s),
    avg_output_tokens: div(t.sum_tokens, t.n_tokens),
    avg_total_tokens: div(t.sum_total_tokens, t.n_total_tokens),
    joules_per_output_token: div(t.sum_energy_tokens_j, t.sum_tokens_energy),
    output_tokens_per_joule: div(t.sum_tokens_energy, t.sum_energy_tokens_j),
    score_per_100_output_tokens: div(100 * t.sum_score_tokens, t.sum_tokens),
    score_per_output_token: div(t.sum_score_tokens, t.sum_tokens),
    score_per_wh: div(t.sum_score_energy, t.sum_energy_j / 3600),
    energy_per_success_j: div(t.sum_energy_j, t.n_passed_energy),
    skipped_energy: t.runs - t.n_energy,
  };
  for (const k of Object.keys(m)) if (typeof m[k] === "number") m[k] = r6(m[k]);
  return m;
}

// "vs best visible": relative to the rows given (the ones the filters leave visible).
export function vsBest(rows) {
  const toks = rows.map((r) => r.avg_output_tokens).filter((v) => v > 0);
  const wh = rows.map((r) => r.score_per_wh).filter((v) => v > 0);
  const minTok = toks.length ? Math.min(...toks) : null;
  const maxWh = wh.length ? Math.max(...wh) : null;
  for (const r of rows) {
    r.output_token_waste = r.avg_output_tokens != null && minTok ? r6(r.avg_output_tokens / minTok) : null;
    r.score_per_wh_vs_best = r.score_per_wh != null && maxWh ? r6(r.score_per_wh / maxWh) : null;
  }
  return rows;
}

// Pareto frontier over visible points: maximise score, minimise cost; zero-score points are
// degenerate and never on it.
export function frontier(points, cost) {
  const cand = points.filter((p) => p[cost] != null && p.avg_score_percent > 0);
  return new Set(cand.filter((p) => !cand.some((q) => q !== p
    && q.avg_score_percent >= p.avg_score_percent && q[cost] <= p[cost]
    && (q.avg_score_percent > p.avg_score_percent || q[cost] < p[cost]))));
}
