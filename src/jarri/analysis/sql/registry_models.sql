-- registries/models.json
SELECT model,
  list(DISTINCT backend ORDER BY backend) AS backends,
  list(DISTINCT model_digest ORDER BY model_digest) FILTER (WHERE model_digest IS NOT NULL)
    AS digests,
  list(DISTINCT model_quantization ORDER BY model_quantization)
    FILTER (WHERE model_quantization IS NOT NULL) AS quantizations,
  list(DISTINCT model_parameter_size ORDER BY model_parameter_size)
    FILTER (WHERE model_parameter_size IS NOT NULL) AS parameter_sizes,
  list(DISTINCT origin ORDER BY origin) AS origins,
  count(*) AS runs, count(DISTINCT task_key) AS tasks_run,
  min(started_at) AS first_run_at, max(finished_at) AS last_run_at
FROM runs GROUP BY model ORDER BY model;
