-- The normalised run table, derived from the validated records (rebuild/columns.py).
-- $source: read_json over the reader's NDJSON files (or an empty relation of that shape),
-- one flat record per line with its origin in wrap_file, wrap_line, wrap_sha, and wrap_base:
-- the lines of its ledger before the part its row file holds.
-- $$energy_class: the CASE mapping energy_method to its class (analysis/metrics.py).
-- Summed quantities become exact integers: micro-points, milli-joules, micro-seconds.
CREATE TABLE raw_runs AS
SELECT
  r.run_id, r.run_key, r.wrap_sha AS row_sha, r.wrap_file AS source_file,
  r.wrap_line + r.wrap_base AS source_line,
  coalesce(r.imported_from, 'jarri') AS origin, r.supersedes, r.sweep_id, r.host,
  r.started_at, r.finished_at, r.experiment_id, r.experiment_revision, r.task_id,
  r.task_family, r.task_name, r.prompt_sha256, r.evaluator, r.model, r.backend,
  r.backend_version, r.model_digest, r.model_quantization, r.model_parameter_size,
  r.repeat_index, r.experiment_id || '/' || r.task_id AS task_key,
  r.experiment_id || '/' || r.task_id AS task_base,
  -- what makes two runs of a task comparable: the same prompt graded the same way
  'r' || coalesce(CAST(r.experiment_revision AS VARCHAR), '?') || '.'
    || coalesce(r.evaluator, 'none') || '.' || coalesce(left(r.prompt_sha256, 8), 'none')
    AS task_version,
  r.power_limit_request AS power_request, r.power_limit_mode AS power_mode,
  r.power_limit_applied_w AS power_applied_w, r.power_limit_default_w AS power_default_w,
  CASE WHEN r.power_limit_applied_w IS NOT NULL AND r.power_limit_default_w > 0
       THEN round(100 * r.power_limit_applied_w / r.power_limit_default_w, 6) END
    AS power_percent,
  coalesce(r.gpu_uuid, r.gpu_name, 'none') AS gpu_key, r.gpu_name, r.gpu_count,
  r.residency, r.wall_ns,
  CAST(round(r.ttft_s * 1e6) AS BIGINT) AS ttft_us,
  CAST(round(r.eval_s * 1e6) AS BIGINT) AS eval_us,
  r.prompt_tokens, r.output_tokens, r.thinking_chars, r.answer_chars, r.truncated,
  r.done_reason, r.cold_start, r.answer_sha256, r.answer_file, r.imported_from,
  r.energy_method,
  r.energy_confidence, r.energy_confidence_reason AS energy_reason,
  coalesce(r.energy_net_mj, CAST(round(r.energy_net_j * 1e3) AS BIGINT)) AS energy_net_mj,
  coalesce(r.energy_gross_mj, CAST(round(r.energy_gross_j * 1e3) AS BIGINT))
    AS energy_gross_mj,
  r.idle_power_w,
  -- the energy policy (rebuild/columns.py ENERGY_POLICY): a run draws more than idle, so
  -- a net energy of 0 (clamped) or below is a measurement failure; a run that loaded its
  -- model holds the load's energy, not the answer's
  coalesce(r.energy_confidence IN ('high', 'medium', 'low')
    AND coalesce(r.energy_net_mj, r.energy_net_j) > 0
    AND NOT coalesce(r.cold_start, false)
    AND (r.residency = 'full_gpu'
         OR (r.residency = 'unknown' AND r.backend IN ('openai', 'llamacpp'))), false)
    AS energy_valid,
  $energy_class AS energy_class,
  -- a run without an evaluator's verdict says nothing about the model's correctness
  coalesce(r.status NOT IN ('not_evaluated', 'evaluator_error'), true) AS graded,
  r.status, r.completed, left(r.error, 2000) AS error,
  CAST(round(r.score_percent * 1e6) AS BIGINT) AS score_micro,
  round(r.score_percent, 6) AS score_percent,
  r.passed, r.fully_correct, r.hard_failure, r.failure_stage, r.failure_type,
  r.failure_subtypes, r.import_flags,
  coalesce(r.checks, []) AS checks,
  r.extracted_answer, r.format_ok, coalesce(r.format_violations, []) AS format_violations
FROM $source AS r;
