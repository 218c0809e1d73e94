-- Representative failed runs per model x task: the first three by label, then run id.
SELECT model || ' | ' || task_key AS grp, run_id, failure_stage, failure_type,
  score_percent, power_applied_w
FROM runs
WHERE NOT fully_correct
QUALIFY row_number() OVER (PARTITION BY model, task_key
                           ORDER BY failure_stage NULLS LAST, failure_type NULLS LAST,
                                    run_id) <= 3
ORDER BY grp, failure_stage NULLS LAST, failure_type NULLS LAST, run_id;
