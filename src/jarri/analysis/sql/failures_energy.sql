-- joined/failures_energy.json: what each kind of failure cost in energy and tokens.
SELECT coalesce(failure_stage, 'none') AS failure_stage,
  coalesce(failure_type, CASE WHEN fully_correct THEN 'fully_correct' ELSE 'unlabelled' END)
    AS failure_type,
  $metrics
FROM runs
GROUP BY ALL
ORDER BY failure_stage, failure_type;
