"""``casebook serve``: a local web app and JSON API over an open index (read-only)."""

from __future__ import annotations

import socket
from typing import Any

from casebook.errors import CasebookError
from casebook.web.app import create_app


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, or one line saying the address is taken (checked before the
    server starts, so no traceback and no half-started server)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise CasebookError(
                f"port {port} on {host} is already in use: pass another --port"
            ) from e
        raise CasebookError(f"cannot listen on {host}:{port} ({e.strerror or e})") from e
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(engine: Any, sock: socket.socket, *, log: bool = False) -> None:
    """Serve the app on ``sock`` until interrupted (Ctrl-C)."""
    import uvicorn

    config = uvicorn.Config(
        create_app(engine), log_level="info" if log else "warning", access_log=log, lifespan="off"
    )
    uvicorn.Server(config).run(sockets=[sock])
