"""The lab's run actions (stop, resume, delete) on real run stores: they take the CLI's checks
(`rnnlab resume`'s status check and run lock), run off the UI thread, and a failure (a run
removed meanwhile, a directory that cannot be removed) is a notification, never a crash or a
false "deleted"."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from rnnlab import config
from rnnlab.runs import launch, store
from rnnlab.tui.app import LabApp


class Lab(LabApp):
    """The lab, keeping what it told the user."""

    CSS_PATH = Path(__import__("rnnlab.tui.app").tui.app.__file__).parent / "app.tcss"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.said: list[tuple[str, str]] = []

    def notify(self, message, *, severity="information", **kwargs):
        self.said.append((str(message), severity))
        return super().notify(message, severity=severity, **kwargs)


def _cfg():
    return config.validate({
        "model": {"cell": "lstm", "hidden_size": 8},
        "task": {"kind": "adding", "seq_len": 10},
        "train": {"steps": 20, "batch_size": 8, "checkpoint_every": 10, "eval_every": 10, "device": "cpu"},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0},
    })


def _run(root: Path, status: str, message: str = "", **fields) -> Path:
    run = launch.create_run(_cfg(), root, name=f"r-{status}")
    with store.StoreWriter(run, heartbeat=False) as w:
        w.set_status(status, message, **fields)
    return run


async def _until(pilot, cond, timeout: float = 20.0, what: str = "condition"):
    for _ in range(int(timeout / 0.05)):
        value = cond()
        if value:
            return value
        await pilot.pause(0.05)
    raise AssertionError(f"{what} not met within {timeout}s")


def _stop_any_worker(run: Path) -> None:
    try:
        info = store.read_info(run)
    except Exception:
        return
    if info.live and info.pid and info.pid != os.getpid():
        try:
            os.kill(info.pid, 9)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("where", ["home", "dashboard"])
def test_r_on_a_failed_run_without_checkpoint_is_refused_like_the_cli(tmp_path, where):
    root = tmp_path / "runs"
    run = _run(root, "failed", "corpus file missing", ended=time.time())

    async def go():
        app = Lab(root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(pilot, lambda: app.screen.query("DataTable") and app.screen.query_one("DataTable").row_count == 1,
                         what="run listed")
            if where == "dashboard":
                await pilot.press("enter")
                await _until(pilot, lambda: getattr(getattr(app.screen, "state", None), "info", None), what="dashboard read")
            await pilot.press("r")
            await _until(pilot, lambda: app.said, what="an answer to r")
            await pilot.pause(0.3)
            return app.said

    try:
        said = asyncio.run(go())
        assert len(said) == 1 and said[0][1] == "error", said
        assert "before its first checkpoint" in said[0][0], said
        info = store.read_info(run)
        assert info.status == "failed" and info.message == "corpus file missing"
        assert not (run / "worker.log").exists()  # no worker was started
    finally:
        _stop_any_worker(run)


def test_stop_on_a_run_removed_meanwhile_is_a_notification(tmp_path):
    root = tmp_path / "runs"
    # live as far as any reader can tell: this process's pid, on this host, beating now
    run = _run(root, "running", pid=os.getpid(), host=socket.gethostname())

    async def go():
        app = Lab(root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(pilot, lambda: app.screen.query_one("DataTable").row_count == 1, what="run listed")
            launch.remove_run(run)  # `rnnlab rm --force` from another terminal (a viewer may drop its -shm meanwhile)
            app.screen.action_stop()  # the list on screen still shows it
            said = await _until(pilot, lambda: [m for m in app.said if m[0].startswith("stop")], what="stop answered")
            assert app.is_running
            return said

    said = asyncio.run(go())
    assert said[0][1] == "error" and "no run database" in said[0][0], said


def _pin(path: Path):
    """Make `path` impossible to remove for real: a mount point as root, else a read-only dir."""
    if os.geteuid() == 0:
        path.mkdir(exist_ok=True)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)], capture_output=True).returncode:
            pytest.skip("cannot mount a tmpfs here")
        (path / "x").write_text("x")
        return lambda: subprocess.run(["umount", str(path)], check=False)
    (path / "x").write_text("x")
    path.chmod(0o500)
    return lambda: path.chmod(0o700)


def test_delete_that_fails_says_so_and_where(tmp_path):
    root = tmp_path / "runs"
    run = _run(root, "finished", ended=time.time())
    unpin = _pin(run / "checkpoints")

    async def go():
        app = Lab(root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(pilot, lambda: app.screen.query_one("DataTable").row_count == 1, what="run listed")
            await pilot.press("d")
            await pilot.pause(0.2)
            await pilot.press("y")
            said = await _until(pilot, lambda: [m for m in app.said if "delete" in m[0]], what="delete answered")
            return said

    try:
        said = asyncio.run(go())
    finally:
        unpin()
    assert not any(m[0].startswith("deleted") for m in said), said
    assert said[0][1] == "error" and "could not delete" in said[0][0], said
    assert str(run / "checkpoints") in said[0][0]  # where it failed


def test_delete_removes_the_run(tmp_path):
    root = tmp_path / "runs"
    run = _run(root, "finished", ended=time.time())

    async def go():
        app = Lab(root)
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(pilot, lambda: app.screen.query_one("DataTable").row_count == 1, what="run listed")
            await pilot.press("d")
            await pilot.pause(0.2)
            await pilot.press("y")
            said = await _until(pilot, lambda: [m for m in app.said if "delete" in m[0]], what="delete answered")
            await _until(pilot, lambda: app.screen.query_one("DataTable").row_count == 0, what="row gone")
            return said

    said = asyncio.run(go())
    assert said[0] == ("deleted r-finished", "information")
    assert not run.exists()


def _pending_commands(run: Path) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(run / "run.db")
    try:
        return [r[0] for r in conn.execute("SELECT command FROM commands WHERE consumed IS NULL")]
    finally:
        conn.close()


def test_palette_run_commands_check_that_the_run_has_a_worker(tmp_path):
    root = tmp_path / "runs"
    run = _run(root, "finished", ended=time.time())

    async def go():
        app = Lab(root, open_run=run)
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(pilot, lambda: getattr(getattr(app.screen, "state", None), "info", None), what="dashboard read")
            commands = {c.title: c for c in app.get_system_commands(app.screen)}
            commands["Run: stop"].callback()
            said = await _until(pilot, lambda: app.said, what="an answer")
            await pilot.pause(0.3)
            return said

    said = asyncio.run(go())
    assert said[0][1] == "warning" and "finished" in said[0][0], said
    assert _pending_commands(run) == []  # nothing queued for a worker that will never read it


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_p_says_resume_while_the_run_is_paused_and_the_header_shows_no_stale_speed(tmp_path, monkeypatch, lang):
    """An outside trial: with the run paused the footer still said `p Pause` and the header its
    last tok/s. Here the test is the run's worker: it takes the lab's commands from the store
    and records the status they lead to, as the training loop does."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    from rnnlab.tui.i18n import t
    from rnnlab.tui.widgets.header import RunHeader

    monkeypatch.setenv("RNNLAB_LANG", lang)
    root = tmp_path / "runs"
    run = launch.create_run(_cfg(), root, name="r-live")
    worker = store.StoreWriter(run, heartbeat=False)
    worker.scalars(5, {"loss": 0.5, "tokens_per_s": 12345.0, "mfu": 0.03})
    worker.set_status("running", "training", step=5)
    taken: list[str] = []

    async def go():
        app = Lab(root, open_run=run)
        async with app.run_test(size=(120, 40)) as pilot:
            def p_key() -> str:
                return next((k.description for k in app.screen.query_one(Footer).query(FooterKey) if k.key == "p"), "")

            def header() -> str:
                return str(app.screen.query_one(RunHeader).render())

            async def obey(command: str, status: str) -> None:
                await pilot.press("p")
                await _until(pilot, lambda: taken.extend(worker.poll()) or command in taken, what=f"{command} sent")
                worker.set_status(status, status, step=5)

            await _until(pilot, lambda: "12,345 tok/s" in header() and p_key(), what="dashboard read")
            seen = [(p_key(), header())]
            await obey("pause", "paused")
            await _until(pilot, lambda: p_key() == t("Resume"), what="p offered as Resume")
            seen.append((p_key(), header()))
            await obey("resume", "running")
            await _until(pilot, lambda: p_key() == t("Pause"), what="p offered as Pause again")
            seen.append((p_key(), header()))
            return seen

    try:
        (running, running_head), (paused, paused_head), (again, again_head) = asyncio.run(go())
    finally:
        worker.close()
    assert (running, paused, again) == ((t("Pause"), t("Resume"), t("Pause")))
    assert paused != running  # the two words differ in either language
    assert taken == ["pause", "resume"]
    assert t("paused") in paused_head and "tok/s" not in paused_head and "MFU" not in paused_head
    for head in (running_head, again_head):
        assert "12,345 tok/s" in head and "MFU 3%" in head
