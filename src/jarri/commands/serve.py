"""``jarri serve``: show the UI on a loopback address."""

from __future__ import annotations

import errno
from pathlib import Path

import click

from jarri.commands.console import out
from jarri.errors import ConfigError
from jarri.paths import Workspace


@click.command()
@click.option("--workspace", "-w", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder holding benchmark_ui/.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; loopback unless you say otherwise.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="TCP port (0: any free port; the address it got is printed).")
def serve(workspace: Path, host: str, port: int) -> None:
    """Serve benchmark_ui/ (and nothing else) over HTTP. Run 'jarri rebuild' first."""
    from jarri.serve import make_server

    ui = Workspace(workspace).ui
    if not (ui / "index.html").is_file():
        raise ConfigError(f"no UI in {ui}", hint="run 'jarri rebuild' in the workspace first")
    try:
        server = make_server(ui, host, port)
    except OSError as exc:
        # A taken port (EADDRINUSE) or a forbidden one (EACCES) is the port's fault; anything
        # else (an unknown name, an address this machine does not have) is the host's.
        port_fault = exc.errno in (errno.EADDRINUSE, errno.EACCES)
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                          hint="choose another --port" if port_fault else
                          "give --host an address of this machine, e.g. 127.0.0.1") from exc
    bound_port = server.server_address[1]
    out.print(f"serving {ui} at http://{host}:{bound_port}/ (Ctrl-C to stop)", markup=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
