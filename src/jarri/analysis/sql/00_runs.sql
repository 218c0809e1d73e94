-- The runs every surface is computed from.
-- 1. identical lines (the same ledger given twice, or split and overlapping) count once;
-- 2. records with the same run_id count once (the smallest line hash wins: order-free);
-- 3. records superseded by a later attempt are left out.
CREATE TABLE distinct_rows AS
SELECT * FROM raw_runs
QUALIFY row_number() OVER (PARTITION BY row_sha ORDER BY source_file, source_line) = 1;

CREATE TABLE valid_runs AS
SELECT * FROM distinct_rows
QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY row_sha) = 1;

CREATE TABLE superseded AS
SELECT DISTINCT supersedes AS run_id FROM valid_runs WHERE supersedes IS NOT NULL;

CREATE TABLE runs AS
SELECT v.*,
       v.experiment_id || '/' || v.task_id AS task_key,
       v.score_micro / 1e6 AS score_percent
FROM valid_runs v
WHERE v.run_id NOT IN (SELECT run_id FROM superseded);

-- Tasks that every model ran at least once: the default comparison set.
CREATE TABLE common_tasks AS
SELECT task_key FROM runs
GROUP BY task_key
HAVING count(DISTINCT model) = (SELECT count(DISTINCT model) FROM runs);

CREATE TABLE common_runs AS
SELECT * FROM runs
WHERE task_key IN (SELECT task_key FROM common_tasks)
   OR (SELECT count(*) FROM common_tasks) = 0;
