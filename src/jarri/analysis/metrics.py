"""The metric set of every slice (surfaces.md), as SQL over the ``runs`` table, and the
plain-language formulas the envelope carries.

Sums are over integer columns (micro-points, milli-joules, micro-seconds, nanoseconds), so
they are exact; each ratio is a ratio of sums, never a mean of per-run ratios.
"""

from __future__ import annotations

# Filters reused below.
_E = "energy_valid"
_T = "output_tokens IS NOT NULL"
_S = "COALESCE(score_micro, 0)"

METRICS_SQL: dict[str, str] = {
    "runs": "COUNT(*)",
    "avg_score_percent": f"SUM({_S}) / COUNT(*) / 1e6",
    "success_rate": "COUNT(*) FILTER (WHERE passed) / COUNT(*)",
    "fully_correct_rate": "COUNT(*) FILTER (WHERE fully_correct) / COUNT(*)",
    "completion_rate": "COUNT(*) FILTER (WHERE completed) / COUNT(*)",
    "hard_failure_rate": "COUNT(*) FILTER (WHERE hard_failure) / COUNT(*)",
    "format_compliance_rate": "COUNT(*) FILTER (WHERE format_ok) "
                              "/ NULLIF(COUNT(*) FILTER (WHERE format_ok IS NOT NULL), 0)",
    "avg_energy_j": f"SUM(energy_net_mj) FILTER (WHERE {_E}) "
                    f"/ NULLIF(COUNT(*) FILTER (WHERE {_E}), 0) / 1e3",
    "energy_coverage": f"COUNT(*) FILTER (WHERE {_E}) / COUNT(*)",
    "tokens_per_second": f"SUM(output_tokens) FILTER (WHERE {_T} AND eval_us > 0) * 1e6 "
                         f"/ NULLIF(SUM(eval_us) FILTER (WHERE {_T} AND eval_us > 0), 0)",
    "e2e_tokens_per_second": f"SUM(output_tokens) FILTER (WHERE {_T}) * 1e9 "
                             f"/ NULLIF(SUM(wall_ns) FILTER (WHERE {_T}), 0)",
    "avg_output_tokens": f"SUM(output_tokens) / NULLIF(COUNT(*) FILTER (WHERE {_T}), 0)",
    "avg_total_tokens": "SUM(prompt_tokens + output_tokens) / NULLIF(COUNT(*) FILTER "
                        "(WHERE prompt_tokens IS NOT NULL AND output_tokens IS NOT NULL), 0)",
    "joules_per_output_token": f"SUM(energy_net_mj) FILTER (WHERE {_E} AND {_T}) / 1e3 "
                               f"/ NULLIF(SUM(output_tokens) FILTER (WHERE {_E} AND {_T}), 0)",
    "output_tokens_per_joule": f"SUM(output_tokens) FILTER (WHERE {_E} AND {_T}) * 1e3 "
                               f"/ NULLIF(SUM(energy_net_mj) FILTER (WHERE {_E} AND {_T}), 0)",
    "score_per_100_output_tokens": f"100 * SUM({_S}) FILTER (WHERE {_T}) / 1e6 "
                                   f"/ NULLIF(SUM(output_tokens) FILTER (WHERE {_T}), 0)",
    "score_per_output_token": f"SUM({_S}) FILTER (WHERE {_T}) / 1e6 "
                              f"/ NULLIF(SUM(output_tokens) FILTER (WHERE {_T}), 0)",
    "score_per_wh": f"SUM({_S}) FILTER (WHERE {_E}) / 1e6 "
                    f"/ NULLIF(SUM(energy_net_mj) FILTER (WHERE {_E}) / 3.6e6, 0)",
    "energy_per_success_j": f"SUM(energy_net_mj) FILTER (WHERE {_E}) / 1e3 "
                            f"/ NULLIF(COUNT(*) FILTER (WHERE {_E} AND passed), 0)",
    "passed_runs": "COUNT(*) FILTER (WHERE passed)",
    "energy_runs": f"COUNT(*) FILTER (WHERE {_E})",
    "total_energy_j": f"SUM(energy_net_mj) FILTER (WHERE {_E}) / 1e3",
    "total_output_tokens": "SUM(output_tokens)",
    "skipped_output_tokens": f"COUNT(*) FILTER (WHERE NOT ({_T}))",
    "skipped_eval_s": "COUNT(*) FILTER (WHERE eval_us IS NULL)",
    "skipped_energy": f"COUNT(*) FILTER (WHERE NOT {_E})",
    # The sums behind every ratio, so a consumer (the UI, after filtering) can aggregate
    # rows into bigger slices with exactly the same formulas.
    "sum_score": f"SUM({_S}) / 1e6",
    "n_passed": "COUNT(*) FILTER (WHERE passed)",
    "n_fully_correct": "COUNT(*) FILTER (WHERE fully_correct)",
    "n_completed": "COUNT(*) FILTER (WHERE completed)",
    "n_hard_failure": "COUNT(*) FILTER (WHERE hard_failure)",
    "n_format_ok": "COUNT(*) FILTER (WHERE format_ok)",
    "n_format_graded": "COUNT(*) FILTER (WHERE format_ok IS NOT NULL)",
    "n_energy": f"COUNT(*) FILTER (WHERE {_E})",
    "sum_energy_j": f"COALESCE(SUM(energy_net_mj) FILTER (WHERE {_E}), 0) / 1e3",
    "sum_tokens_decode": f"COALESCE(SUM(output_tokens) FILTER (WHERE {_T} AND eval_us > 0), 0)",
    "sum_eval_s": f"COALESCE(SUM(eval_us) FILTER (WHERE {_T} AND eval_us > 0), 0) / 1e6",
    "sum_tokens": "COALESCE(SUM(output_tokens), 0)",
    "n_tokens": f"COUNT(*) FILTER (WHERE {_T})",
    "sum_wall_tokens_s": f"COALESCE(SUM(wall_ns) FILTER (WHERE {_T}), 0) / 1e9",
    "sum_total_tokens": "COALESCE(SUM(prompt_tokens + output_tokens), 0)",
    "n_total_tokens": "COUNT(*) FILTER (WHERE prompt_tokens IS NOT NULL "
                      "AND output_tokens IS NOT NULL)",
    "sum_energy_tokens_j": f"COALESCE(SUM(energy_net_mj) FILTER (WHERE {_E} AND {_T}), 0) / 1e3",
    "sum_tokens_energy": f"COALESCE(SUM(output_tokens) FILTER (WHERE {_E} AND {_T}), 0)",
    "sum_score_tokens": f"COALESCE(SUM({_S}) FILTER (WHERE {_T}), 0) / 1e6",
    "sum_score_energy": f"COALESCE(SUM({_S}) FILTER (WHERE {_E}), 0) / 1e6",
    "n_passed_energy": f"COUNT(*) FILTER (WHERE {_E} AND passed)",
}

DEFINITIONS: dict[str, str] = {
    "runs": "number of run records in the slice",
    "avg_score_percent": "mean of score_percent (0-100); a run with no score (e.g. the "
                         "backend failed) counts as 0",
    "success_rate": "fraction of runs the evaluator passed (passed = true; not HTTP success)",
    "fully_correct_rate": "fraction of runs with score 100",
    "completion_rate": "fraction of runs where the backend produced output",
    "hard_failure_rate": "fraction of runs whose output was structurally unusable",
    "format_compliance_rate": "fraction of format-graded runs (format_ok not null) that "
                              "followed the answer format their prompt asks for (task "
                              "discipline; apart from correctness)",
    "avg_energy_j": "mean energy_net_j (J, net of idle) over runs with valid energy",
    "energy_coverage": "fraction of runs with valid energy (confidence high/medium/low, "
                       "residency policy met)",
    "tokens_per_second": "Σ output_tokens / Σ eval_s (decode speed, ratio of sums)",
    "e2e_tokens_per_second": "Σ output_tokens / Σ wall_s (client clock, ratio of sums)",
    "avg_output_tokens": "mean output_tokens (thinking included) over runs that report it",
    "avg_total_tokens": "mean of prompt_tokens + output_tokens",
    "joules_per_output_token": "Σ energy_net_j / Σ output_tokens (J/token; valid-energy runs)",
    "output_tokens_per_joule": "Σ output_tokens / Σ energy_net_j (tokens/J; valid-energy runs)",
    "score_per_100_output_tokens": "100 × Σ score_percent / Σ output_tokens",
    "score_per_output_token": "Σ score_percent / Σ output_tokens",
    "score_per_wh": "Σ score_percent / (Σ energy_net_j / 3600) (points per Wh; "
                    "valid-energy runs)",
    "energy_per_success_j": "Σ energy_net_j / number of passed runs (J; valid-energy runs; "
                            "null if none passed)",
    "output_token_waste": "avg_output_tokens / the smallest avg_output_tokens among the "
                          "compared rows (1.00x = best)",
    "score_per_wh_vs_best": "score_per_wh / the largest score_per_wh among the compared rows "
                            "(1.00x = best)",
    "coverage": "tasks this row ran / tasks in the compared set",
    "skipped_output_tokens": "runs left out of token metrics because the server reported no "
                             "token count",
    "skipped_energy": "runs left out of energy metrics (no valid energy under the policy)",
    "sum_* / n_*": "the sums and counts behind the ratios, for aggregating rows into bigger "
                   "slices with the same formulas",
}


# Integer-valued metrics; every other metric is a ratio, rounded to 6 decimals in SQL.
COUNTS = frozenset({"runs", "passed_runs", "energy_runs", "total_output_tokens",
                    "skipped_output_tokens", "skipped_eval_s", "skipped_energy", "n_passed",
                    "n_fully_correct", "n_completed", "n_hard_failure", "n_energy",
                    "n_format_ok", "n_format_graded",
                    "sum_tokens_decode", "sum_tokens", "n_tokens", "sum_total_tokens",
                    "n_total_tokens", "sum_tokens_energy", "n_passed_energy"})


def select_list(prefix: str = "") -> str:
    """The metric columns for a SELECT, e.g. in a GROUP BY over ``runs``."""
    return ",\n  ".join(
        f"{expr} AS {prefix}{name}" if name in COUNTS else f"round({expr}, 6) AS {prefix}{name}"
        for name, expr in METRICS_SQL.items())
