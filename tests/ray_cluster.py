"""A real local Ray cluster for the fleet tests: ``ray start --head`` with fake GPU resources
(Ray schedules ``num_gpus`` by count; no GPU is needed), stopped afterwards.

The workers' environment is the head's (set when it starts): which NVML they import (the
scripted stand-in, or the driverless one), the stand-in's state file and the journal folder.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RAY = str(Path(sys.executable).parent / "ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(env: dict[str, str]) -> None:
    subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True, timeout=120,
                   stdin=subprocess.DEVNULL)


# The head declares a node dead after this many missed health checks this far apart (Ray's
# defaults take about 15 s; a node-loss test needs less).
FAST_HEALTH = {"RAY_health_check_period_ms": "500", "RAY_health_check_timeout_ms": "500",
               "RAY_health_check_failure_threshold": "3"}


def add_node(env: dict[str, str], address: str, gpus: int, resource: str) -> None:
    """Another node (its own raylet) on this machine, carrying a resource of its own."""
    r = subprocess.run([RAY, "start", f"--address={address}", "--node-ip-address=127.0.0.1",
                        "--num-cpus", "1", f"--num-gpus={gpus}",
                        f"--resources={{\"{resource}\": 1}}", "--disable-usage-stats"],
                       env=env, capture_output=True, text=True, timeout=180,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise RuntimeError(f"ray start --address failed ({r.returncode}):\n{r.stdout}\n"
                           f"{r.stderr}")


def raylet_pid(resource: str) -> int:
    """The raylet of the node that carries this resource."""
    r = subprocess.run(["pgrep", "-f", f"raylet.*{resource}"], capture_output=True, text=True)
    pids = [int(p) for p in r.stdout.split()]
    if len(pids) != 1:
        raise RuntimeError(f"expected one raylet with {resource!r}, found {pids}")
    return pids[0]


@contextmanager
def ray_cluster(env: dict[str, str], gpus: int = 2) -> Iterator[tuple[str, dict[str, str]]]:
    """Start a head with ``gpus`` fake GPUs on 127.0.0.1; yields its address (HOST:PORT) and
    the environment a driver needs to join it (Ray's token authentication, with a token of
    this cluster's own: Ray's rule for an explicit address is RAY_AUTH_MODE=token plus the
    token, docs/fleet.md)."""
    env = {**env, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    _stop(env)  # a cluster left by an interrupted run would take the GPUs
    port = _free_port()
    r = subprocess.run([RAY, "start", "--head", "--node-ip-address=127.0.0.1", "--port",
                        str(port), "--num-cpus", "2", f"--num-gpus={gpus}",
                        "--include-dashboard=false", "--disable-usage-stats"],
                       env=env, capture_output=True, text=True, timeout=180,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        _stop(env)
        raise RuntimeError(f"ray start failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    try:
        yield f"127.0.0.1:{port}", env
    finally:
        _stop(env)


def worker_pids() -> list[int]:
    """The fleet workers' processes (Ray names an actor's process after its class)."""
    r = subprocess.run(["pgrep", "-f", "ray::FleetWorker"], capture_output=True, text=True)
    return sorted(int(p) for p in r.stdout.split())

