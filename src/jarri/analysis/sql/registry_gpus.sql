-- registries/gpus.json
SELECT gpu_key, any_value(gpu_name) AS gpu_name, max(gpu_count) AS gpu_count,
  list(DISTINCT power_applied_w ORDER BY power_applied_w)
    FILTER (WHERE power_applied_w IS NOT NULL) AS power_levels_w,
  list(DISTINCT energy_method ORDER BY energy_method) AS energy_methods,
  count(*) AS runs
FROM runs GROUP BY gpu_key ORDER BY gpu_key;
