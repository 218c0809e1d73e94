-- duckdb_task_rankings.json, first part: one row per task (all models).
SELECT task_key, any_value(experiment_id) AS experiment_id, any_value(task_id) AS task_id,
  any_value(task_family) AS task_family, any_value(task_name) AS task_name,
  count(DISTINCT model) AS models,
  $metrics
FROM runs
GROUP BY task_key
ORDER BY task_key;
