-- runs/: every run as one JSON array of values (floats rounded to 6 decimals), in page order
-- (00_runs.sql numbers the pages); a page names the values once in its "columns" (the keys
-- of `rec`, sorted). The rebuild streams the rows and wraps each page in the envelope.
-- Answer texts come from the `answers` table the rebuild loads.
-- $$select: the final SELECT over `records` (surfaces/runs_pages.py).
WITH numbered AS (
  SELECT r.*, a.text AS answer_text, a.origin AS answer_origin
  FROM runs r LEFT JOIN answers a USING (run_id)
), records AS (
  SELECT page_no, n_in_slice,
  struct_pack(
    answer_chars := answer_chars, answer_sha256 := answer_sha256,
    answer_source := CASE
      WHEN answer_text IS NOT NULL THEN answer_origin
      WHEN answer_origin IS NOT NULL THEN answer_origin
      WHEN answer_sha256 IS NOT NULL
        THEN 'not stored (the content store beside the ledger lacks it)'
      WHEN answer_file IS NOT NULL THEN 'not stored (the original answer file is missing)'
      ELSE 'no answer (the backend produced none)' END,
    answer_text := left(answer_text, $answer_chars),
    answer_truncated := coalesce(length(answer_text) > $answer_chars, false),
    checks := checks,
    cold_start := cold_start, completed := completed, done_reason := done_reason,
    energy_confidence := energy_confidence, energy_confidence_reason := energy_reason,
    energy_gross_j := energy_gross_mj / 1e3, energy_method := energy_method,
    energy_net_j := energy_net_mj / 1e3, energy_valid := energy_valid, error := error,
    eval_s := round(eval_us / 1e6, 6), evaluator := evaluator,
    extracted_answer := extracted_answer, failure_stage := failure_stage,
    failure_subtypes := coalesce(failure_subtypes, []), failure_type := failure_type,
    finished_at := finished_at, format_ok := format_ok,
    format_violations := format_violations, fully_correct := fully_correct, gpu_key := gpu_key,
    gpu_name := gpu_name, hard_failure := hard_failure, idle_power_w := idle_power_w,
    import_flags := coalesce(import_flags, []), model := model, origin := origin,
    output_tokens := output_tokens, passed := passed, power_applied_w := power_applied_w,
    power_percent_of_default := power_percent, power_request := power_request,
    prompt_tokens := prompt_tokens, repeat_index := repeat_index, residency := residency,
    run_id := run_id, run_key := run_key, score_percent := round(score_percent, 6),
    started_at := started_at, status := status, sweep_id := sweep_id,
    task_family := task_family, task_key := task_key, thinking_chars := thinking_chars,
    truncated := truncated, ttft_s := round(ttft_us / 1e6, 6),
    wall_s := round(wall_ns / 1e9, 6)
  ) AS rec
  FROM numbered
)
-- Only the narrow sort keys are compared; DuckDB streams the rendered rows in this order.
$select
