-- Tasks seen in runs (for the task registry).
SELECT task_key, any_value(experiment_id) AS experiment_id, any_value(task_id) AS task_id,
  min(task_family) AS task_family, min(task_name) AS task_name, min(evaluator) AS evaluator,
  min(prompt_sha256) AS prompt_sha256, count(*) AS runs
FROM runs GROUP BY task_key ORDER BY task_key;
