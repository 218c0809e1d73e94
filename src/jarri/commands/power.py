"""``jarri power``: show limits, restore what a crashed sweep left changed."""

from __future__ import annotations

import click

from jarri.commands.console import out
from jarri.errors import PowerLimitUnavailable
from jarri.measure import journal

# Heavy modules are imported inside the command, so '--help' starts at once.


@click.group()
def power() -> None:
    """GPU power limits: show them, or restore the ones a sweep left changed."""


@power.command()
def show() -> None:
    """Each GPU's enforced, default, minimum and maximum power limit (W)."""
    from jarri.measure.gpu import open_gpus

    gpus = open_gpus()
    if gpus.nvml is None:
        raise PowerLimitUnavailable(f"no GPU to show: {gpus.reason}")
    for g in gpus.identities:
        lim = gpus.nvml.limits(g.index)
        out.print(f"GPU {g.index} {g.name} {g.uuid}: {lim.enforced_w:.0f} W enforced, "
                  f"default {lim.default_w:.0f} W, range {lim.min_w:.0f}-{lim.max_w:.0f} W",
                  markup=False)
    out.print(f"journal {journal.journal_path()}: {journal_state()}", markup=False)


def journal_state() -> str:
    """What the restore journal holds, in words (a damaged journal says so)."""
    try:
        pending = journal.read(journal.journal_path())
    except journal.JournalError as exc:
        return f"DAMAGED: {exc}"
    if not pending:
        return "nothing to restore"
    return "limits to restore: " + ", ".join(f"{u} {w:.0f} W" for u, w in sorted(pending.items()))


@power.command()
@click.option("--discard", "discard", metavar="UUID", multiple=True,
              help="Drop this GPU's entry from the journal without restoring it (a card no "
                   "longer in the machine, or one whose limit you set by hand).")
def restore(discard: tuple[str, ...]) -> None:
    """Put back the power limits recorded in the restore journal (after a SIGKILL or a
    power loss); a normal sweep restores by itself."""
    for uuid in discard:
        watts = journal.discard(journal.journal_path(), uuid)
        out.print(f"discarded GPU {uuid} (original limit {watts:.0f} W) from the journal",
                  markup=False)
    if discard:
        return
    if not journal.read(journal.journal_path()):
        out.print(f"nothing to restore ({journal.journal_path()} is absent)", markup=False)
        return
    from jarri.measure.gpu import open_gpus
    from jarri.measure.power import restore_from_journal

    gpus = open_gpus()
    if gpus.nvml is None:
        raise PowerLimitUnavailable(f"the journal lists GPUs, but NVML is unusable: {gpus.reason}")
    for line in restore_from_journal(gpus.nvml):
        out.print(line, markup=False)
