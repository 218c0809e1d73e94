-- Failed-check names (subtypes) per $dim.
SELECT $dim AS grp, subtype, count(*) AS n
FROM (SELECT *, unnest(failure_subtypes) AS subtype FROM runs WHERE NOT fully_correct)
GROUP BY ALL
ORDER BY grp, subtype;
