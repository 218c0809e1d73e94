"""The CLI starts without the heavy modules (issue: a CLI that starts instantly): they are
imported inside the commands that use them. Timing is perf/cli_startup.py's job; this test
holds the structure that makes it fast."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pydantic", "duckdb", "numpy", "msgspec", "httpx", "llama_cpp", "rich.table",
         "rich.progress", "jarri.ledger.record", "jarri.rebuild.build", "jarri.runner.sweep")


def _loaded(code: str) -> list[str]:
    probe = (f"import sys\n{code}\n"
             f"print('LOADED:' + ' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                       check=True)
    line = next(x for x in r.stdout.splitlines() if x.startswith("LOADED:"))
    return line.removeprefix("LOADED:").split()


def test_importing_the_cli_loads_no_heavy_module() -> None:
    assert _loaded("import jarri.cli") == []


def test_help_and_version_load_no_heavy_module() -> None:
    for args in (["--help"], ["--version"], ["run", "--help"], ["rebuild", "--help"],
                 ["export", "--help"], ["power", "--help"], ["suites", "--help"]):
        code = ("import jarri.cli\n"
                f"try:\n    jarri.cli.main({args!r})\nexcept SystemExit:\n    pass")
        assert _loaded(code) == [], args


def test_a_command_still_loads_what_it_needs() -> None:
    # the laziness is real: running a command imports its modules
    code = ("import jarri.cli\ntry:\n    jarri.cli.main(['suites', 'list'])\n"
            "except SystemExit:\n    pass")
    assert "jarri.ledger.record" in _loaded(code) or "pydantic" in _loaded(code)
