-- Failure labels per group ($dims: the grouping expressions named g0, g1, ...): counts by
-- stage and by type, relative to all runs of the group.
SELECT $dims, failure_stage, failure_type, count(*) AS n
FROM runs
WHERE NOT fully_correct
GROUP BY ALL
ORDER BY $groups, failure_stage NULLS LAST, failure_type NULLS LAST;
