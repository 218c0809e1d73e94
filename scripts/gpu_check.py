#!/usr/bin/env python3
"""Exercise the real NVML path on a machine with an NVIDIA GPU, and print a table.

Needs only nvidia-ml-py (import name pynvml); PyTorch is optional (for a synthetic load).
No network. Read-only unless --apply is given: it reads identity and power limits, measures
the energy counter's update period and idle power, runs a short GPU load if torch is present
(comparing the energy counter with integrated power samples), and resolves power-limit
tokens to watts. With --apply it applies each resolved limit, reads it back, and restores
the original limit in a `finally` (never use --apply on a shared machine).

    python scripts/gpu_check.py [--gpu 0] [--tokens 60,80,100,250w] [--load-s 4] [--apply]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import threading
import time


def _text(v: object) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def row(name: str, value: object) -> None:
    print(f"| {name:<38} | {value!s:<60} |")


def counter_period_ms(nvml, h, seconds: float = 1.5) -> tuple[float, float]:
    """(median ms between counter changes, median cost of one read in ms)."""
    changes, costs = [], []
    last = nvml.nvmlDeviceGetTotalEnergyConsumption(h)
    t_last = time.perf_counter()
    end = t_last + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        v = nvml.nvmlDeviceGetTotalEnergyConsumption(h)
        costs.append(time.perf_counter() - t0)
        if v != last:
            now = time.perf_counter()
            changes.append(now - t_last)
            t_last, last = now, v
    return (1000 * statistics.median(changes) if changes else float("nan"),
            1000 * statistics.median(costs))


def counter_window(nvml, h, seconds: float, work=None) -> tuple[float, float, float]:
    """(joules from the counter, sampled joules from instant power every 10 ms, window s)."""
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.perf_counter(), nvml.nvmlDeviceGetPowerUsage(h) / 1000))
            stop.wait(0.01)

    th = threading.Thread(target=sample, daemon=True)
    e0 = nvml.nvmlDeviceGetTotalEnergyConsumption(h)
    t0 = time.perf_counter()
    th.start()
    if work is None:
        time.sleep(seconds)
    else:
        work(seconds)
    e1 = nvml.nvmlDeviceGetTotalEnergyConsumption(h)
    t1 = time.perf_counter()
    stop.set()
    th.join()
    sampled = sum((b[0] - a[0]) * (a[1] + b[1]) / 2
                  for a, b in zip(samples, samples[1:], strict=False))
    return (e1 - e0) / 1000, sampled, t1 - t0


def torch_load():  # noqa: ANN201
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None

    def work(seconds: float) -> None:
        a = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            a = a @ a
            a = a / a.norm()
            torch.cuda.synchronize()

    return work


def resolve(token: str, default_w: float, lo: float, hi: float) -> tuple[float, bool]:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([wW])?", token.strip())
    if not m or float(m.group(1)) <= 0:
        raise SystemExit(f"invalid token {token!r}")
    want = float(m.group(1)) if m.group(2) else float(m.group(1)) / 100 * default_w
    got = float(round(min(max(want, lo), hi)))
    return got, abs(got - round(want)) >= 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gpu", type=int, default=0)
    ap.add_argument("--tokens", default="60,80,100,250w")
    ap.add_argument("--idle-s", type=float, default=3.0)
    ap.add_argument("--load-s", type=float, default=4.0)
    ap.add_argument("--apply", action="store_true", help="apply each limit, read back, restore")
    args = ap.parse_args()
    import pynvml as nvml

    nvml.nvmlInit()
    try:
        h = nvml.nvmlDeviceGetHandleByIndex(args.gpu)
        print(f"| {'check':<38} | {'value':<60} |\n|{'-' * 40}|{'-' * 62}|")
        row("GPU count", nvml.nvmlDeviceGetCount())
        row("name", _text(nvml.nvmlDeviceGetName(h)))
        row("uuid", _text(nvml.nvmlDeviceGetUUID(h)))
        row("driver", _text(nvml.nvmlSystemGetDriverVersion()))
        row("memory total (MiB)", nvml.nvmlDeviceGetMemoryInfo(h).total // 2**20)
        default_w = nvml.nvmlDeviceGetPowerManagementDefaultLimit(h) / 1000
        lo, hi = (v / 1000 for v in nvml.nvmlDeviceGetPowerManagementLimitConstraints(h))
        enforced = nvml.nvmlDeviceGetEnforcedPowerLimit(h) / 1000
        row("power limit enforced / default (W)", f"{enforced:.0f} / {default_w:.0f}")
        row("power limit range (W)", f"{lo:.0f} - {hi:.0f}")
        period, cost = counter_period_ms(nvml, h)
        row("energy counter update period (ms)", f"{period:.1f} (median)")
        row("energy counter read cost (ms)", f"{cost:.3f} (median)")
        e, s, w = counter_window(nvml, h, args.idle_s)
        row(f"idle power over {w:.1f} s (W)", f"counter {e / w:.1f}, sampled 1 s avg {s / w:.1f}")
        work = torch_load()
        if work is None:
            row("synthetic load", "skipped (no torch with CUDA)")
        else:
            work(0.5)  # warm-up
            e, s, w = counter_window(nvml, h, args.load_s, work)
            row(f"load over {w:.1f} s: counter (J)", f"{e:.1f} ({e / w:.0f} W)")
            row(f"load over {w:.1f} s: sampled power (J)",
                f"{s:.1f} ({100 * (s - e) / e:+.1f}% vs counter)")
        for token in args.tokens.split(","):
            watts, clamped = resolve(token, default_w, lo, hi)
            row(f"token {token}", f"{watts:.0f} W{' (clamped)' if clamped else ''}"
                                  f"{'' if args.apply else ' (not applied)'}")
        if args.apply:
            try:
                for token in args.tokens.split(","):
                    watts, _ = resolve(token, default_w, lo, hi)
                    nvml.nvmlDeviceSetPowerManagementLimit(h, int(watts * 1000))
                    back = nvml.nvmlDeviceGetEnforcedPowerLimit(h) / 1000
                    row(f"apply {token}", f"set {watts:.0f} W, reads back {back:.0f} W")
            finally:
                nvml.nvmlDeviceSetPowerManagementLimit(h, int(enforced * 1000))
                row("restored (W)", nvml.nvmlDeviceGetEnforcedPowerLimit(h) / 1000)
    finally:
        nvml.nvmlShutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
