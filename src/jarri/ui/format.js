// Numbers with their units; missing values say why instead of showing 0.
export const UNITS = {
  runs: "", avg_score_percent: "pts", success_rate: "%", fully_correct_rate: "%",
  completion_rate: "%", hard_failure_rate: "%", format_compliance_rate: "%", avg_energy_j: "J", energy_coverage: "%",
  tokens_per_second: "tok/s", e2e_tokens_per_second: "tok/s", avg_output_tokens: "tok",
  avg_total_tokens: "tok", joules_per_output_token: "J/tok", output_tokens_per_joule: "tok/J",
  score_per_100_output_tokens: "pts/100 tok", score_per_output_token: "pts/tok",
  score_per_wh: "pts/Wh", energy_per_success_j: "J", output_token_waste: "×",
  score_per_wh_vs_best: "×", coverage: "%", failure_rate: "%",
};
const PERCENT = new Set(["success_rate", "fully_correct_rate", "completion_rate",
  "hard_failure_rate", "format_compliance_rate", "energy_coverage", "coverage", "failure_rate"]);
const ENERGY = new Set(["avg_energy_j", "joules_per_output_token", "output_tokens_per_joule",
  "score_per_wh", "energy_per_success_j", "score_per_wh_vs_best"]);

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

export function watts(w) {
  return w === null || w === undefined ? "not set" : `${num(w, 0)} W`;
}

export function seconds(v) {
  return v === null || v === undefined ? "–" : `${num(v, 3)} s`;
}

export function energyWhy(row) {
  const methods = row.energy_methods || (row.energy_method ? [row.energy_method] : []);
  if (methods.length && methods.every((m) => m === "none")) return "no energy meter on this machine";
  if (row.energy_confidence_reason) return row.energy_confidence_reason;
  if (row.skipped_energy) return `${row.skipped_energy} run(s) without valid energy`;
  return "no valid energy";
}
