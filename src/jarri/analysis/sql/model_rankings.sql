-- duckdb_model_rankings.json: one row per model over the common task set.
WITH coverage AS (
  SELECT model, count(DISTINCT task_key) AS tasks_run FROM runs GROUP BY model
)
SELECT r.model,
  count(DISTINCT r.task_key) AS tasks_in_slice,
  any_value(c.tasks_run) AS tasks_run,
  list(DISTINCT r.backend ORDER BY r.backend) AS backends,
  list(DISTINCT r.energy_method ORDER BY r.energy_method) AS energy_methods,
  $metrics
FROM common_runs r JOIN coverage c USING (model)
GROUP BY r.model
ORDER BY r.model;
