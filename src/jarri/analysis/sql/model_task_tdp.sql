-- duckdb_model_task_tdp.json: per model x task x GPU x applied watts.
SELECT model, task_key, any_value(experiment_id) AS experiment_id,
  any_value(task_id) AS task_id, any_value(task_family) AS task_family,
  gpu_key, any_value(gpu_name) AS gpu_name, power_applied_w,
  list(DISTINCT power_request ORDER BY power_request) FILTER (WHERE power_request IS NOT NULL)
    AS power_requests,
  max(power_percent) AS power_percent_of_default,
  $metrics
FROM runs
GROUP BY model, task_key, gpu_key, power_applied_w
ORDER BY model, task_key, gpu_key, power_applied_w NULLS FIRST;
