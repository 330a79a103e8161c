"""The sampling playground in the lab's process: torch held to one thread (the cores belong to
the training workers), `reload` pressed while a load is under way is not undone by it, and the
text streams in as it is sampled and stops on a key."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from textual.app import App

import rnnlab.tui.app
from rnnlab import config
from rnnlab.runs import launch, worker
from rnnlab.tui.screens.playground import Playground

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent('''
    import asyncio, sys
    from pathlib import Path
    from textual.app import App
    import rnnlab.tui.app
    from rnnlab.tui.screens.playground import Playground

    run = Path(sys.argv[1])

    class Lab(App):
        CSS_PATH = Path(rnnlab.tui.app.__file__).parent / "app.tcss"

        def on_mount(self):
            self.push_screen(Playground(run))

    async def go():
        app = Lab()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.2)
            pg = app.screen
            pg.query_one("#length").value = "20"
            pg.action_generate()
            pg.action_reload()  # while the first generate is still loading the checkpoint
            status = ""
            for _ in range(1200):
                await pilot.pause(0.05)
                status = str(pg.query_one("#pg-status").render())
                if status in ("done",) or "✗" in status:
                    break
            import torch
            print("RESULT", torch.get_num_threads(), pg._loaded is None, status, flush=True)

    asyncio.run(go())
''')


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    cfg = config.validate({
        "model": {"cell": "lstm", "hidden_size": 8},
        "task": {"kind": "text", "seq_len": 16, "max_chars": 20000},
        "train": {"steps": 4, "batch_size": 4, "checkpoint_every": 4, "eval_every": 4, "device": "cpu"},
        "probes": {"grad_flow_every": 0, "gates_every": 0, "hidden_every": 0, "output_every": 0},
    })
    run = launch.create_run(cfg, tmp_path_factory.mktemp("runs"))
    assert worker.execute(run, handle_signals=False) == "finished"
    return run


@pytest.mark.timeout(180)
def test_playground_samples_on_one_thread_and_keeps_a_reload(text_run):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: torch's default is one thread anyway")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env["PYTHONPATH"] = str(REPO)
    p = subprocess.run([sys.executable, "-c", SCRIPT, str(text_run)], capture_output=True, text=True, env=env,
                       timeout=170)
    assert "RESULT" in p.stdout, p.stdout + p.stderr
    threads, reloaded, status = p.stdout.split("RESULT", 1)[1].split(None, 2)
    assert status.strip() == "done"
    assert threads == "1"  # not torch's default of one per core
    assert reloaded == "True"  # the reload pressed during the load still stands


class _Lab(App):
    CSS_PATH = Path(rnnlab.tui.app.__file__).parent / "app.tcss"

    def __init__(self, run: Path) -> None:
        super().__init__()
        self.run = run

    def on_mount(self) -> None:
        self.push_screen(Playground(self.run))


async def _until(pilot, cond, timeout: float = 60.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if cond():
            return
        await pilot.pause(0.02)
    raise AssertionError("timed out")


@pytest.mark.timeout(120)
def test_generation_streams_in_and_stops_on_ctrl_t(text_run):
    async def go():
        app = _Lab(text_run)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.1)
            pg = app.screen
            pg.query_one("#length").value = "100000"  # minutes of sampling: only a stop ends it in time
            status = lambda: str(pg.query_one("#pg-status").render())  # noqa: E731
            body = lambda: str(pg._body.render()) if pg._body is not None else ""  # noqa: E731
            await pilot.press("ctrl+g")
            await _until(pilot, lambda: len(body()) > 5)
            first = len(body())
            # more arrives while the worker is still at it: the text streams in
            await _until(pilot, lambda: len(body()) > first + 20)
            assert status().startswith("generating")
            await pilot.press("ctrl+t")
            await _until(pilot, lambda: status().startswith("stopped"), 10)
            stopped_at = len(body())
            n = int(status().split("after ")[1].split()[0])
            await pilot.pause(0.3)
            # the worker is gone and nothing more arrives
            running = [w for w in app.workers if w.group == "sample" and w.is_running]
            return n, stopped_at, len(body()), running

    n, stopped_at, later, running = asyncio.run(go())
    assert 20 < n < 100000 and later == stopped_at and running == []


@pytest.mark.timeout(120)
def test_a_new_generate_replaces_one_still_streaming(text_run):
    async def go():
        app = _Lab(text_run)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.1)
            pg = app.screen
            pg.query_one("#length").value = "100000"
            await pilot.press("ctrl+g")
            await _until(pilot, lambda: pg._body is not None and len(str(pg._body.render())) > 5)
            pg.query_one("#length").value = "15"
            await pilot.press("ctrl+g")
            await _until(pilot, lambda: str(pg.query_one("#pg-status").render()) == "done")
            await pilot.pause(0.2)
            running = [w for w in app.workers if w.group == "sample" and w.is_running]
            return str(pg._body.render()), running

    text, running = asyncio.run(go())
    assert running == [] and len(text) - 1 <= 15  # the prompt "\n" and at most 15 characters


@pytest.mark.parametrize("field, value, said", [
    ("temperature", "", "temperature is empty: give a number in [0, 10] (0: greedy)"),
    ("top_k", "lots", "top-k 'lots' is not a whole number: give one ≥ 0 (0 turns it off)"),
    ("top_p", "1.5", "top-p 1.5 is out of range: give a value in (0, 1] (1 turns it off)"),
])
def test_a_bad_field_is_said_in_words(text_run, field, value, said):
    async def go():
        app = _Lab(text_run)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.1)
            pg = app.screen
            pg.query_one(f"#{field}").value = value
            await pilot.press("ctrl+g")
            await pilot.pause(0.1)
            return str(pg.query_one("#pg-status").render()), [w for w in app.workers if w.group == "sample"]

    status, started = asyncio.run(go())
    assert said in status and "could not convert" not in status and "invalid literal" not in status
    assert started == []


@pytest.mark.timeout(120)
def test_next_token_bars_after_the_prompt_and_after_the_last_token(text_run):
    from rnnlab.inspect.nexttoken import next_token
    from rnnlab.train.session import open_run

    async def go():
        app = _Lab(text_run)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause(0.1)
            pg = app.screen
            pg.query_one("#length").value = "5"
            pg.query_one("#temperature").value = "0.5"
            await pilot.press("ctrl+g")
            await _until(pilot, lambda: str(pg.query_one("#pg-status").render()) == "done")
            await pilot.pause(0.1)
            return pg._before, pg._after, str(pg.query_one("#pg-probs").render()), str(pg._body.render())

    before, after, chart, body = asyncio.run(go())
    assert "after the prompt" in chart and "after the last token" in chart and "█" in chart
    assert len(before) == len(after) == 10
    # the bars are the distribution sampling draws from: temperature 0.5 sharpens the model's
    assert sum(c.p_sampled for c in before) <= 1 + 1e-6 and before[0].p_sampled >= before[0].p_model
    assert [c.p_sampled for c in before] == sorted((c.p_sampled for c in before), reverse=True)
    run = open_run(text_run, device="cpu")
    again = next_token(run.model, run.task, body, temperature=0.5)  # the prompt and the 5 sampled tokens
    assert [c.token for c in again] == [c.token for c in after]
