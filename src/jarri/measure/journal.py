"""The restore journal: what the power limits were before Jarri changed them.

Written (and fsynced) *before* the first change, removed after a verified restore. If a
sweep dies without restoring (SIGKILL, power loss), the next ``jarri run`` — or an explicit
``jarri power restore`` — finds it and puts the limits back.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def journal_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "jarri" / "power_restore.json"


def read(path: Path) -> dict[str, float]:
    """{gpu uuid: original limit in W}; empty if there is nothing to restore."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.get("original_limits_w", {}).items()}


def write(path: Path, originals: dict[str, float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"original_limits_w": originals, "pid": os.getpid()}, fh, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def clear(path: Path) -> None:
    path.unlink(missing_ok=True)
