-- Failure labels per $dim: counts by stage and by type, relative to all runs of the group.
SELECT $dim AS grp, failure_stage, failure_type, count(*) AS n
FROM runs
WHERE NOT fully_correct
GROUP BY ALL
ORDER BY grp, failure_stage NULLS LAST, failure_type NULLS LAST;
