"""Launching a lesson's runs and reading back what they measured.

A lesson's runs are ordinary runs in the runs root; their config name `lesson<N>-<label>` tags
them (shown by the lab and `rnnlab runs`) and lets `status` tell which lessons were finished.
`run_lesson` trains them one after another in this process (headless: the CLI); `launch_lesson`
starts them as detached workers (the lab, which then opens the compare view to watch them).
Torch is imported only by the training itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from rnnlab.lessons.catalog import Experiment, Lesson
from rnnlab.lessons.checks import RunResult, evaluate

QUICK_ENV = "RNNLAB_LESSONS_QUICK"
_TERMINAL = ("finished", "diverged")


def quick_from_env() -> bool:
    """$RNNLAB_LESSONS_QUICK=1: every lesson at its reduced size (the tests, a quick look)."""
    import os

    return os.environ.get(QUICK_ENV, "") not in ("", "0")


def tag(lesson: Lesson, exp: Experiment) -> str:
    return f"lesson{lesson.number}-{exp.label}"


def build_config(lesson: Lesson, exp: Experiment, quick: bool = False):
    from rnnlab import config

    sets = list(lesson.sets) + list(lesson.quick if quick else ()) + list(exp.overrides)
    cfg = config.load(exp.preset, sets)
    cfg.name = tag(lesson, exp)
    return cfg


def create_runs(lesson: Lesson, root: Path, quick: bool = False) -> list[Path]:
    from rnnlab.runs import launch

    cfgs = [build_config(lesson, exp, quick) for exp in lesson.experiments]  # all valid before any run exists
    return [launch.create_run(cfg, root) for cfg in cfgs]


def launch_lesson(lesson: Lesson, root: Path, quick: bool = False) -> list[Path]:
    """Start the lesson's runs as detached workers, all at once like the lab's race launcher (a
    race is watched side by side); returns their directories."""
    from rnnlab.runs import launch

    dirs = create_runs(lesson, root, quick)
    for d in dirs:
        launch.spawn(d)
    return dirs


def run_lesson(lesson: Lesson, root: Path, quick: bool = False,
               progress: Optional[Callable[[str], None]] = None) -> dict[str, Any]:
    """Train every run of the lesson here, one after another, then check the expected result."""
    from rnnlab.runs import launch, worker

    dirs = create_runs(lesson, root, quick)
    launch.hold(dirs, f"waiting for lesson {lesson.number}'s earlier runs")
    for exp, d in zip(lesson.experiments, dirs):
        if progress:
            progress(f"lesson {lesson.number}: training {exp.label} ({d.name})")
        worker.execute(d, handle_signals=False)
    return report(lesson, dirs)


def read_result(label: str, run_dir: Path) -> RunResult:
    from rnnlab.runs.store import RunReader

    with RunReader(run_dir) as reader:
        info = reader.info()
        _, _, norms = reader.series("grad_norm")
    finite = [n for n in norms if n is not None and math.isfinite(n)]
    # a diverged run's last norm is inf/NaN; the largest finite one is the spike before it
    spike = max(finite) if finite else None
    metrics = {k: v for k, v in info.latest.items() if k.startswith(("val_", "test_")) or k == "loss"}
    return RunResult(label=label, run_id=info.run_id, status=info.status, step=info.step, metrics=metrics,
                     baselines=dict(info.baselines), max_grad_norm=spike, grad_norm_nonfinite=len(finite) < len(norms), tokens_per_s=info.tokens_per_s,
                     params=info.params)


def report(lesson: Lesson, dirs: list[Path]) -> dict[str, Any]:
    """The lesson's measured numbers and whether each expectation held."""
    runs = {exp.label: read_result(exp.label, d) for exp, d in zip(lesson.experiments, dirs)}
    samples: list[dict[str, Any]] = []
    if lesson.samplings:
        from rnnlab.lessons import sampling

        run = runs[lesson.experiments[0].label]
        if run.status == "finished":
            samples = sampling.measure(dirs[0], lesson.samplings, lesson.sample_length)
    # a sample is checked like a run: its numbers under its label
    checked = dict(runs)
    for row in samples:
        checked[row["label"]] = RunResult(label=row["label"], run_id=run.run_id, status="finished", step=run.step,
                                          metrics={k: row[k] for k in ("distinct_1", "distinct_2", "char_distinct_4", "own_bpc")},
                                          baselines={})
    for s in lesson.samplings:
        checked.setdefault(s.label, RunResult(s.label, "", "failed", 0, {}, {}))  # its run failed: no sample
    checks = []
    for e in lesson.expects:
        ok, measured = evaluate(e, checked)
        checks.append({"expect": e.describe(), "passed": ok, "measured": measured})
    return {
        "lesson": lesson.number,
        "metric": lesson.metric,
        "panel": lesson.panel,
        "runs": [r.to_dict() for r in runs.values()],
        **({"samples": samples} if lesson.samplings else {}),
        "checks": checks,
        "passed": all(c["passed"] for c in checks),
    }


def finished(root: Path) -> set[int]:
    """Lessons with every experiment's run ended (finished, or diverged where that is the point)."""
    from rnnlab.lessons.catalog import LESSONS
    from rnnlab.runs.paths import DB_NAME, list_run_dirs
    from rnnlab.runs.reader import read_info
    from rnnlab.errors import UserError

    done: dict[str, bool] = {}
    for d in list_run_dirs(root):
        try:
            from rnnlab.runs.schema import read_names

            cfg_name = read_names(d / DB_NAME)[1]
            if not cfg_name or not cfg_name.startswith("lesson") or cfg_name in done:
                continue
            done[cfg_name] = read_info(d).status in _TERMINAL
        except UserError:
            continue
    return {x.number for x in LESSONS if all(done.get(tag(x, e)) for e in x.experiments)}
