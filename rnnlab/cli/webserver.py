"""The lab in a browser: textual-serve's server with a guard in front.

textual-serve starts one process per websocket (one per browser tab) running a shell command,
here `rnnlab --runs-dir ROOT`: the lab as in a terminal, talking to the page through Textual's
web driver. It does not know it is served.

What this module adds around textual-serve's aiohttp app (a subclass, not a fork):
- a token, always (loopback too: other accounts on a shared box reach loopback; `--no-token`
  is the owner's explicit choice). Every request (page, static files, websocket) must carry it
  as `Authorization: Bearer`, as `?token=`, or as a session cookie: a `?token=` visit to the page
  is answered with a redirect to `/` (the token leaves the address bar and history) and a
  session cookie holding a random session id, never the token (cookies are not scoped to
  ports: another local server could read it). Without any: 401; a wrong one: 403. The check
  runs before textual-serve's handlers, so a refused websocket launches nothing.
- nothing secret in a log: access log lines carry no query string.
- every response says `Content-Security-Policy: frame-ancestors 'none'` (with `default-src
  'self'`), `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`: no page may frame the lab
  (a framed loopback page passes the Origin check), and the page asks no other server (the
  font comes from textual-serve's own static files: our copy of its template, web/).
- the labs inherit RNNLAB_CONFINE (rnnlab/confine.py): they open files only in the runs root
  and the `--data-root` folders.
- a loopback bind answers only to loopback host names (a web page cannot reach it through DNS
  rebinding), and a websocket opened from another origin is refused (a page on another site
  must not drive the lab).
- the page's websocket address is the one the browser used (Host header), so an SSH
  port-forward to any local port works; textual-serve would put its bind address there.
- Ctrl-C closes every session, even those whose browser tab is still open: each lab is told to
  quit, any left after a grace period is terminated. Training workers live in their own
  sessions (rnnlab/runs/launch.py) and are never signalled.

Touches textual-serve internals (`_make_app`, `handle_index` reading `public_url`,
`handle_websocket`, the template's context): pinned in pyproject.toml, tested by
tests/test_serve.py and tests/test_serve_security.py.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import ipaddress
import logging
import os
import re
import secrets
import shlex
import socket
import sys
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote, urlencode, urlsplit

from aiohttp import web
from textual_serve.server import Server

from rnnlab import confine
from rnnlab.errors import UserError

TOKEN_ENV = "RNNLAB_TOKEN"
# Labs still running this long after being told to quit are terminated.
QUIT_GRACE_S = 3.0
TEMPLATES = Path(__file__).resolve().parent / "web"
HEADERS = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
# the page's own inline style and script (textual-serve's template) and its websocket; no other host
CSP = ("frame-ancestors 'none'; default-src 'self'; script-src 'self' 'unsafe-inline'; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' {ws}")
FRAMES = ("iframe", "frame", "embed", "object", "fencedframe")
_QUERY = re.compile(r"\?[^\s\"]*")


class RedactQuery(logging.Filter):
    """Access log lines without query strings (the request's and the Referer's): `GET
    /?token=...` is logged as `GET /?[redacted]`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = _QUERY.sub("?[redacted]", message), ()
        return True


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the server to this machine."""
    if host.lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def lab_command(runs_root: Path) -> str:
    """The shell command textual-serve runs for each browser tab (`exec`: the lab is the
    server's child itself, not a shell's). The terminal's Ctrl-C reaches the labs too (one
    process group): Textual's web driver takes SIGINT as "quit", an orderly exit."""
    argv = [sys.executable, "-m", "rnnlab", "--runs-dir", str(runs_root)]
    return "exec " + " ".join(shlex.quote(a) for a in argv)


class LabServer(Server):
    """textual-serve's Server with the token, host and origin checks and an orderly shutdown."""

    def __init__(self, runs_root: Path, host: str, port: int, token: Optional[str],
                 data_roots: Optional[list[Path]] = None) -> None:
        super().__init__(lab_command(runs_root), host=host, port=port, title="rnnlab", templates_path=TEMPLATES)
        self.runs_root = runs_root
        self.data_roots = list(data_roots or [])
        self.token = token
        self.cookie = f"rnnlab_session_{port}"  # cookies ignore ports: one name per server
        self.session_ids: set[str] = set()  # what the cookie holds: random, never the token
        self._sessions: dict[asyncio.Task, web.Request] = {}

    # ------------------------------------------------------------------ the guard

    def refusal(self, request: web.Request) -> Optional[web.Response]:
        """Why `request` may not go on (a response to send instead), or None."""
        if is_loopback(self.host) and not is_loopback((request.url.host or "").strip("[]")):
            return web.Response(status=403, text="this server answers to localhost only\n")
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin and urlsplit(origin).netloc != request.host:
            return web.Response(status=403, text="websocket from another origin\n")
        if request.headers.get("Sec-Fetch-Dest", "").lower() in FRAMES:
            # a browser loading the lab into another page's frame; the headers forbid showing it
            # anyway (older browsers send no Sec-Fetch-Dest), this refuses it outright
            return web.Response(status=403, text="the lab may not be shown in a frame\n")
        if self.token is None:
            return None
        session = request.cookies.get(self.cookie)
        if "token" not in request.query and session is not None and any(
                hmac.compare_digest(session.encode(), s.encode()) for s in self.session_ids):
            return None
        given = self.token_of(request)  # a ?token= is checked even beside a session: it mints one
        if given is None:
            return web.Response(status=401, text="token required: open the URL that `rnnlab serve` printed\n")
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return web.Response(status=403, text="wrong token\n")
        return None

    def token_of(self, request: web.Request) -> Optional[str]:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth.removeprefix("Bearer ").strip()
        return request.query.get("token")

    @web.middleware
    async def guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        if self.token is not None and "token" in request.query and request.path == "/":
            # the printed URL's visit: a session of its own, and the token out of the address bar
            session = secrets.token_urlsafe(32)
            self.session_ids.add(session)
            rest = [(k, v) for k, v in request.query.items() if k != "token"]
            response = web.Response(status=302, headers={"Location": "/" + (f"?{urlencode(rest)}" if rest else "")})
            response.set_cookie(self.cookie, session, httponly=True, samesite="Strict", path="/")
            return response
        return await handler(request)

    async def headers(self, request: web.Request, response: web.StreamResponse) -> None:
        """On every response, refusals and static files too: no framing, no referrer, and the
        page may reach only this server."""
        response.headers.update(HEADERS)
        response.headers["Content-Security-Policy"] = CSP.format(ws=f"ws://{request.host} wss://{request.host}")

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard)
        app.on_response_prepare.append(self.headers)
        return app

    # ------------------------------------------------------------------ textual-serve hooks

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        # textual-serve writes `public_url` into the page as the websocket's address; the
        # address the browser used is the one that reaches us (an SSH forward, 0.0.0.0 binds).
        # No await between this and textual-serve's read of it: no other request interleaves.
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        if task is not None:
            self._sessions[task] = request
        try:
            return await super().handle_websocket(request)
        finally:
            if task is not None:
                self._sessions.pop(task, None)

    async def on_startup(self, app: web.Application) -> None:
        # textual-serve's banner would print its bind address without the token
        for url in self.urls():
            print(f"rnnlab lab at {url}", flush=True)
        print(f"runs root: {self.runs_root}", flush=True)
        for root in self.data_roots:
            print(f"data root: {root}", flush=True)
        print("Ctrl-C stops the server and its lab sessions; training runs go on.", flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        # textual-serve's websocket handlers run until the browser goes, and aiohttp would wait
        # a minute for them. Dropping each connection ends its handler the ordinary way: it
        # tells its lab to quit and waits for it. (Cancelling the handler instead would make
        # it wait up to 10 s for the browser to acknowledge a close.)
        for request in self._sessions.values():
            if request.transport is not None:
                request.transport.close()
        if self._sessions:
            await asyncio.wait(list(self._sessions), timeout=QUIT_GRACE_S)
        for task in self._sessions:
            task.cancel()

    def urls(self) -> list[str]:
        # quoted: a token given by hand may hold '#', '&' or '+', which would cut the URL short
        query = f"/?token={quote(self.token, safe='')}" if self.token else "/"
        if self.host in ("0.0.0.0", ""):
            hosts = [socket.gethostname(), "127.0.0.1"]
        elif self.host == "::":  # asyncio binds IPv6 only (IPV6_V6ONLY): 127.0.0.1 is not served
            hosts = [socket.gethostname(), "::1"]
        else:
            hosts = [self.host]
        return [f"http://{'[' + h + ']' if ':' in h else h}:{self.port}{query}" for h in hosts]


def end_labs(grace_s: float = QUIT_GRACE_S) -> None:
    """Terminate lab processes this server started that are still running (direct children
    only: workers the labs launched are in their own sessions, never our children)."""
    import psutil

    me = psutil.Process()
    labs = [p for p in me.children(recursive=False)]
    for p in labs:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(labs, timeout=grace_s)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


def serve(runs_root: Path, host: str, port: int, token: Optional[str], data_roots: Optional[list[Path]] = None) -> None:
    """Serve the lab until Ctrl-C (or SIGTERM); then close its lab sessions."""
    # the labs inherit this environment: the token is the server's alone, and they open files
    # only in the runs root and the data roots (the lab does not know it is served)
    os.environ.pop(TOKEN_ENV, None)
    os.environ[confine.ENV] = confine.env_value([runs_root, *(data_roots or [])])
    logging.getLogger("aiohttp.access").addFilter(RedactQuery())
    # aiohttp runs the startup hook (our banner) before it binds: try the address first, so a
    # busy port or a wrong host is one error line, not a URL that leads to someone else's server
    try:
        check_bind(host, port)
    except socket.gaierror as err:
        raise UserError(_host_error(host, err)) from None
    except OSError as err:
        raise UserError(_bind_error(host, port, err)) from None
    server = LabServer(runs_root, host, port, token, data_roots)
    try:
        server.serve()
    except socket.gaierror as err:
        raise UserError(_host_error(host, err)) from None
    except OSError as err:
        if err.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise UserError(_bind_error(host, port, err)) from None
        raise
    finally:
        end_labs()


def check_bind(host: str, port: int) -> None:
    """Bind (and release) every address `host` resolves to, as asyncio's server will: an
    OSError (or socket.gaierror) now rather than after the banner."""
    for family, kind, proto, _, addr in socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                           flags=socket.AI_PASSIVE):
        with socket.socket(family, kind, proto) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp: TIME_WAIT is no conflict
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                s.bind(addr)
            except OSError as err:
                if family == socket.AF_INET6 and err.errno == errno.EADDRNOTAVAIL:
                    continue  # IPv6 switched off: asyncio skips that family too
                raise


def _host_error(host: str, err: OSError) -> str:
    return f"--host {host}: {err.strerror}; expected an address of this machine, e.g. 127.0.0.1 or 0.0.0.0"


def _bind_error(host: str, port: int, err: OSError) -> str:
    return f"cannot listen on {host}:{port}: {(err.strerror or str(err)).lower()}; pick another with --port or --host"
