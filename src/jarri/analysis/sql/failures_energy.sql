-- joined/failures_energy.json: what each kind of failure cost in energy and tokens (totals
-- and plain means over the runs of the label; valid energy only), per energy-method class so
-- that sampled energy is never averaged with counter energy.
SELECT coalesce(failure_stage, 'none') AS failure_stage,
  coalesce(failure_type, CASE WHEN fully_correct THEN 'fully_correct' ELSE 'unlabelled' END)
    AS failure_type,
  energy_class,
  count(*) AS runs,
  count(*) FILTER (WHERE energy_valid) AS energy_runs,
  round(coalesce(sum(energy_net_mj) FILTER (WHERE energy_valid), 0) / 1e3, 6)
    AS total_energy_j,
  round(avg(energy_net_mj) FILTER (WHERE energy_valid) / 1e3, 6) AS avg_energy_j,
  coalesce(sum(output_tokens), 0) AS total_output_tokens,
  round(avg(output_tokens) FILTER (WHERE output_tokens > 0), 6) AS avg_output_tokens
FROM runs
GROUP BY ALL
ORDER BY failure_stage, failure_type, energy_class;
