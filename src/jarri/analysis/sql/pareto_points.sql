-- Pareto configurations (model x applied watts x GPU): globally on the common task set
-- (task_key = '*') and per task.
SELECT '*' AS task_key, model, gpu_key, any_value(gpu_name) AS gpu_name, power_applied_w,
  $metrics
FROM common_runs
GROUP BY model, gpu_key, power_applied_w
UNION ALL
SELECT task_key, model, gpu_key, any_value(gpu_name) AS gpu_name, power_applied_w,
  $metrics
FROM runs
GROUP BY task_key, model, gpu_key, power_applied_w
ORDER BY task_key, model, gpu_key, power_applied_w NULLS FIRST;
