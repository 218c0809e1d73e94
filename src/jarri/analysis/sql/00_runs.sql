-- The runs every surface is computed from.
-- A record's identity is its run_id on its host and GPU: the same sweep name run on two
-- GPUs gives the same run ids, and both runs count. Identical lines (one record read from
-- several files) count once; two different records with one identity are a conflict: both
-- are left out and listed in verification/conflicts.json, never silently resolved. A record
-- superseded by a later attempt (on its host and GPU) is left out. The choices are made on
-- narrow columns first, so the wide rows are copied once.
CREATE TABLE identities AS
SELECT run_id, host, gpu_key, count(DISTINCT row_sha) AS contents, count(*) AS lines,
  arg_min(rowid, source_file || '|' || lpad(CAST(source_line AS VARCHAR), 12, '0')) AS rid
FROM raw_runs
GROUP BY run_id, host, gpu_key;

CREATE TABLE conflicts AS
SELECT r.run_id, r.host, r.gpu_key, r.row_sha, min(r.source_file) AS source_file,
  min(r.source_line) AS source_line, count(*) AS lines
FROM raw_runs r
JOIN (SELECT run_id, host, gpu_key FROM identities WHERE contents > 1) c
  ON c.run_id = r.run_id AND c.host IS NOT DISTINCT FROM r.host AND c.gpu_key = r.gpu_key
GROUP BY r.run_id, r.host, r.gpu_key, r.row_sha;

CREATE TABLE used AS
SELECT i.rid
FROM identities i
LEFT JOIN (SELECT DISTINCT supersedes, host, gpu_key FROM raw_runs
           WHERE supersedes IS NOT NULL) s
  ON s.supersedes = i.run_id AND s.host IS NOT DISTINCT FROM i.host AND s.gpu_key = i.gpu_key
WHERE i.contents = 1 AND s.supersedes IS NULL;

CREATE TABLE counts AS
SELECT (SELECT count(*) FROM raw_runs) AS valid_lines,
       (SELECT count(DISTINCT row_sha) FROM raw_runs) AS distinct_valid,
       (SELECT count(*) FROM identities WHERE contents = 1) AS kept,
       (SELECT count(*) FROM conflicts) AS conflicting,
       (SELECT count(*) FROM used) AS used,
       $pool_versions AS versions_pooled;

-- Versions of a task (experiment revision, evaluator version, prompt hash) among the used
-- runs. A task that ran under more than one is split into one slice per version (its key
-- gains '@' and the version), unless the rebuild was asked to pool them ($pool_versions).
CREATE TABLE task_versions AS
SELECT r.task_base, r.task_version, count(*) AS runs,
  count(DISTINCT r.task_version) OVER (PARTITION BY r.task_base) AS versions
FROM raw_runs r
WHERE r.rowid IN (SELECT rid FROM used)
GROUP BY r.task_base, r.task_version;

UPDATE raw_runs SET task_key = task_base || '@' || task_version
WHERE NOT $pool_versions
  AND task_base IN (SELECT task_base FROM task_versions WHERE versions > 1);

-- Each run's page in runs/: a page holds one model x task, at most $page_size runs, ordered
-- by power level, GPU, repeat, run id; pages are numbered in the order model, task, page.
CREATE TABLE paging AS
SELECT rid, n_in_slice, page_in_slice,
  dense_rank() OVER (ORDER BY model, task_key, page_in_slice) AS page_no
FROM (
  SELECT rid, model, task_key, n_in_slice, (n_in_slice - 1) // $page_size AS page_in_slice
  FROM (
    SELECT r.rowid AS rid, r.model, r.task_key,
      row_number() OVER (PARTITION BY r.model, r.task_key
                         ORDER BY r.power_applied_w NULLS FIRST, r.gpu_key, r.repeat_index,
                                  r.run_id, r.host) AS n_in_slice
    FROM raw_runs r
    WHERE r.rowid IN (SELECT rid FROM used)
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

-- Tasks every model with a graded run has graded runs of: the default comparison set.
CREATE TABLE common_tasks AS
SELECT task_key FROM runs
WHERE graded
GROUP BY task_key
HAVING count(DISTINCT model) = (SELECT count(DISTINCT model) FROM runs WHERE graded);
