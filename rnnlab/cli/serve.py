"""`rnnlab serve`: the lab in a browser (rnnlab/cli/webserver.py), safe by default on a shared
box: loopback unless told otherwise, a secret token always (other accounts reach loopback too;
`--no-token` says otherwise, with a warning), and files opened only in the runs root and the
`--data-root` folders."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt
from rnnlab.errors import UserError

# secrets.token_urlsafe(24): 32 characters, 192 bits. A token given by hand must not be guessable.
MIN_TOKEN_LEN = 16


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    token: Annotated[Optional[str], typer.Option("--token", help="Secret every request must carry (default: $RNNLAB_TOKEN, else one is generated and printed in the URL).", show_default=False)] = None,
    no_token: Annotated[bool, typer.Option("--no-token", help="Serve without a token: anyone who reaches the port (every account on this machine) drives the lab as you.")] = False,
    data_root: Annotated[Optional[list[Path]], typer.Option("--data-root", metavar="DIR", help="A folder the lab may open corpora and CSVs in (repeatable; the runs root always).", show_default=False)] = None,
    runs_dir: RunsDirOpt = None,
) -> None:
    """Serve the lab to a browser: each tab gets its own lab on the runs root.

    \b
    rnnlab serve                         prints http://127.0.0.1:8000/?token=... (this machine only)
    ssh -L 8000:127.0.0.1:8000 gpubox    then open http://localhost:8000/?token=... on the laptop
    rnnlab serve --host 0.0.0.0          every address; prints http://HOST:8000/?token=...
    rnnlab serve --data-root ~/corpora   the lab may open files there too (not only the runs root)
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
    if no_token and token is not None:
        raise UserError(f"--no-token and {where} contradict each other; give one")
    roots = []
    for d in data_root or []:
        if not d.expanduser().is_dir():
            raise UserError(f"--data-root {d}: no such folder; give a folder the lab may open corpora and CSVs in")
        roots.append(d.expanduser().resolve())
    if no_token:
        print(f"warning: --no-token: anyone who can reach {host}:{port} drives this lab as you "
              f"(launch, stop, delete runs, read files under its roots){'; on loopback that is every account on this machine' if is_loopback(host) else ''}",
              file=sys.stderr, flush=True)
    elif token is None:
        token = secrets.token_urlsafe(24)
    serve(runs_root(runs_dir).resolve(), host, port, token, roots)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
