-- Runs and failed runs per group ($dims: the grouping expressions named g0, g1, ...): the
-- denominators of the failure rates.
SELECT $dims, count(*) AS runs, count(*) FILTER (WHERE NOT fully_correct) AS failed_runs,
  count(*) FILTER (WHERE hard_failure) AS hard_failures
FROM runs
GROUP BY ALL
ORDER BY $groups;
