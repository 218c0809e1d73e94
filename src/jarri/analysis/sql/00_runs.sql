-- The runs every surface is computed from.
-- Records sharing a run_id count once: the copy with the smallest line hash wins (so the
-- choice does not depend on file order; identical lines are the same record anyway), and a
-- record superseded by a later attempt is left out. The choice is made on narrow columns
-- first, so the wide rows are copied once.
CREATE TABLE kept AS
SELECT arg_min(rowid, row_sha || '|' || source_file || '|'
                      || lpad(CAST(source_line AS VARCHAR), 12, '0')) AS rid
FROM raw_runs
GROUP BY run_id;

CREATE TABLE counts AS
SELECT (SELECT count(DISTINCT row_sha) FROM raw_runs) AS distinct_valid,
       (SELECT count(*) FROM kept) AS valid;

-- Each run's page in runs/: a page holds one model x task, at most $page_size runs, ordered
-- by power level, GPU, repeat, run id; pages are numbered in the order model, task, page.
-- Computed on narrow columns, then joined once to the wide rows.
CREATE TABLE paging AS
SELECT rid, n_in_slice, page_in_slice,
  dense_rank() OVER (ORDER BY model, task_key, page_in_slice) AS page_no
FROM (
  SELECT rid, model, task_key, n_in_slice, (n_in_slice - 1) // $page_size AS page_in_slice
  FROM (
    SELECT r.rowid AS rid, r.model, r.task_key,
      row_number() OVER (PARTITION BY r.model, r.task_key
                         ORDER BY r.power_applied_w NULLS FIRST, r.gpu_key, r.repeat_index,
                                  r.run_id) AS n_in_slice
    FROM raw_runs r
    WHERE r.rowid IN (SELECT rid FROM kept)
      AND r.run_id NOT IN (SELECT supersedes FROM raw_runs WHERE supersedes IS NOT NULL)
  )
);

-- Add the page columns in place rather than copying a million wide rows, drop the records
-- that are not used, and call what is left `runs`.
ALTER TABLE raw_runs ADD COLUMN n_in_slice BIGINT;
ALTER TABLE raw_runs ADD COLUMN page_in_slice BIGINT;
ALTER TABLE raw_runs ADD COLUMN page_no BIGINT;
UPDATE raw_runs SET n_in_slice = p.n_in_slice, page_in_slice = p.page_in_slice,
                    page_no = p.page_no
FROM paging p WHERE raw_runs.rowid = p.rid;
DELETE FROM raw_runs WHERE page_no IS NULL;
ALTER TABLE raw_runs RENAME TO runs;

-- Tasks that every model ran at least once: the default comparison set.
CREATE TABLE common_tasks AS
SELECT task_key FROM runs
GROUP BY task_key
HAVING count(DISTINCT model) = (SELECT count(DISTINCT model) FROM runs);

CREATE VIEW common_runs AS
SELECT * FROM runs
WHERE task_key IN (SELECT task_key FROM common_tasks)
   OR (SELECT count(*) FROM common_tasks) = 0;
