-- verification/coverage.json: runs per model x task, and whether the task is common.
SELECT model, task_key, count(*) AS runs,
  task_key IN (SELECT task_key FROM common_tasks) AS in_common_set
FROM runs GROUP BY model, task_key ORDER BY model, task_key;
