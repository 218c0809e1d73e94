"""The failure surfaces read the runs once, at the finest slice, and sum it into the coarser
groups (surfaces/failures.py rollup): every group must be exactly what a query over the runs
of that grouping gives — counts, rates, dominant labels and the order of every count."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from factories import make_record
from jarri.analysis.database import Analysis
from jarri.evaluate.taxonomy import STAGES
from jarri.rebuild import reader
from jarri.rebuild.build import FINE_GROUP, POWER_GROUP
from jarri.surfaces import failures

WATTS = (None, 150.0, 210.0, 333.5)
SUBTYPES = ("a", "B", "é", "zz", "check 1", "")


def _ledger(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        ok = rng.random() < 0.3
        stage = None if ok or rng.random() < 0.15 else rng.choice(sorted(STAGES))
        ftype = None if stage is None and rng.random() < 0.5 else \
            rng.choice(STAGES[stage] if stage else STAGES["semantic"])
        watts = rng.choice(WATTS)
        score = 100.0 if ok else float(rng.randrange(0, 100))
        lines.append(make_record(
            i, run_id=f"r{i:05d}-1", model=rng.choice(["m:1b", "m:2b", "other/x:3b"]),
            task_id=f"t{rng.randrange(6)}", task_family=rng.choice(["fact", "math"]),
            gpu_uuid=rng.choice([None, "GPU-1", "GPU-2"]), gpu_name="card",
            power_limit_applied_w=watts, power_limit_default_w=350.0 if watts else None,
            score_percent=score, passed=ok, fully_correct=ok,
            hard_failure=not ok and rng.random() < 0.3,
            failure_stage=stage, failure_type=None if ok else ftype,
            failure_subtypes=[] if ok else rng.sample(SUBTYPES, rng.randrange(0, 3)),
        ).to_line())
    path.write_bytes(b"".join(lines))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_direct_distributions(tmp_path: Path, seed: int) -> None:
    ledger = tmp_path / "l.jsonl"
    _ledger(ledger, 400, seed)
    stats = reader.read_ledgers([ledger], tmp_path)
    assert stats.rows_valid == 400
    db = Analysis(stats.row_files, line_bases=stats.line_bases, temp_dir=tmp_path)
    try:
        fine = failures.distribution(db, FINE_GROUP)
        cases: dict[Any, Any] = {
            ("model", "task_key"): lambda k: (k[0], k[1]), "model": lambda k: k[0],
            "task_key": lambda k: k[1], "'all runs'": lambda k: "all runs",
            POWER_GROUP: lambda k: "not set" if k[3] == "none" else f"{k[3]} W"}
        for dim, group_of in cases.items():
            direct = failures.distribution(db, dim)
            rolled = failures.rollup(fine, group_of)
            # equal as values and in the order of every dict (the surfaces' bytes)
            assert json.dumps(sorted(rolled.items())) == json.dumps(sorted(direct.items())), dim
            assert len(direct) > 1 or dim == "'all runs'"
    finally:
        db.close()
