-- duckdb_model_tdp.json: per model x GPU x applied watts over the common task set.
SELECT model, gpu_key, any_value(gpu_name) AS gpu_name, power_applied_w,
  list(DISTINCT power_request ORDER BY power_request) FILTER (WHERE power_request IS NOT NULL)
    AS power_requests,
  max(power_percent) AS power_percent_of_default,
  count(DISTINCT task_key) AS tasks_in_slice,
  $metrics
FROM common_runs
GROUP BY model, gpu_key, power_applied_w
ORDER BY model, gpu_key, power_applied_w NULLS FIRST;
