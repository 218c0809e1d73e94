"""The planner: models x experiments x tasks x power levels x repeats, in a fixed order.

Order (model-major, so each model loads once): model -> power level -> repeat -> experiment
-> task. Power levels run in serpentine order across models (60,80,100 then 100,80,60), so
the level at a model boundary does not change. Sharding assigns each run by its run_key, so a
host's share stays the same when the plan grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jarri.backends.base import GenerationOptions, ModelInfo
from jarri.ledger.identity import run_key
from jarri.measure.power import ResolvedLevel
from jarri.measure.power_tokens import PowerLevel
from jarri.suite.model import Experiment, Task


@dataclass(frozen=True)
class PlannedRun:
    index: int  # position in the full plan, 0-based
    model: str
    task: Task
    power: PowerLevel | None
    repeat_index: int
    options: GenerationOptions
    run_key: str
    # The watts per GPU this run's level resolved to (None: no level requested).
    level: ResolvedLevel | None = None


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        from jarri.errors import ConfigError

        try:
            i, n = (int(p) for p in text.split("/"))
        except ValueError:
            raise ConfigError(f"invalid --shard {text!r}", hint="use i/n, e.g. 1/3") from None
        if not (n >= 1 and 1 <= i <= n):
            raise ConfigError(f"invalid --shard {text!r}: need 1 <= i <= n")
        return cls(i, n)

    def owns(self, key: str) -> bool:
        return int(key[:16], 16) % self.count == self.index - 1


@dataclass(frozen=True)
class PlanSummary:
    total: int
    already_done: int
    to_run: int
    models: int
    experiments: int
    tasks: int
    power_levels: int
    repeats: int
    model_loads: int
    power_changes: int


def task_options(base: GenerationOptions, task: Task) -> GenerationOptions:
    """A task's own output cap wins over the sweep default (it is part of the task)."""
    if task.max_output_tokens is None or task.max_output_tokens == base.max_output_tokens:
        return base
    from dataclasses import replace

    return replace(base, max_output_tokens=task.max_output_tokens)


def build_plan(*, sweep_id: str, backend: str, models: Sequence[str],
               infos: dict[str, ModelInfo], experiments: Sequence[Experiment],
               power_levels: Sequence[ResolvedLevel | PowerLevel | None], repeats: int,
               options: GenerationOptions, shard: Shard | None = None,
               per_model: dict[str, GenerationOptions] | None = None) -> list[PlannedRun]:
    """``power_levels``: resolved levels (the plan then carries each run's watts) or bare
    tokens (a plan that is only printed or keyed); ``per_model``: each model's options as its
    backend decided them (the effective think value: backends/think_policy.py); ``options``
    for models not in it."""
    runs: list[PlannedRun] = []
    index = 0
    for m_i, model in enumerate(models):
        levels = list(power_levels) if m_i % 2 == 0 else list(reversed(power_levels))
        digest = infos[model].digest if model in infos else None
        model_options = (per_model or {}).get(model, options)
        for entry in levels:
            resolved = entry if isinstance(entry, ResolvedLevel) else None
            level = entry.token if isinstance(entry, ResolvedLevel) else entry
            for rep in range(1, repeats + 1):
                for exp in experiments:
                    for task in exp.tasks:
                        opts = task_options(model_options, task)
                        key = run_key(
                            sweep_id=sweep_id, experiment_id=exp.experiment_id,
                            task_id=task.task_id, prompt_sha256=task.prompt_sha256,
                            model=model, model_digest=digest, backend=backend,
                            options=opts.as_record(),
                            power_limit_request=level.request if level else None,
                            repeat_index=rep)
                        run = PlannedRun(index, model, task, level, rep, opts, key, resolved)
                        index += 1
                        if shard is None or shard.owns(key):
                            runs.append(run)
    return runs


def count_changes(runs: Sequence[PlannedRun]) -> tuple[int, int]:
    """(model loads, power-limit changes) when the runs execute in this order."""
    loads = changes = 0
    prev_model: str | None = None
    prev_level: object = object()
    for r in runs:
        if r.model != prev_model:
            loads += 1
            prev_model = r.model
        level = r.power.request if r.power else None
        if level != prev_level:
            if level is not None:
                changes += 1
            prev_level = level
    return loads, changes


def summarise(plan: Sequence[PlannedRun], todo: Sequence[PlannedRun], *, repeats: int,
              power_levels: Sequence[PowerLevel | None]) -> PlanSummary:
    loads, changes = count_changes(todo)
    return PlanSummary(
        total=len(plan),
        already_done=len(plan) - len(todo),
        to_run=len(todo),
        models=len({r.model for r in plan}),
        experiments=len({r.task.experiment_id for r in plan}),
        tasks=len({(r.task.experiment_id, r.task.task_id) for r in plan}),
        power_levels=len([p for p in power_levels if p is not None]),
        repeats=repeats,
        model_loads=loads,
        power_changes=changes,
    )
