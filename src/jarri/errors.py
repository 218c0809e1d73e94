"""One exception tree for everything Jarri raises on purpose.

    JarriError                      base; ``exit_code`` is what the CLI exits with
    ├── ConfigError                 bad option, bad TOML sweep file, bad power-limit token
    │   └── PowerLimitUnavailable   --tdp-levels asked for, but no NVIDIA GPU/NVML here
    ├── SuiteError                  a manifest or task file is missing or malformed
    │   └── UnknownExperiment       an experiment id that no suite folder provides
    ├── BackendError                a backend cannot be used at all (before a sweep starts)
    │   ├── BackendUnavailable      server unreachable, engine not installed
    │   └── UnknownModel            the backend does not have that model
    ├── LedgerError                 a ledger cannot be opened, locked or written
    └── SweepInterrupted            Ctrl-C / SIGTERM; carries the signal's exit code

Per-run problems (a timeout, an HTTP 500, an evaluator crash) are *not* exceptions once a
sweep runs: they become data in the run record. These classes are for problems that must stop
the program before anything is half-written, each with a message that names the file, field
or thing and says how to fix it.
"""

from __future__ import annotations


class JarriError(Exception):
    """Base of every deliberate Jarri error."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  fix: {self.hint}"
        return self.message


class ConfigError(JarriError):
    """An option, a sweep file or a token is invalid."""


class PowerLimitUnavailable(ConfigError):
    """Power limits were requested on a machine that cannot set them."""


class SuiteError(JarriError):
    """An experiment folder, manifest, prompt or ground-truth file is invalid."""

    def __init__(self, message: str, *, hint: str | None = None,
                 problems: list[str] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems or []

    def __str__(self) -> str:
        lines = [super().__str__()]
        lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


class UnknownExperiment(SuiteError):
    """No known suite folder provides this experiment id."""


class BackendError(JarriError):
    """A backend cannot be used at all."""


class BackendUnavailable(BackendError):
    """The server does not answer, or the engine is not installed."""


class UnknownModel(BackendError):
    """The backend does not know the requested model."""


class LedgerError(JarriError):
    """A ledger cannot be opened, locked or appended to."""


class SweepInterrupted(JarriError):
    """The sweep was stopped by a signal; completed runs are safely on disk."""

    def __init__(self, signal_name: str, exit_code: int) -> None:
        super().__init__(f"sweep interrupted by {signal_name}")
        self.signal_name = signal_name
        self.exit_code = exit_code
