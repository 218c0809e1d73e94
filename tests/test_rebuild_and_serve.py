"""The rebuild (ledger validation for now), jarri serve and jarri doctor."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx

from conftest import SHARED_UPSTREAM, run_jarri
from factories import make_record
from jarri.rebuild.validate import validate_ledgers
from jarri.serve import make_server


def test_validation_accounts_for_every_line(tmp_path: Path) -> None:
    led = tmp_path / "benchmarks/x/llm_benchmark_runs.jsonl"
    led.parent.mkdir(parents=True)
    good = [make_record(i).to_line() for i in range(3)]
    led.write_bytes(good[0] + b"{broken\n" + good[1] + good[1] + b'{"schema_version": 7}\n'
                    + good[2][:50])
    s = validate_ledgers([led])
    assert s.rows_read == 6
    assert s.rows_used == 2 and s.duplicates == 1 and len(s.quarantined) == 3
    assert s.rows_used + s.duplicates + len(s.quarantined) == s.rows_read
    reasons = [q.reason for q in s.quarantined]
    assert "invalid JSON" in reasons[0] and "unknown schema_version 7" in reasons[1]
    assert reasons[2].startswith("torn final line")
    assert [q.line for q in s.quarantined] == [2, 5, 6]
    # the same ledger twice (e.g. given again with --ledger) changes nothing
    assert validate_ledgers([led, led]).as_json() == s.as_json()


def test_rebuild_cli_is_deterministic(tmp_path: Path) -> None:
    led = tmp_path / "benchmarks/x/llm_benchmark_runs.jsonl"
    led.parent.mkdir(parents=True)
    led.write_bytes(b"".join(make_record(i).to_line() for i in range(4)))
    r1 = run_jarri("rebuild", "-w", str(tmp_path))
    out = tmp_path / "benchmark_ui/data/ledger_summary.json"
    first = out.read_bytes()
    r2 = run_jarri("rebuild", "-w", str(tmp_path))
    assert r1.returncode == r2.returncode == 0 and out.read_bytes() == first
    assert json.loads(first)["rows_used"] == 4


def test_upstream_rows_are_recognised_not_silently_dropped() -> None:
    ledgers = [Path(__file__).parent / "fixtures/upstream_row.jsonl"]
    real = SHARED_UPSTREAM / "fact_prose_v2/llm_benchmark_runs.jsonl"
    if real.exists():
        ledgers.append(real)
    for ledger in ledgers:
        s = validate_ledgers([ledger])
        assert s.rows_read > 0 and len(s.quarantined) == s.rows_read
        assert all("original Jarri project" in q.reason for q in s.quarantined)


def test_serve_only_serves_the_ui_folder(tmp_path: Path) -> None:
    ui = tmp_path / "benchmark_ui"
    ui.mkdir()
    (ui / "index.html").write_text("<p>ui</p>")
    (tmp_path / "secret.txt").write_text("secret")
    (ui / "link").symlink_to(tmp_path / "secret.txt")
    server = make_server(ui, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with httpx.Client() as c:
            assert c.get(base + "/index.html").text == "<p>ui</p>"
            assert c.get(base + "/../secret.txt").status_code == 404
            assert c.get(base + "/%2e%2e/secret.txt").status_code == 404
            assert c.get(base + "/link").status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_serve_refuses_without_ui(tmp_path: Path) -> None:
    r = run_jarri("serve", "-w", str(tmp_path))
    assert r.returncode == 2 and "jarri rebuild" in r.stderr


def test_doctor_reports_backends_and_energy() -> None:
    r = run_jarri("doctor", "--ollama-url", "http://127.0.0.1:9",
                  "--openai-url", "http://127.0.0.1:9")
    assert r.returncode == 0, r.stderr
    assert "llama-cpp-python" in r.stdout and "gemma3:270m" in r.stdout
    assert "ollama" in r.stdout and "does not answer" in r.stdout
    assert "energy  meter 'none'" in r.stdout
