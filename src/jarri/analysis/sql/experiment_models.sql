-- analysis/<experiment>.json: per experiment x model.
SELECT experiment_id, model, count(DISTINCT task_key) AS tasks_run,
  $metrics
FROM runs
GROUP BY experiment_id, model
ORDER BY experiment_id, model;
