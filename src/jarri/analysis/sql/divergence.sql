-- verification/divergence.json: do repeats of one configuration give the same answer?
SELECT model, task_key, gpu_key, power_applied_w, count(*) AS runs,
  count(DISTINCT answer_sha256) AS distinct_answers,
  count(*) FILTER (WHERE answer_sha256 IS NULL) AS runs_without_answer
FROM runs
GROUP BY model, task_key, gpu_key, power_applied_w
HAVING count(*) > 1
ORDER BY model, task_key, gpu_key, power_applied_w NULLS FIRST;
