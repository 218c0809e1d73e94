-- runs/: every run as one JSON object (keys sorted, floats rounded to 6 decimals), in page
-- order: model, task, power level, GPU, repeat, run id. A page holds one model x task and at
-- most $page_size runs.
SELECT model, task_key, source_file, answer_sha256, answer_file,
  (row_number() OVER (PARTITION BY model, task_key
                      ORDER BY power_applied_w NULLS FIRST, gpu_key, repeat_index, run_id)
   - 1) // $page_size AS page_in_slice,
  to_json(struct_pack(
    answer_chars := answer_chars, answer_sha256 := answer_sha256,
    checks := CASE WHEN checks_json IS NULL THEN '[]'::JSON ELSE checks_json::JSON END,
    cold_start := cold_start, completed := completed, done_reason := done_reason,
    energy_confidence := energy_confidence, energy_confidence_reason := energy_reason,
    energy_gross_j := energy_gross_mj / 1e3, energy_method := energy_method,
    energy_net_j := energy_net_mj / 1e3, energy_valid := energy_valid, error := error,
    eval_s := round(eval_us / 1e6, 6), evaluator := evaluator,
    extracted_answer := extracted_answer, failure_stage := failure_stage,
    failure_subtypes := coalesce(failure_subtypes, []), failure_type := failure_type,
    finished_at := finished_at, fully_correct := fully_correct, gpu_key := gpu_key,
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
  )) AS json
FROM runs
ORDER BY model, task_key, power_applied_w NULLS FIRST, gpu_key, repeat_index, run_id;
