"""``jarri serve``: show the UI on a loopback address."""

from __future__ import annotations

from pathlib import Path

import click

from jarri.commands.console import out
from jarri.errors import ConfigError
from jarri.paths import Workspace
from jarri.serve import make_server


@click.command()
@click.option("--workspace", "-w", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder holding benchmark_ui/.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; loopback unless you say otherwise.")
@click.option("--port", type=int, default=8000, show_default=True, help="TCP port.")
def serve(workspace: Path, host: str, port: int) -> None:
    """Serve benchmark_ui/ (and nothing else) over HTTP. Run 'jarri rebuild' first."""
    ui = Workspace(workspace).ui
    if not (ui / "index.html").is_file():
        raise ConfigError(f"no UI in {ui}", hint="run 'jarri rebuild' in the workspace first")
    try:
        server = make_server(ui, host, port)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}",
                          hint="choose another --port") from exc
    out.print(f"serving {ui} at http://{host}:{port}/ (Ctrl-C to stop)", markup=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
