"""The workspace layout (kept from the original project so its users feel at home).

    <workspace>/benchmarks/<experiment_id>/llm_benchmark_runs.jsonl   ledgers
    <workspace>/benchmarks/<experiment_id>/outputs/                   raw outputs by sha256
    <workspace>/benchmark_ui/                                         the UI
    <workspace>/benchmark_ui/data/                                    exported surfaces
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jarri.ledger.writer import LEDGER_NAME


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def benchmarks(self) -> Path:
        return self.root / "benchmarks"

    def experiment_dir(self, experiment_id: str) -> Path:
        return self.benchmarks / experiment_id

    def ledger(self, experiment_id: str) -> Path:
        return self.experiment_dir(experiment_id) / LEDGER_NAME

    def outputs(self, experiment_id: str) -> Path:
        return self.experiment_dir(experiment_id) / "outputs"

    @property
    def ui(self) -> Path:
        return self.root / "benchmark_ui"

    @property
    def ui_data(self) -> Path:
        return self.ui / "data"

    def ledgers(self) -> list[Path]:
        """Every canonical ledger under benchmarks/ (the original's backup and rejected
        files beside it are not ledgers)."""
        if not self.benchmarks.is_dir():
            return []
        return sorted(p for p in self.benchmarks.rglob(LEDGER_NAME) if p.is_file())
