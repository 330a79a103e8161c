"""`rnnlab serve` in a real browser: headless Debian chromium driven by Playwright loads the
printed URL (a non-loopback bind, so through the token and its cookie), sees the home screen
arrive over the page's own websocket, presses `n` and sees the New experiment screen.
Skipped where chromium (apt-get install chromium) or playwright (pip) is absent."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from tests.test_serve import Served

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("no chromium here (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def test_browser_loads_the_lab_and_n_opens_new_experiment(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    server = Served(runs, "--host", "0.0.0.0")
    url = server._wait_for(r"rnnlab lab at (http://127\.0\.0\.1:\S+)")  # after http://HOSTNAME:...
    frames: list[str] = []

    def screen() -> str:
        return re.sub(r"\x1b\[[0-9;?<>=]*[A-Za-z]", "", "".join(frames))

    def until(page, *texts: str, timeout: float = 45.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(t in screen() for t in texts):
                return
            page.wait_for_timeout(100)
        raise AssertionError(f"{texts} never reached the browser; last: {screen()[-800:]!r}")

    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                # the terminal draws on a canvas: what the lab sent is read off the page's websocket
                page.on("websocket", lambda ws: ws.on(
                    "framereceived", lambda f: frames.append(f if isinstance(f, str) else f.decode("utf-8", "replace"))))
                page.goto(url)
                until(page, "no runs yet: press n for a new experiment", f"runs in {runs}")
                page.mouse.click(640, 300)  # focus the terminal, as a user's click does
                page.keyboard.press("n")
                until(page, "run name", "Launch (ctrl+l)")
                page.screenshot(path=str(tmp_path / "new-experiment.png"))
            finally:
                browser.close()
    finally:
        assert server.stop() == 0, "".join(server.lines)
