"""Content-addressed store for raw outputs (answer text, thinking trace).

Texts live beside the ledger at ``outputs/<sha[:2]>/<sha>.txt``. A file's name is the sha256
of its bytes, so nothing can overwrite an output with different content, and re-runs that
produce the same answer share one file.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ContentStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.txt"

    def put(self, text: str) -> str:
        """Store text durably (tmp + fsync + rename); returns its sha256."""
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
        return digest

    def get(self, sha256: str) -> str:
        return self.path_for(sha256).read_text(encoding="utf-8")
