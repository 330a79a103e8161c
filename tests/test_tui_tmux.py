"""End to end in a real terminal (tmux): launch a run from the lab by keyboard, kill the lab's
terminal (as a dropped SSH session would), check the worker goes on, reopen the lab and find
the run live with its history."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Tmux:
    def __init__(self, cwd: Path, runs: Path) -> None:
        self.name = f"rnnlab-e2e-{uuid.uuid4().hex[:8]}"
        self.cwd, self.runs = cwd, runs

    def open(self) -> None:
        env = f"NO_COLOR=1 OMP_NUM_THREADS=1 PYTHONPATH={Path(__file__).resolve().parents[1]}"
        cmd = f"cd {self.cwd} && env {env} {sys.executable} -m rnnlab --runs-dir {self.runs}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "120", "-y", "40", cmd], check=True)

    def keys(self, *keys: str, literal: bool = False, wait: float = 0.3) -> None:
        for k in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name] + (["-l"] if literal else []) + [k], check=True)
            time.sleep(wait)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return out.stdout

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.screen()
            if text in s:
                return s
            time.sleep(0.3)
        raise AssertionError(f"{text!r} never appeared; screen:\n{self.screen()}")

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def _with_header(screen: str):
    """The screen once the dashboard header's "step N/100000" is on it, else None."""
    return screen if any("step " in ln and "/100000" in ln for ln in screen.splitlines()) else None


@pytest.mark.timeout(300)
def test_run_outlives_the_lab_and_reopens_live(tmp_path):
    from rnnlab.runs.paths import list_run_dirs
    from rnnlab.runs.store import read_info, send_command
    from rnnlab.runs.reader import pid_alive

    runs = tmp_path / "runs"
    t = Tmux(tmp_path, runs)
    t.open()
    run_dir = None
    try:
        t.wait_for("no runs yet")
        t.keys("n", wait=1.5)
        t.wait_for("preset")
        # preset -> name -> cell -> attention -> layers -> hidden
        t.keys("Tab", "Tab", "Tab", "Tab", "Tab")
        t.keys("8", literal=True)
        t.keys("Tab", "Enter", "Down", "Down", "Enter", wait=0.5)  # task: adding
        t.keys("Tab", wait=1.0)  # T / seq_len (no corpus field for adding); the form re-lays out for the task
        t.keys("10", literal=True, wait=1.0)
        # optimizer, lr, schedule, clip, steps: slowly, a Tab lost under load typed into clip norm
        t.keys("Tab", "Tab", "Tab", "Tab", "Tab", wait=0.8)
        t.keys("100000", literal=True)
        t.wait_for("100000 steps", 10)
        assert "lstm on adding" in t.screen()
        t.keys("C-l")
        t.wait_for(" running ", 120)
        (run_dir,) = wait_for(lambda: list_run_dirs(runs), 60)
        # training has begun (the store says so; the screen's empty subtitles would not)
        assert wait_for(lambda: read_info(run_dir).step > 0, 120), "the worker never took a step"
        pid = read_info(run_dir).pid
        t.kill()  # the terminal goes away (SIGHUP), as with a dropped SSH link
        time.sleep(2.0)
        step_before = read_info(run_dir).step
        time.sleep(4.0)
        info = read_info(run_dir)
        assert info.status == "running" and pid_alive(pid), "the worker outlived the lab"
        assert info.step > step_before, "and keeps training"

        t.open()
        t.wait_for("running", 30)
        t.keys("Enter", wait=1.0)
        # the header, once the run is read (under load the panels' empty subtitles come first)
        # (the home table shows "/100000" too: wait for the dashboard header's "step N/100000")
        s = wait_for(lambda: _with_header(t.screen()), 60, every=0.3)
        assert s, f"the dashboard header never appeared; screen:\n{t.screen()}"
        assert "running" in s and "lstm" in s
        header = next(line for line in s.splitlines() if "step " in line and "/100000" in line)
        shown = int(header.split("step ", 1)[1].split("/", 1)[0])
        assert shown >= info.step, "history up to now is shown"
    finally:
        t.kill()
        if run_dir is not None:
            send_command(run_dir, "stop")
            deadline = time.monotonic() + 30
            while read_info(run_dir).status in ("running", "paused", "queued") and time.monotonic() < deadline:
                time.sleep(0.5)
