"""``jarri run``: plan and execute a sweep into the ledgers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from jarri.backends.base import DEFAULT_THINKING_TOKENS
from jarri.commands.console import err, out
from jarri.errors import SweepInterrupted
from jarri.vocabulary import BACKEND_NAMES, THINK_LEVELS

# Heavy modules are imported inside the command, so '--help' starts at once.
if TYPE_CHECKING:
    from jarri.config import SweepConfig
    from jarri.runner.execute import SweepResult
    from jarri.runner.fleet import FleetSweep
    from jarri.runner.sweep import PreparedSweep

# name -> how a CLI value becomes a config value
_LISTS = ("models", "experiments", "tdp_levels")


def _print_plan(p: PreparedSweep) -> None:
    s = p.summary
    out.print(f"sweep   {p.sweep_id}   backend {p.config.backend}"
              f" {p.backend_version or ''}".rstrip(), markup=False)
    for m, info in p.infos.items():
        opts = next((r.options for r in p.plan if r.model == m), None)
        think = ""
        if opts is not None and opts.think is not None:
            think = f"  think {str(opts.think).lower()}"
            if opts.thinking_budget:
                think += (f" (+{opts.thinking_budget} thinking tokens, num_ctx "
                          f"{opts.num_ctx})")
        out.print(f"model   {m}  digest {info.digest or 'unknown'}  "
                  f"{info.quantization or ''} {info.parameter_size or ''}".rstrip() + think,
                  markup=False)
    levels = ",".join(lv.request for lv in p.power_levels if lv) or "none (GPU left as is)"
    out.print(
        f"plan    {s.total} runs = {s.models} model(s) x {s.tasks} task(s) in "
        f"{s.experiments} experiment(s) x {max(s.power_levels, 1)} power level(s) x "
        f"{s.repeats} repeat(s){' (shard ' + p.config.shard + ')' if p.config.shard else ''}",
        markup=False)
    out.print(f"resume  {s.already_done} already in the ledger, {s.to_run} to run", markup=False)
    out.print(f"cost    {s.model_loads} model load(s), {s.power_changes} power-limit change(s); "
              f"power levels: {levels}", markup=False)
    gpu = p.gpus.first
    out.print(f"gpu     {p.gpus.reason}" + (f"; counting GPU(s) {p.gpus.indices} ({gpu.name})"
                                            if gpu else ""), markup=False)
    for req, lv in p.resolved.items():
        per_gpu = ", ".join(f"GPU {g.index}: {g.target_w:.0f} W"
                            f"{' (clamped)' if g.clamped else ''} of default {g.default_w:.0f} W"
                            for g in lv.gpus)
        out.print(f"level   {req} -> {per_gpu}", markup=False)
    for note in p.notes:
        out.print(f"note    {note}", markup=False)


def _print_dry_run(p: PreparedSweep) -> None:
    done = {r.run_key for r in p.plan} - {r.run_key for r in p.todo}
    for r in p.plan:
        mark = "done" if r.run_key in done else "todo"
        lvl = r.power.request if r.power else "-"
        out.print(f"{r.index:5d} {mark} {r.model} {r.task.experiment_id}/{r.task.task_id} "
                  f"r{r.repeat_index} power {lvl} cap {r.options.max_output_tokens}"
                  f"{'+' + str(r.options.thinking_budget) if r.options.thinking_budget else ''} "
                  f"key {r.run_key[:12]}", markup=False)


@click.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML sweep file; keys are these options' names with underscores. "
                   "Options given here override it.")
@click.option("--models", "-m", help="Comma-separated model names, e.g. gemma3:270m,qwen3:8b "
              "(embedded engine: registry name or a .gguf path).")
@click.option("--experiments", "-e", help="Comma-separated experiment ids.  [default: smoke_v1]")
@click.option("--repeats", "-r", type=int, help="Repeats per task.  [default: 1]")
@click.option("--tdp-levels", help="Comma-separated GPU power limits: percent of the default "
              "limit (80) or watts (250w). Needs an NVIDIA GPU.")
@click.option("--backend", "-b", type=click.Choice(BACKEND_NAMES),
              help="llamacpp = embedded engine, no server needed; mock = scripted answers "
                   "(--mock-file), for a dry run of a suite.  [default: llamacpp]")
@click.option("--mock-file", type=click.Path(dir_okay=False),
              help="The mock backend's answers: a JSON script (docs/backends.md).  "
                   "[default: one fixed answer to every prompt]")
@click.option("--base-url", help="Server URL (ollama: $OLLAMA_HOST or http://127.0.0.1:11434; "
              "openai: http://127.0.0.1:8080).")
@click.option("--ollama-api", type=click.Choice(["chat", "generate"]),
              help="Ollama endpoint.  [default: chat]")
@click.option("--openai-endpoint", type=click.Choice(["chat", "completions"]),
              help="OpenAI-compatible endpoint; 'completions' for base models.  [default: chat]")
@click.option("--openai-stream/--no-openai-stream", default=None,
              help="Stream from the OpenAI-compatible server (TTFT measured); turn off for "
                   "servers that send no usage in streams.  [default: stream]")
@click.option("--keep-alive", help="Ollama keep_alive between runs: seconds (-1 = for ever, "
              "0 = unload after each request) or a duration (10m, 1h30m).  [default: 10m]")
@click.option("--sweep", help="Sweep name; reruns with the same name resume.  "
              "[default: default@<host>]")
@click.option("--fresh", is_flag=True, default=None,
              help="Start a new sweep (new run keys) instead of resuming.")
@click.option("--max-output-tokens", type=int, help="Output-token cap per run, unless the task "
              "sets its own.  [default: 256 tokens]")
@click.option("--num-ctx", type=int,
              help="Context size sent to the backend.  [default: 2048 tokens]")
@click.option("--seed", type=int, help="Sampling seed.  [default: 42]")
@click.option("--temperature", type=float, help="Sampling temperature.  [default: 0.0]")
@click.option("--top-k", type=int, help="[default: 1 (greedy)]")
@click.option("--top-p", type=float, help="[default: 1.0]")
@click.option("--think/--no-think", default=None, help="Ask thinking models to think or not "
              "(Ollama: sent only to models with the 'thinking' capability).  [default: the "
              "model's own default, recorded as the effective value]")
@click.option("--think-level", "think_level", type=click.Choice(THINK_LEVELS),
              help="Think at this level (gpt-oss needs a level; 'max' needs Ollama 0.22+).")
@click.option("--max-thinking-tokens", type=int, help="A thinking run's budget for thinking, "
              "on top of the output cap; its context grows by the same amount.  "
              f"[default: {DEFAULT_THINKING_TOKENS} tokens]")
@click.option("--timeout-s", type=float,
              help="Per-run timeout in seconds, finite, at most 86400.  [default: 300 s]")
@click.option("--shard", help="Run only shard i of n (i/n); run keys decide, stable across hosts.")
@click.option("--suite-dir", "suite_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Extra experiment folder (or folder of them); repeatable.")
@click.option("--workspace", "-w", type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding benchmarks/ and benchmark_ui/.  [default: .]")
@click.option("--retry-failed", is_flag=True, default=None,
              help="Also rerun keys whose last record is a backend error or timeout.")
@click.option("--no-warmup", "warmup", flag_value=False, default=None,
              help="Skip the unmeasured warm-up request per model.")
@click.option("--load-timeout-s", type=float, help="Deadline of the warm-up request that "
              "loads each model (apart from the per-run timeout).  [default: 600 s]")
@click.option("--gpu-indices", help="Comma-separated GPU indices whose energy is counted and "
              "whose limits are set.  [default: all GPUs]")
@click.option("--settle-s", type=float, help="Wait after a power-limit change.  [default: 2 s]")
@click.option("--idle-s", type=float, help="Idle-baseline window per power level.  "
              "[default: 5 s]")
@click.option("--require-full-gpu", is_flag=True, default=None,
              help="Record runs of models not fully in GPU memory (Ollama residency hybrid, "
                   "cpu or unknown) with energy not measured.  [default: record them, "
                   "excluded from energy comparisons]")
@click.option("--ray", "ray", metavar="auto|ADDRESS",
              help="Run the sweep over a Ray cluster, one worker per GPU: 'auto' joins the "
                   "cluster this machine belongs to (or starts a local one), or the head's "
                   "address (HOST:PORT, ray://HOST:PORT). Needs jarri[ray]; docs/fleet.md.")
@click.option("--ray-workers", type=int, help="With --ray: use this many of the cluster's "
              "GPUs.  [default: all]")
@click.option("--ray-resource", help="With --ray: one worker per unit of this Ray resource "
              "instead of per GPU (e.g. one per node for each node's own Ollama); the "
              "worker counts the GPUs --gpu-indices names.")
@click.option("--ray-restart-timeout-s", type=float, help="With --ray: how long a lost worker "
              "may take to come back (Ray restarts it, on another node if its own is gone) "
              "before its cells move to the other workers.  [default: 300 s]")
@click.option("--dry-run", is_flag=True, help="Print the plan (and the watts each power level "
              "resolves to per GPU) and exit; touches nothing.")
def run(config_file: Path | None, dry_run: bool, **options: Any) -> None:
    """Run a sweep: every model x experiment task x power level x repeat, one at a time.

    Each finished run is appended to benchmarks/<experiment>/llm_benchmark_runs.jsonl and
    fsynced before the next starts. Rerunning the same command resumes where it stopped.
    Ctrl-C stops cleanly (exit code 130); completed runs are kept.
    """
    from jarri.config import load_sweep_file, make_config, split_list
    from jarri.runner.progress import ConsoleProgress
    from jarri.runner.signals import SignalGuard
    from jarri.runner.sweep import execute, prepare

    values: dict[str, Any] = load_sweep_file(config_file) if config_file else {}
    if options.get("think") is not None and options.get("think_level") is not None:
        raise click.UsageError("give --think/--no-think or --think-level, not both")
    for key, value in options.items():
        if value is None or (key == "suite_dirs" and not value):
            continue
        if key == "think_level":
            key = "think"
        if key in _LISTS:
            value = split_list(value)
        elif key == "gpu_indices":
            try:
                value = [int(v) for v in split_list(value) or []]
            except ValueError:
                raise click.BadParameter("use integers, e.g. 0,1",
                                         param_hint="--gpu-indices") from None
        elif key == "suite_dirs":
            value = [str(v) for v in value]
        elif key == "workspace":
            value = str(value)
        values[key] = value
    if "models" not in values:
        raise click.UsageError("no models given: use --models NAME[,NAME...] or a --config file")
    cfg: SweepConfig = make_config(values, str(config_file) if config_file else "command line")
    if cfg.ray is not None:
        _run_fleet(cfg, dry_run)
        return
    if "ray_workers" in values or "ray_resource" in values or "ray_restart_timeout_s" in values:
        raise click.UsageError("--ray-workers, --ray-resource and --ray-restart-timeout-s "
                               "need --ray")
    # Signals during the preparation (which may load a model to read its metadata) stop
    # it too, even when they arrive inside a native call (runner/signals.py).
    with SignalGuard() as guard:
        prepared = prepare(cfg, dry_run=dry_run)
        try:
            guard.check()
        except SweepInterrupted:
            prepared.release()
            prepared.backend.close()
            raise
    _print_plan(prepared)
    if dry_run:
        _print_dry_run(prepared)
        prepared.backend.close()
        return
    if not prepared.todo:
        if prepared.summary.total == 0 and cfg.shard:
            out.print(f"nothing to run: shard {cfg.shard} holds none of this sweep's runs "
                      "(with more shards than runs some shards are empty)", markup=False)
        elif prepared.summary.total == 0:
            out.print("nothing to run: the plan is empty", markup=False)
        else:
            out.print("nothing to run: every planned run is already in the ledger "
                      "(use --fresh for a new sweep)", markup=False)
        prepared.release()
        prepared.backend.close()
        return
    _report(execute(prepared, ConsoleProgress(err)), len(prepared.todo))


def _report(result: SweepResult, planned: int) -> None:
    """What was written, where; the exit code of a sweep that did not finish."""
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(result.by_status.items())) or "none"
    out.print(f"wrote   {result.written} record(s) in {result.elapsed_s:.1f} s: {statuses}; "
              f"passed {result.passed}", markup=False)
    for ledger in sorted(result.ledgers):
        out.print(f"ledger  {ledger}", markup=False)
    if result.interrupted_by:
        left = planned - result.written
        err.print(f"interrupted by {result.interrupted_by}: {result.written} run(s) saved, "
                  f"{left} left; rerun the same command to resume", markup=False)
        sys.exit(130 if result.interrupted_by == "SIGINT" else 143)
    if result.abandoned:
        err.print(f"{len(result.abandoned)} run(s) were left after repeated worker deaths: "
                  f"{'; '.join(result.abandoned[:10])}; rerun the same command to run them",
                  markup=False)
        sys.exit(1)


def _print_fleet(f: FleetSweep) -> None:
    s = f.summary
    ref = f.reference
    out.print(f"sweep   {f.sweep_id}   backend {f.config.backend} "
              f"{ref.backend_version or ''}".rstrip() + f"   Ray {f.config.ray}"
              f"{' (started here)' if f.started_local else ''}", markup=False)
    for m, info in ref.infos.items():
        out.print(f"model   {m}  digest {info.digest or 'unknown'}  "
                  f"{info.quantization or ''} {info.parameter_size or ''}".rstrip(),
                  markup=False)
    levels = ",".join(lv.request for lv in f.power_levels if lv) or "none (GPUs left as they are)"
    out.print(
        f"plan    {s.total} runs = {s.models} model(s) x {s.tasks} task(s) in "
        f"{s.experiments} experiment(s) x {max(s.power_levels, 1)} power level(s) x "
        f"{s.repeats} repeat(s){' (shard ' + f.config.shard + ')' if f.config.shard else ''}",
        markup=False)
    out.print(f"resume  {s.already_done} already in the ledger, {s.to_run} to run", markup=False)
    out.print(f"levels  {levels}", markup=False)
    for lv in ref.levels:
        out.print(f"level   {lv.token.request} -> "
                  + ", ".join(f"{g.target_w:.0f} W{' (clamped)' if g.clamped else ''} of "
                              f"default {g.default_w:.0f} W" for g in lv.gpus)
                  + " on every worker", markup=False)
    changes = f.power_changes()
    for i, (w, q) in enumerate(zip(f.workers, f.queues, strict=True)):
        models = len({r.model for r in q})
        out.print(f"worker  w{i} {w.label} (pid {w.pid}, meter {w.meter}): {len(q)} run(s), "
                  f"{models} model load(s), {changes[i]} power-limit change(s)", markup=False)
    for note in f.notes:
        out.print(f"note    {note}", markup=False)


def _run_fleet(cfg: SweepConfig, dry_run: bool) -> None:
    from jarri.runner.fleet import execute_fleet, prepare_fleet
    from jarri.runner.progress import FleetProgress
    from jarri.runner.signals import SignalGuard
    from jarri.runner.sweep import sweep_id_for

    with SignalGuard() as guard:
        f = prepare_fleet(cfg, sweep_id_for(cfg), dry_run=dry_run, check=guard.check)
        try:
            guard.check()
        except SweepInterrupted:
            f.release()
            raise
    _print_fleet(f)
    if dry_run:
        for i, q in enumerate(f.queues):
            for r in q:
                out.print(f"{r.index:5d} w{i} {r.model} {r.task.experiment_id}/{r.task.task_id} "
                          f"r{r.repeat_index} power {r.power.request if r.power else '-'} "
                          f"key {r.run_key[:12]}", markup=False)
        f.release()
        return
    if not f.todo:
        out.print("nothing to run: every planned run is already in the ledger "
                  "(use --fresh for a new sweep)" if f.summary.total else
                  "nothing to run: the plan is empty", markup=False)
        f.release()
        return
    progress = FleetProgress(err)
    progress.workers([w.label for w in f.workers], [len(q) for q in f.queues])
    _report(execute_fleet(f, progress), len(f.todo))
