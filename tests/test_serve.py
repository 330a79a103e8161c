"""`rnnlab serve`: the real server in a subprocess, reached over HTTP and its websocket with
aiohttp's client (a dependency of textual-serve). The lab it starts per websocket is the real
lab; the home screen's text must arrive in what it sends."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.waiting import wait_for

aiohttp = pytest.importorskip("aiohttp")
psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[1]
HOME_TEXT = "no runs yet: press n for a new experiment"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`rnnlab serve ARGS` in a subprocess; `url` is the first URL it printed."""

    def __init__(self, runs: Path, *args: str) -> None:
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("RNNLAB_TOKEN", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rnnlab", "serve", "--port", str(self.port), "--runs-dir", str(runs), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
            start_new_session=True,  # its own process group, as in a terminal: see ctrl_c()
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url = self._wait_for(r"rnnlab lab at (\S+)")

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def _wait_for(self, pattern: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                m = re.search(pattern, line)
                if m:
                    return m.group(1)
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} from rnnlab serve:\n{''.join(self.lines)}")

    def labs(self) -> list:
        """Lab processes this server started (its children)."""
        try:
            return psutil.Process(self.proc.pid).children()
        except psutil.NoSuchProcess:
            return []

    def ctrl_c(self) -> None:
        """What Ctrl-C in its terminal does: SIGINT to the foreground process group (the server
        and the labs it started)."""
        try:
            os.killpg(self.proc.pid, signal.SIGINT)
        except ProcessLookupError:
            pass

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.ctrl_c()
        try:
            return self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


async def _screen_text(ws, *wanted: str, timeout: float = 45.0) -> str:
    """What the lab sent over the websocket until all of `wanted` shows (escape sequences dropped)."""
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            break
        if msg.type == aiohttp.WSMsgType.BINARY:
            seen += msg.data.decode("utf-8", "replace")
        elif msg.type == aiohttp.WSMsgType.TEXT:
            seen += msg.data
        elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            break
        plain = re.sub(r"\x1b\[[0-9;?<>=]*[A-Za-z]", "", seen)
        if all(w in plain for w in wanted):
            return plain
    plain = re.sub(r"\x1b\[[0-9;?<>=]*[A-Za-z]", "", seen)
    raise AssertionError(f"{wanted!r} never arrived; got {plain[-2000:]!r}")


def test_serve_sends_the_home_screen_and_ctrl_c_ends_its_labs(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    server = Served(runs)
    labs: list = []
    try:
        assert server.url.startswith(f"http://127.0.0.1:{server.port}/?token=")  # loopback too: a token

        async def session() -> str:
            # unsafe=True: keep cookies from an IP address, as a browser does
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(server.url) as page:
                    assert page.status == 200
                    html = await page.text()
                # the page points its websocket at the address we used
                assert f"ws://127.0.0.1:{server.port}/ws" in html
                # a page on another site may not drive the lab, nor a DNS-rebound name reach it
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws", headers={"Origin": "http://evil.example"})
                assert refused.value.status == 403
                async with http.get(server.url, headers={"Host": f"evil.example:{server.port}"}) as r:
                    assert r.status == 403
                assert server.labs() == []
                async with http.ws_connect(f"ws://127.0.0.1:{server.port}/ws?width=100&height=30") as ws:
                    text = await _screen_text(ws, HOME_TEXT, f"runs in {runs}")
                    labs.extend(server.labs())
                    return text

        text = asyncio.run(session())
        assert labs, "the websocket started no lab process"
    finally:
        code = server.stop()
    assert code == 0, "".join(server.lines)
    gone, alive = psutil.wait_procs(labs, timeout=10)
    assert not alive, f"labs still running after the server stopped: {alive}"


def test_stopping_the_server_closes_a_lab_whose_tab_is_open_and_spares_its_run(tmp_path):
    """textual-serve's websocket handler runs until the browser goes, and aiohttp waits a minute
    for handlers on shutdown: the server must close open sessions itself, and promptly, also when
    the signal reaches it alone (SIGTERM from a service manager; Ctrl-C reaches the labs too).
    A run launched from the browser is a detached worker in its own session: it goes on."""
    from rnnlab.runs import store

    runs = tmp_path / "runs"
    runs.mkdir()
    server = Served(runs)
    worker_pid = None
    try:
        async def launch_then_interrupt() -> int:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(server.url) as page:  # the printed URL: a session cookie
                    assert page.status == 200
                async with http.ws_connect(f"ws://127.0.0.1:{server.port}/ws?width=100&height=30") as ws:
                    await _screen_text(ws, HOME_TEXT)
                    labs = server.labs()
                    assert labs
                    # n: New experiment; ctrl+l: launch its default (a small LSTM on text)
                    await ws.send_json(["stdin", "n"])
                    await _screen_text(ws, "Launch")
                    await ws.send_json(["stdin", "\x0c"])
                    info = await asyncio.to_thread(
                        wait_for, lambda: next((i for i in store.list_runs(runs) if i.status == "running" and i.pid), None), 60)
                    assert info, "the lab launched no run"
                    # the terminal's Ctrl-C could not reach the worker: another session
                    assert os.getsid(info.pid) != os.getsid(server.proc.pid)
                    server.proc.send_signal(signal.SIGTERM)  # the server alone; the tab stays open
                    await asyncio.to_thread(server.proc.wait, 20)
                    _, alive = psutil.wait_procs(labs, timeout=10)
                    assert not alive
                    return info.pid

        worker_pid = asyncio.run(launch_then_interrupt())
        time.sleep(1.0)
        worker = psutil.Process(worker_pid)
        assert worker.is_running() and worker.status() != psutil.STATUS_ZOMBIE, "Ctrl-C took the training worker"
        assert store.list_runs(runs)[0].status == "running"
    finally:
        server.stop()
        if worker_pid is not None:
            try:
                os.kill(worker_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert server.proc.returncode == 0, "".join(server.lines)


def test_token_is_required_off_loopback(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    server = Served(runs, "--host", "0.0.0.0")
    try:
        token = re.search(r"[?&]token=([\w-]+)", server.url)
        assert token, f"no token in the printed URL {server.url}"
        token = token.group(1)
        assert len(token) >= 16
        base = f"127.0.0.1:{server.port}"

        def accepts() -> bool:  # the banner prints before the bind: wait for the bind itself
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                    return True
            except OSError:
                return False

        assert wait_for(accepts, timeout=30), "".join(server.lines)

        async def probe() -> None:
            # unsafe=True: keep cookies from an IP address, as a browser does
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                for path in ("/", "/static/js/textual.js", "/ws?width=80&height=24"):
                    async with http.get(f"http://{base}{path}") as r:
                        assert r.status == 401, path
                    async with http.get(f"http://{base}{path}", params={"token": "x" * 32}) as r:
                        assert r.status == 403, path
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await http.ws_connect(f"ws://{base}/ws?width=80&height=24")
                assert refused.value.status == 401
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await http.ws_connect(f"ws://{base}/ws?width=80&height=24", headers={"Authorization": "Bearer wrong"})
                assert refused.value.status == 403
                assert server.labs() == [], "a refused request launched a lab"
                # the URL it printed works, and the page's own requests then carry the cookie
                async with http.get(f"http://{base}/?token={token}") as r:
                    assert r.status == 200
                async with http.get(f"http://{base}/static/js/textual.js") as r:
                    assert r.status == 200
                async with http.ws_connect(f"ws://{base}/ws?width=80&height=24") as ws:
                    await _screen_text(ws, HOME_TEXT)

        asyncio.run(probe())
    finally:
        assert server.stop() == 0, "".join(server.lines)


def test_serve_refuses_a_short_token_and_a_busy_port(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "rnnlab", "serve", "--token", "abc", "--runs-dir", str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and r.stderr.startswith("error: --token is 3 characters"), r.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "rnnlab", "serve", "--port", str(port), "--runs-dir", str(tmp_path)],
                           capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"error: cannot listen on 127.0.0.1:{port}" in r.stderr
    assert "Traceback" not in r.stderr
    assert "rnnlab lab at" not in r.stdout, r.stdout  # no URL that leads to the other server
    r = subprocess.run([sys.executable, "-m", "rnnlab", "serve", "--host", "no-such-host.invalid", "--runs-dir", str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and "error: --host no-such-host.invalid: " in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert "rnnlab lab at" not in r.stdout and "token=" not in r.stdout, r.stdout


def test_a_hand_made_token_is_quoted_in_the_url_and_blank_space_refused(tmp_path):
    """`--token 'ab#c&d+e%...'` printed a URL cut short at '#' (the browser keeps it as a
    fragment, so the printed URL got 401); a token of spaces was accepted and printed as
    `?token=    `. The URL now quotes the token and blank space is one error line."""
    runs = tmp_path / "runs"
    runs.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        r = subprocess.run([sys.executable, "-m", "rnnlab", "serve", "--port", str(free_port()), "--token", " " * 20,
                            "--runs-dir", str(runs)], capture_output=True, text=True, env=env, timeout=20)
    except subprocess.TimeoutExpired:
        raise AssertionError("a token of spaces was accepted: the server started") from None
    assert r.returncode == 2 and r.stderr.startswith("error: --token has spaces"), r.stderr
    token = "ab#c&d+e%ghijklmnop"
    server = Served(runs, "--host", "0.0.0.0", "--token", token)
    try:
        url = server.url.replace(f"//{server.url.split('//')[1].split(':')[0]}:", "//127.0.0.1:")

        async def probe() -> None:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(aiohttp.client.URL(url, encoded=True)) as r:  # as a browser opens it
                    assert r.status == 200, url

        asyncio.run(probe())
    finally:
        assert server.stop() == 0, "".join(server.lines)


def test_the_urls_printed_for_every_ipv6_address_work(tmp_path):
    """`--host ::` printed http://127.0.0.1:PORT/ beside the host name, but asyncio binds
    `::` to IPv6 only, so that URL was refused; it now prints http://[::1]:PORT/."""
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 here")
    runs = tmp_path / "runs"
    runs.mkdir()
    server = Served(runs, "--host", "::")
    try:
        server._wait_for(r"(runs root: )")  # the banner's last line: every URL is in
        urls = [re.search(r"rnnlab lab at (\S+)", line).group(1) for line in server.lines if "rnnlab lab at" in line]
        loopback = [u for u in urls if f"//{socket.gethostname()}:" not in u]
        assert loopback, urls

        async def probe() -> None:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                for url in loopback:
                    async with http.get(url) as r:
                        assert r.status == 200, url

        asyncio.run(probe())
    finally:
        assert server.stop() == 0, "".join(server.lines)
