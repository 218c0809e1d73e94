"""What this machine offers for measurement: NVML (GPUs, identity, energy counter, limits)
or nothing, with the reason. The factory picks the best meter available."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from jarri.errors import ConfigError
from jarri.measure.meter import EnergyMeter, NullMeter
from jarri.measure.nvml import GpuIdentity, Nvml, NvmlError, NvmlNotSupported
from jarri.measure.nvml_meter import NvmlEnergyMeter


@dataclass
class GpuSetup:
    nvml: Nvml | None
    reason: str                     # why there is (or is not) a usable GPU
    indices: list[int] = field(default_factory=list)
    identities: list[GpuIdentity] = field(default_factory=list)

    @property
    def first(self) -> GpuIdentity | None:
        return self.identities[0] if self.identities else None


def open_gpus(indices: Sequence[int] | None = None) -> GpuSetup:
    try:
        nvml = Nvml().init()
    except ImportError:
        return GpuSetup(None, "nvidia-ml-py is not installed (pip install 'jarri[nvidia]')")
    except NvmlError as exc:
        return GpuSetup(None, f"NVML is not available: {exc.message}")
    except Exception as exc:  # noqa: BLE001 - any failure to start NVML means: no GPU here
        return GpuSetup(None, f"NVML is not available: {exc}")
    count = nvml.count()
    if count == 0:
        return GpuSetup(None, "NVML reports no NVIDIA GPU")
    chosen = list(indices) if indices else list(range(count))
    bad = [i for i in chosen if not 0 <= i < count]
    if bad:
        raise ConfigError(f"--gpu-indices {bad} do not exist: this machine has GPUs 0-{count - 1}")
    return GpuSetup(nvml, f"NVML reports {count} NVIDIA GPU(s)", chosen,
                    [nvml.identity(i) for i in chosen])


def best_meter_for(gpus: GpuSetup) -> EnergyMeter:
    """NVML energy counter if it works here; otherwise the null meter with the reason."""
    if gpus.nvml is None:
        return NullMeter(f"no GPU energy meter: {gpus.reason}")
    try:
        for i in gpus.indices:
            gpus.nvml.energy_j(i)
    except NvmlNotSupported as exc:
        return NullMeter(f"the NVML energy counter is not supported here ({exc.message})")
    return NvmlEnergyMeter(gpus.nvml, gpus.indices)
