// Numbers with their units; missing values say why instead of showing 0.
export const UNITS = {
  runs: "", avg_score_percent: "pts", success_rate: "%", fully_correct_rate: "%",
  completion_rate: "%", hard_failure_rate: "%", format_compliance_rate: "%", avg_energy_j: "J", energy_coverage: "%",
  tokens_per_second: "tok/s", e2e_tokens_per_second: "tok/s", avg_output_tokens: "tok",
  avg_total_tokens: "tok", joules_per_output_token: "J/tok", output_tokens_per_joule: "tok/J",
  score_per_100_output_tokens: "pts/100 tok", score_per_output_token: "pts/tok",
  score_per_wh: "pts/Wh", energy_per_success_j: "J", output_token_waste: "×",
  score_per_wh_vs_best: "×", coverage: "%", failure_rate: "%", avg_energy_gross_j: "J",
  output_tokens_per_success: "tok",
};
const PERCENT = new Set(["success_rate", "fully_correct_rate", "completion_rate",
  "hard_failure_rate", "format_compliance_rate", "energy_coverage", "coverage", "failure_rate"]);
const ENERGY = new Set(["avg_energy_j", "joules_per_output_token", "output_tokens_per_joule",
  "score_per_wh", "energy_per_success_j", "score_per_wh_vs_best", "avg_energy_gross_j"]);

// Counts print as integers; any other number with a fixed number of decimals.
export function num(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString("en-US");
  return fixed(v, digits);
}

export function fixed(v, digits = 2) {
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// The text a metric cell shows. `why` explains a missing energy value.
export function metric(key, v, why) {
  if (v === null || v === undefined) {
    if (ENERGY.has(key)) return `not measured${why ? ` (${why})` : ""}`;
    return "–";
  }
  if (PERCENT.has(key)) return `${fixed(100 * v, 1)} %`;
  if (key === "output_token_waste" || key === "score_per_wh_vs_best") return `${fixed(v, 2)}×`;
  const unit = UNITS[key] || "";
  return unit ? `${fixed(v, 2)} ${unit}` : fixed(v, 2);
}

// A number as a metric shows it, without its unit (percentages as percent).
function bare(key, v) {
  return PERCENT.has(key) ? fixed(100 * v, 1) : fixed(v, 2);
}

// A 95 % interval [low–high]; a null bound is unbounded (a resample divided by 0).
export function interval(key, ci) {
  if (!ci) return "";
  const [lo, hi] = ci;
  return `[${lo == null ? "−∞" : bare(key, lo)}–${hi == null ? "∞" : bare(key, hi)}]`;
}

// A difference of a metric (a − b) with its sign; fractions in percentage points.
export function difference(key, v) {
  if (v === null || v === undefined) return "–";
  const sign = v > 0 ? "+" : v < 0 ? "−" : "±";
  const unit = PERCENT.has(key) ? "pp" : UNITS[key] || "";
  return `${sign}${bare(key, Math.abs(v))}${unit ? ` ${unit}` : ""}`;
}

export function watts(w) {
  return w === null || w === undefined ? "not set" : `${num(w, 0)} W`;
}

// A requested power level as the user typed it: "60" is a percent of the card's default
// limit, "250w" a number of watts (measure/power_tokens.py).
export function powerRequest(req) {
  const t = String(req);
  if (/^[0-9]+(\.[0-9]+)?$/.test(t)) return `${t} % of default`;
  if (/^[0-9]+(\.[0-9]+)?w$/i.test(t)) return `${t.slice(0, -1)} W asked`;
  return t;
}

export function powerRequests(reqs) {
  return reqs && reqs.length ? ` (${reqs.map(powerRequest).join(", ")})` : "";
}

export function seconds(v) {
  return v === null || v === undefined ? "–" : `${num(v, 3)} s`;
}

export function energyWhy(row) {
  const methods = row.energy_methods || (row.energy_method ? [row.energy_method] : []);
  if (methods.length && methods.every((m) => m === "none")) return "no energy meter on this machine";
  if (row.energy_confidence_reason) return row.energy_confidence_reason;
  if (row.energy_class && !row.energy_runs && row.tasks_in_slice > 1) {
    return `${row.energy_class} energy on only some of the tasks; an average uses one energy class on every task`;
  }
  if (row.skipped_energy) return `${row.skipped_energy} run(s) without valid energy`;
  return "no valid energy";
}
