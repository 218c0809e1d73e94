-- duckdb_task_rankings.json, second part: every model x power level x GPU within each task.
SELECT task_key, model, gpu_key, any_value(gpu_name) AS gpu_name,
  power_applied_w,
  list(DISTINCT power_request ORDER BY power_request) FILTER (WHERE power_request IS NOT NULL)
    AS power_requests,
  max(power_percent) AS power_percent_of_default,
  $metrics
FROM runs
GROUP BY task_key, model, gpu_key, power_applied_w
ORDER BY task_key, model, gpu_key, power_applied_w NULLS FIRST;
