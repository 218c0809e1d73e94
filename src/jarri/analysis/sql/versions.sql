-- verification/versions.json: tasks that ran under more than one version (experiment
-- revision, evaluator version, prompt hash) and the slice each version became.
SELECT task_base, task_version, runs,
  CASE WHEN (SELECT versions_pooled FROM counts) THEN task_base ELSE task_base || '@' || task_version END AS task_key
FROM task_versions
WHERE versions > 1
ORDER BY task_base, task_version;
