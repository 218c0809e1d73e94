-- Tasks seen in runs (for the task registry), by experiment/task, with every version that
-- ran (revision, evaluator, prompt hash) and the slice key its runs are compared under.
SELECT task_base AS task_key, any_value(experiment_id) AS experiment_id,
  any_value(task_id) AS task_id, min(task_family) AS task_family, min(task_name) AS task_name,
  min(evaluator) AS evaluator, min(prompt_sha256) AS prompt_sha256, count(*) AS runs,
  list(DISTINCT {'task_version': task_version, 'task_key': task_key}
       ORDER BY {'task_version': task_version, 'task_key': task_key}) AS version_keys
FROM runs GROUP BY task_base ORDER BY task_base;
