-- Failed-check names (subtypes) per group ($dims: the grouping expressions named g0, ...).
-- Only the grouping columns and the subtypes are unnested: the rows are wide.
SELECT $groups, subtype, count(*) AS n
FROM (SELECT $dims, unnest(failure_subtypes) AS subtype FROM runs WHERE NOT fully_correct)
GROUP BY ALL
ORDER BY $groups, subtype;
