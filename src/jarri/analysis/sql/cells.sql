-- The cells every comparison is built from: per model x task x GPU x applied watts, the
-- integer sums and counts of every quantity (analysis/metrics.py: $$sums, as s_<q>, n_<q>;
-- energy quantities once per energy-method class), with what describes the cell. Rankings,
-- power levels, Pareto points and per-experiment files are balanced means over these
-- (analysis/balanced.py).
SELECT model, task_key, gpu_key, power_applied_w,
  any_value(task_base) AS task_base, any_value(task_version) AS task_version,
  any_value(experiment_id) AS experiment_id, any_value(task_id) AS task_id,
  min(task_family) AS task_family, min(task_name) AS task_name,
  min(gpu_name) AS gpu_name,
  list(DISTINCT power_request ORDER BY power_request) FILTER (WHERE power_request IS NOT NULL)
    AS power_requests,
  max(power_percent) AS power_percent_of_default,
  list(DISTINCT backend ORDER BY backend) AS backends,
  list(DISTINCT energy_method ORDER BY energy_method) FILTER (WHERE energy_valid)
    AS energy_methods,
  count(*) AS runs,
  count(*) FILTER (WHERE NOT graded) AS ungraded,
  $sums
FROM runs
GROUP BY model, task_key, gpu_key, power_applied_w
ORDER BY model, task_key, gpu_key, power_applied_w NULLS FIRST;
