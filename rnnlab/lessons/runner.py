"""Launching a lesson's runs and reading back what they measured.

A lesson's runs are ordinary runs in the runs root; their config name `lesson<N>-<label>` tags
them (shown by the lab and `rnnlab runs`) and lets `status` tell which lessons were finished.
`run_lesson` trains them one after another in this process (headless: the CLI); `launch_lesson`
starts them as detached workers (the lab, which then opens the compare view to watch them).
`verdicts` reads, for every lesson, its newest set of runs and whether its checks passed there,
at quick or full size (the ✓ of the Lessons screen and `rnnlab lessons`). A variation to try
next (`try_` > 0) runs under its own tags, `lesson<N>-try<K>-<label>`, never counted as the
lesson's own. Torch is imported only by the training and by the after-training measurements
(samples, the next-token probe), whose result is kept beside the first run
(`lesson-measure.json`) so that reading a verdict again costs nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from rnnlab.lessons.catalog import Experiment, Lesson
from rnnlab.lessons.checks import RunResult, evaluate

MEASURE_FILE = "lesson-measure.json"

QUICK_ENV = "RNNLAB_LESSONS_QUICK"
_TERMINAL = ("finished", "diverged")


def quick_from_env() -> bool:
    """$RNNLAB_LESSONS_QUICK=1: every lesson at its reduced size (the tests, a quick look)."""
    import os

    return os.environ.get(QUICK_ENV, "") not in ("", "0")


def tag(lesson: Lesson, exp: Experiment, try_: int = 0) -> str:
    return f"lesson{lesson.number}-{f'try{try_}-' if try_ else ''}{exp.label}"


def experiments(lesson: Lesson, try_: int = 0) -> tuple[Experiment, ...]:
    """The runs of the lesson, or of its variation `try_` (1-based): those it names, else all."""
    if not try_:
        return lesson.experiments
    only = _variation(lesson, try_).only
    return tuple(e for e in lesson.experiments if not only or e.label in only)


def _variation(lesson: Lesson, try_: int):
    from rnnlab.errors import UserError

    if not 1 <= try_ <= len(lesson.tries):
        raise UserError(f"lesson {lesson.number} has no variation {try_}; it has "
                        f"{', '.join(str(i + 1) for i in range(len(lesson.tries))) or 'none'} (see `rnnlab lessons {lesson.number}`)")
    return lesson.tries[try_ - 1]


# Every lesson's expectations were measured on the model with a Linear input projection of real
# features (the default before issue 20 made it an option, off); tokens ignore the key.
COURSE_SETS = ("model.input_projection=true",)


def build_config(lesson: Lesson, exp: Experiment, quick: bool = False, try_: int = 0):
    from rnnlab import config

    sets = list(COURSE_SETS) + list(lesson.sets) + list(lesson.quick if quick else ()) + list(exp.overrides)
    if try_:
        sets += list(_variation(lesson, try_).sets)
    cfg = config.load(exp.preset, sets)
    cfg.name = tag(lesson, exp, try_)
    return cfg


def create_runs(lesson: Lesson, root: Path, quick: bool = False, try_: int = 0) -> list[Path]:
    from rnnlab.runs import launch

    # all valid before any run exists
    cfgs = [build_config(lesson, exp, quick, try_) for exp in experiments(lesson, try_)]
    return [launch.create_run(cfg, root) for cfg in cfgs]


def launch_lesson(lesson: Lesson, root: Path, quick: bool = False, try_: int = 0) -> list[Path]:
    """Start the lesson's runs (or its variation's) as detached workers, all at once like the
    lab's race launcher (a race is watched side by side); returns their directories."""
    from rnnlab.runs import launch

    dirs = create_runs(lesson, root, quick, try_)
    for d in dirs:
        launch.spawn(d)
    return dirs


def run_lesson(lesson: Lesson, root: Path, quick: bool = False,
               progress: Optional[Callable[[str], None]] = None, try_: int = 0) -> dict[str, Any]:
    """Train every run of the lesson here, one after another, then check the expected result."""
    from rnnlab.runs import launch, worker

    dirs = create_runs(lesson, root, quick, try_)
    launch.hold(dirs, f"waiting for lesson {lesson.number}'s earlier runs")
    for exp, d in zip(experiments(lesson, try_), dirs):
        if progress:
            progress(f"lesson {lesson.number}: training {exp.label} ({d.name})")
        worker.execute(d, handle_signals=False)
    return report(lesson, dirs, try_)


def read_result(label: str, run_dir: Path) -> RunResult:
    from rnnlab.runs.store import RunReader

    with RunReader(run_dir) as reader:
        info = reader.info()
        _, _, norms = reader.series("grad_norm")
    finite = [n for n in norms if n is not None and math.isfinite(n)]
    # a diverged run's last norm is inf/NaN; the largest finite one is the spike before it
    spike = max(finite) if finite else None
    # a forecasting run's members and fused forecast too (the combining lesson reads them)
    metrics = {k: v for k, v in info.latest.items() if k.startswith(("val_", "test_", "member_", "fused_")) or k == "loss"}
    return RunResult(label=label, run_id=info.run_id, status=info.status, step=info.step, metrics=metrics,
                     baselines=dict(info.baselines), max_grad_norm=spike, grad_norm_nonfinite=len(finite) < len(norms),
                     tokens_per_s=info.tokens_per_s, params=info.params, total_steps=info.total_steps)


SAMPLE_METRICS = ("distinct_1", "distinct_2", "char_distinct_4", "own_bpc")
MEMBER_METRICS = ("test_mase", "test_mae", "val_mase")


def forecast_members(run: RunResult) -> dict[str, RunResult]:
    """A forecasting run's members (seasonal_naive, ets, theta, arima, rnn), its fused forecast
    and "member-mean" (each metric's mean over the members: what picking one blindly scores), as
    results to check like runs; empty when the run reported none (it failed, or has no members)."""
    found: dict[str, dict[str, float]] = {}
    for key, v in run.metrics.items():
        for m in MEMBER_METRICS:
            if key == f"fused_{m}":
                found.setdefault("fused", {})[m] = v
            elif key.startswith("member_") and key.endswith("_" + m):
                found.setdefault(key[len("member_"): -len(m) - 1], {})[m] = v
    names = [k for k in found if k != "fused"]
    if names:
        found["member-mean"] = {m: sum(found[k].get(m, math.nan) for k in names) / len(names) for m in MEMBER_METRICS}
    return {k: RunResult(label=k, run_id=run.run_id, status=run.status, step=run.step, metrics=v, baselines={})
            for k, v in found.items()}


def is_quick(lesson: Lesson, results: list[RunResult], try_: int = 0) -> bool:
    """Whether these runs were the lesson's reduced size: their planned steps are the quick
    config's, not the full one's (a lesson whose quick mode keeps the steps counts as full)."""
    for exp, r in zip(experiments(lesson, try_), results):
        quick, full = (build_config(lesson, exp, q, try_).train.steps for q in (True, False))
        if quick != full and r.total_steps == quick:
            return True
    return False


def _measure(lesson: Lesson, run_dir: Path, run: RunResult) -> dict[str, Any]:
    """The after-training measurements of a lesson that has them (samples, the next-token
    probe), kept beside the run so that they are taken once."""
    import json

    if not (lesson.samplings or lesson.probe) or run.status != "finished":
        return {}
    kept = run_dir / MEASURE_FILE
    try:
        got = json.loads(kept.read_text(encoding="utf-8"))
        if got.get("run_id") == run.run_id and got.get("step") == run.step:
            return got
    except (OSError, ValueError):
        pass
    got = {"run_id": run.run_id, "step": run.step}
    if lesson.samplings:
        from rnnlab.lessons import sampling

        got["samples"] = sampling.measure(run_dir, lesson.samplings, lesson.sample_length)
    if lesson.probe:
        from rnnlab.lessons import probe

        got["next_token"] = probe.next_token(run_dir, lesson.probe)
    try:
        kept.write_text(json.dumps(got), encoding="utf-8")
    except OSError:
        pass  # a read-only runs root: measured again next time
    return got


def report(lesson: Lesson, dirs: list[Path], try_: int = 0) -> dict[str, Any]:
    """The lesson's measured numbers and whether each expectation held (for a variation, those
    whose runs it has: the lesson's claim tested under the change)."""
    exps = experiments(lesson, try_)
    runs = {exp.label: read_result(exp.label, d) for exp, d in zip(exps, dirs)}
    first = runs[exps[0].label]
    measured = _measure(lesson, dirs[0], first)
    samples: list[dict[str, Any]] = measured.get("samples", [])
    # a sample, and the probe, are checked like a run: their numbers under their label
    checked = dict(runs)
    for row in samples:
        checked[row["label"]] = RunResult(label=row["label"], run_id=first.run_id, status="finished", step=first.step,
                                          metrics={k: v for k, v in row.items() if k in SAMPLE_METRICS or k.startswith("style_bits/")},
                                          baselines={})
    probe = measured.get("next_token")
    if probe:
        checked["next-char"] = RunResult(label="next-char", run_id=first.run_id, status="finished", step=first.step,
                                         metrics={"entropy_bits": probe["entropy_bits"]},
                                         baselines={"unigram_entropy_bits": probe["unigram_entropy_bits"]})
    members = forecast_members(first) if lesson.members else {}
    checked.update(members)
    if lesson.members:  # a member the run did not report fails its checks rather than skipping them
        for name in {x for e in lesson.expects for x in (e.a, e.b) if x} - set(checked):
            checked[name] = RunResult(name, "", "failed", 0, {}, {})
    for name in [s.label for s in lesson.samplings] + (["next-char"] if lesson.probe else []):
        checked.setdefault(name, RunResult(name, "", "failed", 0, {}, {}))  # its run failed: not measured
    quick = is_quick(lesson, list(runs.values()), try_)
    checks, unchecked = [], []
    for e in lesson.expects:
        if e.a not in checked or (e.b and e.b not in checked):
            continue  # a variation without that run
        if e.full_only and quick:
            unchecked.append(e.describe())
            continue
        ok, line = evaluate(e, checked)
        checks.append({"expect": e.describe(), "passed": ok, "measured": line})
    return {
        "lesson": lesson.number,
        **({"try": try_} if try_ else {}),
        "metric": lesson.metric,
        "also": list(lesson.also),
        "panel": lesson.panel,
        "quick": quick,
        "runs": [r.to_dict() for r in runs.values()],
        **({"samples": samples} if lesson.samplings else {}),
        **({"next_token": probe} if lesson.probe else {}),
        **({"members": [{"label": k, **r.metrics} for k, r in members.items()]} if lesson.members else {}),
        "checks": checks,
        **({"full_size_only": unchecked} if unchecked else {}),
        "passed": bool(checks) and all(c["passed"] for c in checks),
    }


def _newest_by_tag(root: Path) -> dict[str, Path]:
    """Each lesson tag's newest run directory (run ids sort by creation time)."""
    from rnnlab.errors import UserError
    from rnnlab.runs.paths import DB_NAME, list_run_dirs
    from rnnlab.runs.schema import read_names

    newest: dict[str, Path] = {}
    for d in sorted(list_run_dirs(root), key=lambda p: p.name):
        try:
            cfg_name = read_names(d / DB_NAME)[1]
        except UserError:
            continue
        if cfg_name and cfg_name.startswith("lesson"):
            newest[cfg_name] = d
    return newest


def finished(root: Path) -> set[int]:
    """Lessons with every experiment's newest run ended (finished, or diverged where that is
    the point), whatever their checks said."""
    from rnnlab.lessons.catalog import LESSONS
    from rnnlab.runs.reader import read_info

    newest = _newest_by_tag(root)
    done = set()
    for x in LESSONS:
        dirs = [newest.get(tag(x, e)) for e in x.experiments]
        if all(d is not None for d in dirs) and all(read_info(d).status in _TERMINAL for d in dirs):
            done.add(x.number)
    return done


@dataclass
class Verdict:
    """Where a lesson stands in a runs root: `state` is "passed" or "failed" (its newest runs
    ended and were checked), "running" (some still live) or "ended" (a run stopped, crashed or
    was deleted before the end); `quick` says at which size."""

    state: str
    quick: bool
    dirs: list[Path]
    report: Optional[dict[str, Any]] = None

    @property
    def mark(self) -> str:
        from rnnlab.lessons.catalog import lang

        size = {"en": ("full", "quick"), "zh": ("完整", "快速")}[lang()][self.quick]
        return {"passed": f"✓ {size}", "failed": f"✗ {size}", "running": "…"}.get(self.state, "")


def verdict(lesson: Lesson, root: Path, newest: Optional[dict[str, Path]] = None) -> Optional[Verdict]:
    """The lesson's verdict on its newest runs in `root` (None: never run). Reading it may take
    the after-training measurements once (torch): call it off the UI thread."""
    from rnnlab.runs.reader import read_info

    newest = _newest_by_tag(root) if newest is None else newest
    dirs = [newest.get(tag(lesson, e)) for e in lesson.experiments]
    if any(d is None for d in dirs):
        return None
    paths = [Path(d) for d in dirs if d is not None]
    infos = [read_info(d) for d in paths]
    quick = is_quick(lesson, [RunResult("", i.run_id, i.status, i.step, {}, {}, total_steps=i.total_steps) for i in infos])
    if any(i.live for i in infos):
        return Verdict("running", quick, paths)
    if not all(i.status in _TERMINAL for i in infos):
        return Verdict("ended", quick, paths)
    rep = report(lesson, paths)
    return Verdict("passed" if rep["passed"] else "failed", quick, paths, rep)


def verdicts(root: Path) -> dict[int, Verdict]:
    """Every lesson's verdict that has runs in `root`."""
    from rnnlab.lessons.catalog import LESSONS

    newest = _newest_by_tag(root)
    out = {}
    for x in LESSONS:
        v = verdict(x, root, newest)
        if v is not None:
            out[x.number] = v
    return out
