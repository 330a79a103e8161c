"""The sampling playground in the lab's process: torch held to one thread (the cores belong to
the training workers), and `reload` pressed while a load is under way is not undone by it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rnnlab import config
from rnnlab.runs import launch, worker

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
