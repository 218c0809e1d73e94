-- verification/conflicts.json: different records with one identity (00_runs.sql), each
-- distinct content with where it was first read; none of them is used.
SELECT run_id, host, gpu_key, row_sha AS line_sha256, source_file, source_line, lines
FROM conflicts
ORDER BY run_id, host NULLS FIRST, gpu_key, source_file, source_line;
