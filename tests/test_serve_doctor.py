"""jarri serve and jarri doctor."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from conftest import run_jarri
from jarri.serve import make_server


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


def _ui_workspace(tmp_path: Path) -> Path:
    (tmp_path / "benchmark_ui").mkdir()
    (tmp_path / "benchmark_ui" / "index.html").write_text("<p>ui</p>")
    return tmp_path


def test_serve_port_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    ws = _ui_workspace(tmp_path)
    for port in ("-1", "70000", "abc"):
        r = run_jarri("serve", "-w", str(ws), "--port", port, timeout=30)
        assert r.returncode == 2, (port, r.stderr)
        assert "--port" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_serve_bad_host_names_the_host_not_the_port(tmp_path: Path) -> None:
    ws = _ui_workspace(tmp_path)
    r = run_jarri("serve", "-w", str(ws), "--host", "no-such-host.invalid", "--port", "0",
                  timeout=60)
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    assert "--host" in r.stderr and "choose another --port" not in r.stderr, r.stderr


def test_serve_taken_port_names_the_port(tmp_path: Path) -> None:
    ws = _ui_workspace(tmp_path)
    taken = make_server(tmp_path, "127.0.0.1", 0)
    try:
        port = str(taken.server_address[1])
        r = run_jarri("serve", "-w", str(ws), "--port", port, timeout=30)
        assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
        assert f"127.0.0.1:{port}" in r.stderr and "--port" in r.stderr, r.stderr
    finally:
        taken.server_close()
