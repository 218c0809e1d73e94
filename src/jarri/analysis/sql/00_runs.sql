-- The runs every surface is computed from.
-- Records sharing a run_id count once: the copy with the smallest line hash wins (so the
-- choice does not depend on file order; identical lines are the same record anyway), and a
-- record superseded by a later attempt is left out. The choice is made on narrow columns
-- first, so the wide rows are copied once.
CREATE TABLE kept AS
SELECT arg_min(rowid, row_sha || '|' || source_file || '|' || lpad(CAST(source_line AS VARCHAR), 12, '0')) AS rid
FROM raw_runs
GROUP BY run_id;

CREATE TABLE runs AS
SELECT * FROM raw_runs
WHERE rowid IN (SELECT rid FROM kept)
  AND run_id NOT IN (SELECT supersedes FROM raw_runs WHERE supersedes IS NOT NULL);

-- Tasks that every model ran at least once: the default comparison set.
CREATE TABLE common_tasks AS
SELECT task_key FROM runs
GROUP BY task_key
HAVING count(DISTINCT model) = (SELECT count(DISTINCT model) FROM runs);

CREATE VIEW common_runs AS
SELECT * FROM runs
WHERE task_key IN (SELECT task_key FROM common_tasks)
   OR (SELECT count(*) FROM common_tasks) = 0;
