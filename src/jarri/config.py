"""A sweep's settings: one model for the CLI options and the TOML sweep file.

Keys in the TOML file are the CLI's long option names with underscores (``max_output_tokens``),
so ``jarri run --help`` documents both. Options given on the command line win over the file.
"""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jarri.backends.base import DEFAULT_THINKING_TOKENS
from jarri.backends.keep_alive import parse_keep_alive
from jarri.backends.think_policy import parse_think
from jarri.errors import ConfigError
from jarri.ledger.record import Backend


def default_sweep_name() -> str:
    # Host-specific by default, so two hosts' ledgers never share run ids by accident; give
    # the same --sweep on every host to split one sweep with --shard.
    return f"default@{socket.gethostname()}"


class SweepConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[str] = Field(min_length=1)
    experiments: list[str] = Field(default_factory=lambda: ["smoke_v1"], min_length=1)
    repeats: int = Field(default=1, ge=1, le=1000)
    tdp_levels: list[str] | None = None
    backend: Backend = "llamacpp"
    mock_file: str | None = None  # the mock backend's script (backends/mock.py)
    base_url: str | None = None
    ollama_api: Literal["chat", "generate"] = "chat"
    openai_endpoint: Literal["chat", "completions"] = "chat"
    openai_stream: bool = True
    # A number of seconds or a Go duration (backends/keep_alive.py); checked before a sweep.
    keep_alive: int | float | str = "10m"
    sweep: str | None = Field(default=None, min_length=1, max_length=200)
    fresh: bool = False
    max_output_tokens: int = Field(default=256, ge=1, le=131072)
    num_ctx: int = Field(default=2048, ge=64, le=1048576)
    seed: int = 42
    temperature: float = Field(default=0.0, ge=0, le=2)
    top_k: int = Field(default=1, ge=0)
    top_p: float = Field(default=1.0, gt=0, le=1)
    # true/false or a level (backends/think_policy.py); unset: the model's own default,
    # decided and recorded per model.
    think: bool | str | None = None
    max_thinking_tokens: int = Field(default=DEFAULT_THINKING_TOKENS, ge=1, le=1048576)
    # A finite deadline: inf or 1e300 would overflow the clock arithmetic of the backends.
    timeout_s: float = Field(default=300.0, gt=0, le=86400, allow_inf_nan=False)
    shard: str | None = None
    suite_dirs: list[str] = Field(default_factory=list)
    workspace: str = "."
    retry_failed: bool = False
    warmup: bool = True
    # The warm-up (the model's load) has its own deadline: a cold 8B load can take longer
    # than a run may, and a client that gives up mid-load aborts it in Ollama's scheduler.
    load_timeout_s: float = Field(default=600.0, gt=0, le=86400, allow_inf_nan=False)
    gpu_indices: list[int] | None = None
    settle_s: float = Field(default=2.0, ge=0, le=600)
    idle_s: float = Field(default=5.0, ge=0, le=600)
    require_full_gpu: bool = False
    # A sweep over a Ray cluster (runner/fleet.py): "auto" or the cluster's address.
    ray: str | None = Field(default=None, min_length=1, max_length=500)
    ray_workers: int | None = Field(default=None, ge=1, le=4096)
    ray_resource: str | None = Field(default=None, min_length=1, max_length=200)
    # How long a lost fleet worker may take to come back before its cells move to the others.
    ray_restart_timeout_s: float = Field(default=300.0, gt=0, le=86400, allow_inf_nan=False)

    @field_validator("think", mode="before")
    @classmethod
    def _think(cls, v: object) -> bool | str | None:
        return parse_think(v)

    @field_validator("keep_alive", mode="before")
    @classmethod
    def _keep_alive(cls, v: object) -> int | float | str:
        return parse_keep_alive(v)

    @field_validator("models", "experiments")
    @classmethod
    def _no_blanks(cls, v: list[str]) -> list[str]:
        out = [s.strip() for s in v]
        if any(not s for s in out):
            raise ValueError("empty name in list")
        if len(set(out)) != len(out):
            raise ValueError("a name is given twice")
        return out


def split_list(value: str | None) -> list[str] | None:
    """'a,b' -> ['a', 'b']; None stays None."""
    if value is None:
        return None
    return [p.strip() for p in value.split(",")]


def load_sweep_file(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read sweep file {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"sweep file {path} is not valid TOML: {exc}") from exc
    return data


def make_config(values: dict[str, object], source: str) -> SweepConfig:
    try:
        return SweepConfig.model_validate(values)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
            lines.append(f"{source}: field '{loc}': {e['msg']}")
        raise ConfigError("invalid sweep settings:\n  " + "\n  ".join(lines),
                          hint="see 'jarri run --help' for every setting and its default") \
            from None
