"""`rnnlab serve` on a shared box (issue 18): a token on loopback too (`--no-token` warns), the
printed URL's visit traded for a random session cookie and a redirect, no token in any log, no
framing, no outside request, and files opened only in the runs root and `--data-root` folders
(RNNLAB_CONFINE, which the lab obeys without knowing it is served). Real server processes."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_serve import HOME_TEXT, ROOT, Served, _screen_text

aiohttp = pytest.importorskip("aiohttp")
psutil = pytest.importorskip("psutil")


def _token(url: str) -> str:
    m = re.search(r"[?&]token=([\w-]+)", url)
    assert m, f"no token in the printed URL {url}"
    return m.group(1)


def _secure_headers(r) -> None:
    assert "frame-ancestors 'none'" in r.headers.get("Content-Security-Policy", ""), dict(r.headers)
    assert r.headers.get("X-Frame-Options") == "DENY"
    assert r.headers.get("Referrer-Policy") == "no-referrer"


def test_loopback_needs_a_token_the_visit_becomes_a_session_and_nothing_leaks(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    server = Served(runs)
    try:
        token = _token(server.url)
        assert len(token) >= 32 and server.url.startswith(f"http://127.0.0.1:{server.port}/?token=")
        base = f"http://127.0.0.1:{server.port}"

        async def probe() -> None:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(f"{base}/") as r:  # loopback, no token: refused
                    assert r.status == 401
                    _secure_headers(r)
                async with http.get(f"{base}/?token={token}&fontsize=14", allow_redirects=False) as r:
                    assert r.status == 302 and r.headers["Location"] == "/?fontsize=14"  # the token leaves the address bar
                    _secure_headers(r)
                    session = r.cookies[f"rnnlab_session_{server.port}"]
                assert session["httponly"] and session["samesite"] == "Strict"
                assert session.value != token and token not in session.value  # the cookie is not the token
                async with http.get(f"{base}/") as r:  # the session cookie alone
                    assert r.status == 200
                    _secure_headers(r)
                    page = await r.text()
                async with http.get(f"{base}/?token={'x' * 32}", allow_redirects=False) as r:
                    assert r.status == 403  # a wrong token mints no session, even beside a good one
                async with http.get(f"{base}/static/fonts/RobotoMono-VariableFont_wght.ttf") as r:
                    assert r.status == 200
                    _secure_headers(r)
                # the page asks no other server: every URL in it is this one's (the SVG namespace is a name)
                urls = set(re.findall(r"(?:https?|wss?)://[^\s\"')]+", page)) - {"http://www.w3.org/2000/svg"}
                assert urls and all(u.startswith(f"http://127.0.0.1:{server.port}/") or u.startswith(f"ws://127.0.0.1:{server.port}/")
                                    for u in urls), urls
                assert "fonts.googleapis" not in page and "@font-face" in page
                async with http.ws_connect(f"ws://127.0.0.1:{server.port}/ws?width=80&height=24") as ws:
                    await _screen_text(ws, HOME_TEXT)
            # the token itself as a cookie is no key
            async with aiohttp.ClientSession(cookies={f"rnnlab_session_{server.port}": token},
                                             cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(f"{base}/") as r:
                    assert r.status == 401
            # a framed page: refused outright (browsers send Sec-Fetch-Dest), and forbidden by the headers
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/?token={token}", headers={"Sec-Fetch-Dest": "iframe"}, allow_redirects=False) as r:
                    assert r.status == 403
                    _secure_headers(r)

        asyncio.run(probe())
    finally:
        assert server.stop() == 0, "".join(server.lines)
    log = "".join(server.lines)
    assert '"GET /?[redacted] HTTP/1.1" 302' in log, log  # the access log is there, without its query
    assert [line for line in server.lines if token in line and "rnnlab lab at" not in line] == [], log


def test_no_token_is_an_explicit_choice_with_a_warning(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    server = Served(runs, "--no-token")
    try:
        assert server.url == f"http://127.0.0.1:{server.port}/"
        assert any(line.startswith("warning: --no-token: anyone who can reach 127.0.0.1") and "every account on this machine" in line
                   for line in server.lines), server.lines

        async def probe() -> None:
            async with aiohttp.ClientSession() as http:
                async with http.get(server.url) as r:
                    assert r.status == 200
                    _secure_headers(r)

        asyncio.run(probe())
    finally:
        assert server.stop() == 0, "".join(server.lines)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "rnnlab", "serve", "--no-token", "--token", "a" * 20, "--runs-dir", str(runs)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--no-token and --token contradict" in r.stderr, r.stderr
    r = subprocess.run([sys.executable, "-m", "rnnlab", "serve", "--data-root", str(tmp_path / "nope"), "--runs-dir", str(runs)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and r.stderr.startswith(f"error: --data-root {tmp_path / 'nope'}: no such folder"), r.stderr


def test_the_labs_it_starts_are_confined_to_the_runs_root_and_the_data_roots(tmp_path):
    from rnnlab import confine

    runs, data = tmp_path / "runs", tmp_path / "data"
    runs.mkdir()
    data.mkdir()
    server = Served(runs, "--data-root", str(data))
    try:
        async def lab_env() -> dict:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(server.url) as r:
                    assert r.status == 200
                async with http.ws_connect(f"ws://127.0.0.1:{server.port}/ws?width=80&height=24") as ws:
                    await _screen_text(ws, HOME_TEXT)
                    (lab,) = server.labs()
                    return lab.environ()

        env = asyncio.run(lab_env())
    finally:
        assert server.stop() == 0, "".join(server.lines)
    assert env[confine.ENV].split(os.pathsep) == [str(runs.resolve()), str(data.resolve())]
    assert "RNNLAB_TOKEN" not in env


# ---------------------------------------------------------------- what a confined lab opens


@pytest.fixture
def confined(tmp_path, monkeypatch):
    """A runs root and a data root with a corpus each, an outside secret, and links that try to
    lead out; RNNLAB_CONFINE set as `rnnlab serve --data-root` sets it."""
    from rnnlab import confine

    runs, data, outside = tmp_path / "box" / "runs", tmp_path / "box" / "data", tmp_path / "secret"
    for d in (runs, data, outside):
        d.mkdir(parents=True)
    (data / "corpus.txt").write_text("hello world\n" * 50)
    (outside / "id_rsa").write_text("PRIVATE KEY\n" * 50)
    (data / "link").symlink_to(outside / "id_rsa")
    monkeypatch.setenv(confine.ENV, confine.env_value([runs, data]))
    return runs, data, outside


def test_confine_refuses_paths_outside_the_roots_links_and_dots_included(confined):
    from rnnlab import confine

    runs, data, outside = confined
    assert confine.refusal(data / "corpus.txt", "corpus") is None
    assert confine.refusal(str(data / "*.txt"), "corpus") is None
    refused = confine.refusal(outside / "id_rsa", "corpus / CSV")
    assert refused.startswith(f"corpus / CSV: {outside / 'id_rsa'} is outside the folders this lab may open")
    assert str(data.resolve()) in refused and "--data-root" in refused
    assert confine.refusal(data / "link", "corpus")  # a link out of a root
    assert confine.refusal(f"{data}/../../secret/id_rsa", "corpus")  # dots out of a root
    assert confine.refusal(str(data / "*"), "corpus")  # a glob that matches the link
    assert confine.refusal(data, "corpus")  # a folder corpus with the link in it
    (data / "link").unlink()
    assert confine.refusal(data, "corpus") is None
    os.environ.pop(confine.ENV)
    assert confine.refusal(outside / "id_rsa", "corpus") is None  # a lab in a terminal: not confined


def test_the_form_and_the_run_loader_refuse_a_corpus_outside(confined):
    from rnnlab import config
    from rnnlab.errors import UserError
    from rnnlab.runs import launch
    from rnnlab.train.session import open_run
    from rnnlab.tui.screens.new import source_problem

    runs, data, outside = confined
    cfg = config.validate({"task": {"kind": "text", "source": str(outside / "id_rsa")}})
    assert "is outside the folders this lab may open" in source_problem(cfg)
    assert source_problem(config.validate({"task": {"kind": "text", "source": str(data / "corpus.txt")}})) is None
    # a run made outside the lab (by its owner, in a terminal) with a corpus outside: the served
    # lab's Neurons, Playground and sample-now load it through open_run, which refuses
    run_dir = launch.create_run(cfg, runs)
    with pytest.raises(UserError, match=r"run .*: its corpus / CSV: .* is outside the folders"):
        open_run(run_dir)


def test_the_file_picker_shows_and_picks_only_inside_the_roots(confined):
    asyncio.run(_picker(*confined))


async def _picker(runs, data, outside):
    from textual.widgets import DirectoryTree, Label

    from rnnlab.tui.app import LabApp
    from rnnlab.tui.screens.modals import FilePicker

    app = LabApp(runs)
    picked = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(FilePicker(outside, "Corpus"), picked.append)  # asked to start outside
        await pilot.pause(0.5)
        tree = app.screen.query_one(DirectoryTree)
        assert Path(tree.path) == runs.parent.resolve()  # where the roots meet
        for _ in range(50):
            if tree.root.children:
                break
            await pilot.pause(0.1)
        assert sorted(c.data.path.name for c in tree.root.children) == ["data", "runs"]
        data_node = next(c for c in tree.root.children if c.data.path.name == "data")
        data_node.expand()
        await pilot.pause(0.5)
        assert [c.data.path.name for c in data_node.children] == ["corpus.txt"]  # the link out is not listed
        await pilot.press("backspace")  # up from where the roots meet: refused, with a note
        await pilot.pause(0.2)
        assert Path(tree.path) == runs.parent.resolve()
        assert "confined to the folders under it" in str(app.screen.query_one("#picker-note", Label).render())
        app.screen._pick(outside / "id_rsa")  # as if it were picked anyway
        await pilot.pause(0.2)
        assert isinstance(app.screen, FilePicker) and not picked
        assert "is outside the folders this lab may open" in str(app.screen.query_one("#picker-note", Label).render())
        app.screen._pick(data / "corpus.txt")
        await pilot.pause(0.2)
        assert picked == [data / "corpus.txt"]
