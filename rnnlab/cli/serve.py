"""`rnnlab serve`: the lab in a browser (rnnlab/cli/webserver.py), safe by default: loopback
unless told otherwise, and a secret token whenever it listens beyond this machine."""

from __future__ import annotations

import os
import secrets
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt
from rnnlab.errors import UserError

# secrets.token_urlsafe(24): 32 characters, 192 bits. A token given by hand must not be guessable.
MIN_TOKEN_LEN = 16


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but loopback needs a token (one is generated and printed).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    token: Annotated[Optional[str], typer.Option("--token", help="Secret every request must carry (default: $RNNLAB_TOKEN; generated on a non-loopback --host).", show_default=False)] = None,
    runs_dir: RunsDirOpt = None,
) -> None:
    """Serve the lab to a browser: each tab gets its own lab on the runs root.

    \b
    rnnlab serve                         http://127.0.0.1:8000/ on this machine only
    ssh -L 8000:127.0.0.1:8000 gpubox    then open http://localhost:8000/ on the laptop
    rnnlab serve --host 0.0.0.0          every address; prints http://HOST:8000/?token=...
    """
    from rnnlab.cli.webserver import TOKEN_ENV, is_loopback, serve
    from rnnlab.runs.paths import runs_root

    if not 0 < port < 65536:
        raise UserError(f"--port {port} is not a port; expected 1-65535 (e.g. --port 8000)")
    where = "--token"
    if token is None and os.environ.get(TOKEN_ENV):
        token, where = os.environ[TOKEN_ENV], f"${TOKEN_ENV}"
    if token is not None and any(c.isspace() or not c.isprintable() for c in token):
        raise UserError(f"{where} has spaces or control characters; use letters, digits and punctuation "
                        f"(at least {MIN_TOKEN_LEN}), or leave it out on a non-loopback --host and one is generated")
    if token is not None and len(token) < MIN_TOKEN_LEN:
        raise UserError(f"{where} is {len(token)} characters; a token needs at least {MIN_TOKEN_LEN} "
                        f"(leave it out on a non-loopback --host and one is generated)")
    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(24)
    serve(runs_root(runs_dir).resolve(), host, port, token)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
