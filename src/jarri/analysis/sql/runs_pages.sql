-- runs/: every run, in page order (model, task, power level, GPU, repeat, run id).
SELECT run_id, run_key, sweep_id, origin, model, task_key, experiment_id, task_id,
  task_family, started_at, finished_at, repeat_index, gpu_key, gpu_name, power_applied_w,
  power_request, power_percent, residency, status, completed, score_percent, passed,
  fully_correct, hard_failure, failure_stage, failure_type, failure_subtypes, import_flags,
  prompt_tokens, output_tokens, wall_ns, ttft_us, eval_us, thinking_chars, answer_chars,
  truncated, done_reason, cold_start, energy_method, energy_confidence, energy_reason,
  energy_valid, energy_net_mj, energy_gross_mj, idle_power_w, evaluator, checks_json,
  extracted_answer, error, answer_sha256, answer_file, source_file
FROM runs
ORDER BY model, task_key, power_applied_w NULLS FIRST, gpu_key, repeat_index, run_id;
