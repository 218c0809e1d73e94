-- verification/coverage.json: runs per model x task (graded and not), and whether the task
-- is in the common set.
SELECT model, task_key, count(*) AS runs, count(*) FILTER (WHERE NOT graded) AS ungraded,
  task_key IN (SELECT task_key FROM common_tasks) AS in_common_set
FROM runs GROUP BY model, task_key ORDER BY model, task_key;
