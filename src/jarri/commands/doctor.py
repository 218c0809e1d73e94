"""``jarri doctor``: which backends answer, which models they have, whether energy can be
measured — and why not."""

from __future__ import annotations

import click

from jarri.backends import make_backend
from jarri.commands.console import out
from jarri.commands.power import journal_state
from jarri.errors import JarriError


def _probe(name: str, base_url: str | None) -> tuple[str, str, str]:
    try:
        # a short wait for a server still loading its model: doctor only looks
        backend = make_backend(name, base_url=base_url if name != "llamacpp" else None,
                               load_timeout_s=5.0)
    except JarriError as exc:
        return "unavailable", exc.message, exc.hint or ""
    try:
        version = backend.version() or "answers (version unknown)"
        models = backend.list_models()
        return "ok", version, ", ".join(models) or "(no models)"
    except JarriError as exc:
        return "unavailable", exc.message, exc.hint or ""
    finally:
        backend.close()


@click.command()
@click.option("--ollama-url", default=None, help="Ollama URL.  [default: $OLLAMA_HOST or "
              "http://127.0.0.1:11434]")
@click.option("--openai-url", default=None, help="OpenAI-compatible server URL.  "
              "[default: http://127.0.0.1:8080]")
def doctor(ollama_url: str | None, openai_url: str | None) -> None:
    """Check this machine: backends, models, energy measurement."""
    from rich.table import Table

    from jarri.measure import journal
    from jarri.measure.gpu import best_meter_for, open_gpus

    table = Table("backend", "state", "version / problem", "models / fix")
    for name, url in (("llamacpp", None), ("ollama", ollama_url), ("openai", openai_url)):
        table.add_row(name, *_probe(name, url))
    out.print(table)
    gpus = open_gpus()
    meter = best_meter_for(gpus)
    out.print(f"GPU     {'yes' if gpus.nvml else 'no'}: {gpus.reason}", markup=False)
    for g in gpus.identities:
        lim = gpus.nvml.limits(g.index) if gpus.nvml else None
        out.print(f"  GPU {g.index}: {g.name} {g.uuid}, driver {g.driver_version}, "
                  f"{g.memory_total_mib} MiB" + (f"; power limit {lim.enforced_w:.0f} W "
                  f"(default {lim.default_w:.0f}, range {lim.min_w:.0f}-{lim.max_w:.0f})"
                  if lim else ""), markup=False)
    out.print(f"energy  meter '{meter.method}': "
              f"{getattr(meter, 'reason', 'NVML energy counter read at each run window edge')}",
              markup=False)
    out.print("power   limits are set through NVML and need root (or CAP_SYS_ADMIN); "
              f"restore journal ({journal.journal_path()}): {journal_state()}", markup=False)
