"""Is the model's energy on this machine's meter? Only when the server runs here.

The meters (NVML, RAPL) measure this machine. A server behind a non-loopback URL may be
another host, and an Ollama cloud model (``remote_host`` in /api/tags and /api/show:
api/types.go ListModelResponse, ShowResponse) runs on someone else's GPU while the local
server only relays it: a run's window would hold this machine's idle draw, not the model's
energy. Such runs keep every correctness number; their energy is recorded as invalid, with
this reason.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from jarri.backends.base import Backend, ModelInfo

LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def backend_url(backend: Backend) -> str | None:
    url = getattr(backend, "base_url", None)  # the HTTP backends; the embedded one has none
    return url if isinstance(url, str) else None


def is_loopback(url: str) -> bool:
    host = (urlsplit(url if "//" in url else "http://" + url).hostname or "").lower()
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    # 0.0.0.0 and :: (OLLAMA_HOST=0.0.0.0, the usual way to share Ollama on a LAN) reach this
    # machine: Ollama's own client connects to loopback for them (envconfig ConnectableHost).
    return addr.is_loopback or addr.is_unspecified


def energy_elsewhere(backend_name: str, url: str | None, info: ModelInfo) -> str | None:
    """Why this model's energy is not measured here, or None when it is."""
    if info.remote_host:
        return (f"'{info.name}' is a cloud model: it runs at {info.remote_host}, not on "
                "this machine's GPU")
    if url is not None and not is_loopback(url):
        return (f"the {backend_name} server at {url} is not on this machine (not a loopback "
                "address), so this machine's meter does not see its energy")
    return None
