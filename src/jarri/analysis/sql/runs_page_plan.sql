-- runs/: the page of every run. A page holds the runs of one model x task (at most
-- $page_size), ordered by power level, GPU, repeat, run id; pages are numbered in the order
-- model, task, page.
CREATE TEMP TABLE run_pages AS
SELECT run_id, model, task_key, n_in_slice, (n_in_slice - 1) // $page_size AS page_in_slice
FROM (
  SELECT run_id, model, task_key,
    row_number() OVER (PARTITION BY model, task_key
                       ORDER BY power_applied_w NULLS FIRST, gpu_key, repeat_index, run_id)
      AS n_in_slice
  FROM runs
);

CREATE TEMP TABLE page_list AS
SELECT model, task_key, page_in_slice, count(*) AS runs,
  row_number() OVER (ORDER BY model, task_key, page_in_slice) AS page_no
FROM run_pages
GROUP BY model, task_key, page_in_slice;
