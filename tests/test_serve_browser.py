"""`rnnlab serve` in a real browser: headless Debian chromium driven by Playwright (pip
`playwright`; no browser download: it drives /usr/bin/chromium) loads the printed URL (a
non-loopback bind, so through the token and its cookie), sees the home screen arrive over the
page's own websocket, presses `n` and sees the New experiment screen. In the same browser: the
`?token=` visit leaves a session cookie that is not the token and an address bar without it, the
page and its websocket go on with the cookie alone, every response carries the no-framing and
no-referrer headers, a page on another site that frames the lab gets nothing, and the browser
asks no other server for anything (the font is the lab's own).
Skipped where chromium (apt-get install chromium) or playwright (pip) is absent."""

from __future__ import annotations

import re
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.test_serve import Served

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("no chromium here (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")



class Framer:
    """Another local server's page that frames the lab: another origin (another port), the same
    site (cookies ignore ports, so the session cookie goes with it), the threat a shared box
    poses: any local account can serve such a page."""

    def __init__(self, lab: str) -> None:
        body = f'<html><body><iframe id="lab" src="{lab}/" width="800" height="600"></iframe></body></html>'.encode()

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_browser_loads_the_lab_and_n_opens_new_experiment(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    server = Served(runs, "--host", "0.0.0.0")
    url = server._wait_for(r"rnnlab lab at (http://127\.0\.0\.1:\S+)")  # after http://HOSTNAME:...
    token = parse_qs(urlsplit(url).query)["token"][0]
    origin = f"http://127.0.0.1:{server.port}"
    frames: list[str] = []
    requests: list[str] = []  # every URL the browser asked for
    responses: dict[str, list] = {}  # URL -> responses (status, headers, is it the main page's frame)
    sockets: list[str] = []

    def screen() -> str:
        return re.sub(r"\x1b\[[0-9;?<>=]*[A-Za-z]", "", "".join(frames))

    def until(page, *texts: str, timeout: float = 45.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(t in screen() for t in texts):
                return
            page.wait_for_timeout(100)
        raise AssertionError(f"{texts} never reached the browser; last: {screen()[-800:]!r}")

    def seen(response) -> None:
        main = response.frame.parent_frame is None
        responses.setdefault(response.url, []).append((response.status, response.all_headers(), main))

    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.on("request", lambda r: requests.append(r.url))
                context.on("response", seen)
                page = context.new_page()
                # the terminal draws on a canvas: what the lab sent is read off the page's websocket
                page.on("websocket", lambda ws: (sockets.append(ws.url), ws.on(
                    "framereceived", lambda f: frames.append(f if isinstance(f, str) else f.decode("utf-8", "replace")))))
                first = page.goto(url)
                until(page, "no runs yet: press n for a new experiment", f"runs in {runs}")
                page.mouse.click(640, 300)  # focus the terminal, as a user's click does
                page.keyboard.press("n")
                until(page, "run name", "Launch (ctrl+l)")
                page.screenshot(path=str(tmp_path / "new-experiment.png"))

                # the token visit became a session: redirected to /, a cookie that is not the token
                assert first.request.redirected_from is not None and first.request.redirected_from.url == url
                assert page.url == origin + "/", page.url
                cookies = {c["name"]: c for c in context.cookies(origin)}
                session = cookies[f"rnnlab_session_{server.port}"]
                assert session["value"] != token and token not in session["value"]
                assert session["httpOnly"] and session["sameSite"] == "Strict"
                assert sockets and all("token" not in s for s in sockets), sockets  # the lab ran on the cookie
                # a reload carries the cookie alone (the address holds no token) and gets the page
                again = page.reload()
                assert again.status == 200 and "token" not in again.request.url
                # every answer of this server says: no frames, no referrer, only this server
                ours = {u: r for u, r in responses.items() if u.startswith(origin)}
                assert any("/static/" in u for u in ours), sorted(ours)
                for u, rs in ours.items():
                    for status, headers, _ in rs:
                        assert headers.get("x-frame-options") == "DENY", (u, headers)
                        assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), (u, headers)
                        assert headers.get("referrer-policy") == "no-referrer", (u, headers)
                # nothing from another server: the font is served here
                outside = [u for u in requests if not u.startswith((origin, "data:"))]
                assert not outside, outside
                asked = len(requests)
                assert any("/fonts/" in u and u.startswith(origin) for u in requests), [u for u in requests if "font" in u]

                # another local page frames the lab (with the session cookie): refused outright
                framer = Framer(origin)
                try:
                    evil = context.new_page()
                    evil_sockets: list[str] = []
                    evil.on("websocket", lambda ws: evil_sockets.append(ws.url))
                    evil.goto(framer.url)
                    evil.wait_for_timeout(1500)
                finally:
                    framer.close()
                framed = [r for r in responses.get(origin + "/", []) if not r[2]]
                assert framed and all(status == 403 for status, _, _ in framed), framed
                inner = next(f for f in evil.frames if f.parent_frame is not None)
                assert inner.locator("canvas").count() == 0, inner.url  # no lab drawn in the frame
                assert not evil_sockets  # and no lab session started from it
                page_headers = responses[origin + "/"][-1][1]
                print(f"\nbrowser: {browser.version}; {asked} requests, all to {origin}; cookie "
                      f"{session['name']} (httpOnly, SameSite=Strict, not the token); websocket {sockets[0]}; "
                      f"framed load: {[st for st, _, _ in framed]}; page headers: "
                      + "; ".join(f"{k}: {page_headers[k]}" for k in ("x-frame-options", "referrer-policy", "content-security-policy")))
            finally:
                browser.close()
    finally:
        assert server.stop() == 0, "".join(server.lines)
