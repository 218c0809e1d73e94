-- Representative failed runs per model x task: the first three by label, then run id.
SELECT model, task_key, run_id, failure_stage, failure_type,
  coalesce(failure_subtypes, []) AS failure_subtypes, score_percent, power_applied_w, gpu_key
FROM runs
WHERE NOT fully_correct
QUALIFY row_number() OVER (PARTITION BY model, task_key
                           ORDER BY failure_stage NULLS LAST, failure_type NULLS LAST,
                                    run_id) <= 3
ORDER BY model, task_key, failure_stage NULLS LAST, failure_type NULLS LAST, run_id;
