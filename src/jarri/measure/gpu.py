"""What this machine offers for measurement: NVML (GPUs, identity, energy counter, limits)
or nothing, with the reason. The factory picks the best meter available."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jarri.errors import ConfigError
from jarri.measure.meter import EnergyMeter, NullMeter
from jarri.measure.nvml import GpuIdentity, Nvml, NvmlError, NvmlNotSupported
from jarri.measure.nvml_meter import NvmlEnergyMeter
from jarri.measure.rapl import ROOT as RAPL_ROOT
from jarri.measure.rapl import RaplMeter, RaplUnavailable
from jarri.measure.sampler import SampledPowerMeter


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


def best_meter_for(gpus: GpuSetup, rapl_root: Path = RAPL_ROOT) -> EnergyMeter:
    """The NVML energy counter; else NVML power sampling; else CPU RAPL; else the null meter
    with every reason."""
    if gpus.nvml is not None:
        nvml = gpus.nvml
        try:
            for i in gpus.indices:
                nvml.energy_j(i)
            return NvmlEnergyMeter(nvml, gpus.indices)
        except NvmlNotSupported as exc:
            why = exc.message
        try:
            for i in gpus.indices:
                nvml.power_instant_w(i)
            return SampledPowerMeter(lambda: sum(nvml.power_instant_w(i) for i in gpus.indices))
        except NvmlError as exc:
            gpu_why = f"NVML offers neither the energy counter ({why}) nor power ({exc.message})"
    else:
        gpu_why = gpus.reason
    try:
        return RaplMeter(rapl_root)
    except RaplUnavailable as exc:
        return NullMeter(f"no GPU energy meter ({gpu_why}); no CPU RAPL ({exc})")
