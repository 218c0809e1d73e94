-- Runs and failed runs per $dim (the denominators of the failure rates).
SELECT $dim AS grp, count(*) AS runs, count(*) FILTER (WHERE NOT fully_correct) AS failed_runs,
  count(*) FILTER (WHERE hard_failure) AS hard_failures
FROM runs
GROUP BY ALL
ORDER BY grp;
