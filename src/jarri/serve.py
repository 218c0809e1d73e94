"""A loopback static server for the UI folder only."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class UIHandler(SimpleHTTPRequestHandler):
    """Serves files under one folder; symlinks leading out of it are refused."""

    def translate_path(self, path: str) -> str:
        # The base class already drops '..' components; resolving catches symlinks too.
        full = Path(super().translate_path(path)).resolve()
        root = Path(self.directory).resolve()
        if full != root and root not in full.parents:
            return str(root / "__outside_ui_folder__")  # does not exist -> 404
        return str(full)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        return None


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    handler = functools.partial(UIHandler, directory=str(folder))
    return ThreadingHTTPServer((host, port), handler)
