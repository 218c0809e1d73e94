"""Which fleet worker runs which cells: deterministic, model-major, balanced.

The unit of placement is a block of one model's cells in plan order (model -> power level ->
repeat -> task), so a model loads once per worker and power levels change as rarely as on
one machine. With at least as many models as workers, a block is a whole model. With fewer,
each model is cut into workers / gcd(models, workers) contiguous blocks of (nearly) equal
size, so the blocks share out evenly: every worker gets the same number of them. Blocks go,
largest first, to the worker with the fewest cells so far (ties: the lower worker number).
The same plan and the same number of workers always give the same placement; which GPU a
worker number is, is fixed by sorting the workers by host and GPU (runner/fleet_worker.py
WorkerInfo.sort_key).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from jarri.runner.plan import PlannedRun


def blocks(todo: Sequence[PlannedRun], workers: int) -> list[list[PlannedRun]]:
    by_model: dict[str, list[PlannedRun]] = {}
    for run in todo:
        by_model.setdefault(run.model, []).append(run)
    models = max(len(by_model), 1)
    cuts = 1 if models >= workers else workers // math.gcd(models, workers)
    out: list[list[PlannedRun]] = []
    for runs in by_model.values():
        k = min(cuts, len(runs))
        size, extra = divmod(len(runs), k)
        start = 0
        for i in range(k):
            end = start + size + (1 if i < extra else 0)
            out.append(list(runs[start:end]))
            start = end
    return out


def place(todo: Sequence[PlannedRun], workers: int) -> list[list[PlannedRun]]:
    """One queue per worker, each in plan order."""
    if workers < 1:
        raise ValueError("a placement needs at least one worker")
    queues: list[list[PlannedRun]] = [[] for _ in range(workers)]
    order = sorted(enumerate(blocks(todo, workers)), key=lambda b: (-len(b[1]), b[0]))
    for _, block in order:
        target = min(range(workers), key=lambda w: (len(queues[w]), w))
        queues[target].extend(block)
    for q in queues:
        q.sort(key=lambda r: r.index)
    return queues
