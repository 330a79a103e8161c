"""`rnnlab train`: train a preset or config file, in the foreground or as a detached worker."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt, error, json_error, print_json

SetOpt = Annotated[
    Optional[list[str]],
    typer.Option("--set", "-s", metavar="SECTION.KEY=VALUE", help="Override a config key, e.g. --set train.lr=0.001 (repeatable).", show_default=False),
]


def train(
    preset: Annotated[
        Optional[str], typer.Argument(help="Preset name (see `rnnlab presets`), path to a TOML config, or a CSV to forecast (its defaults from the data, as `rnnlab data CSV` recommends).", show_default=False)
    ] = None,
    set_: SetOpt = None,
    runs_dir: RunsDirOpt = None,
    name: Annotated[Optional[str], typer.Option("--name", help="A name for the run (unique in the runs root).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object with the outcome at the end.")] = False,
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Train in a background worker that outlives this terminal.")] = False,
    queue: Annotated[bool, typer.Option("--queue", help="With --detach: wait for a free slot instead of starting now.")] = False,
    nproc: Annotated[
        Optional[int],
        typer.Option("--nproc", help="Data-parallel: train on N processes through torchrun (gloo on CPU, NCCL with one GPU each), the batch split across them.", show_default=False),
    ] = None,
    seeds: Annotated[
        Optional[int],
        typer.Option("--seeds", help="A seed group: N runs of this config with seeds train.seed, +1, ... (compare shows their mean and band).", show_default=False),
    ] = None,
    column: Annotated[Optional[str], typer.Option("--column", "-c", help="Forecasting: the column to forecast (task.column), as `rnnlab data -c`.", show_default=False)] = None,
    time_column: Annotated[Optional[str], typer.Option("--time-column", "-t", help="Forecasting: the time column (task.time_column), as `rnnlab data -t`.", show_default=False)] = None,
    id_column: Annotated[Optional[str], typer.Option("--id-column", help="Forecasting a long-format panel: the column naming each series (task.id_column), as `rnnlab data --id-column`.", show_default=False)] = None,
    wide: Annotated[bool, typer.Option("--wide", help="Forecasting a wide CSV: every numeric column a series of one global model (task.wide), as `rnnlab data --wide`.")] = False,
) -> None:
    """Train a model. Without PRESET, the default preset (lstm-char)."""
    from rnnlab import config, presets
    from rnnlab.runs import launch, paths

    # -c / -t as `rnnlab data` takes them: the same as --set task.column=... (repr quotes any name)
    shortcuts = [f"task.{k}={v!r}" for k, v in (("column", column), ("time_column", time_column), ("id_column", id_column))
                 if v is not None] + (["task.wide=true"] if wide else [])
    cfg = config.load(preset or presets.default_name(), (set_ or []) + shortcuts)
    if shortcuts and (cfg.task.kind != "timeseries" or str(cfg.task.source).startswith("builtin:")):
        from rnnlab.errors import UserError

        what = f"is a {cfg.task.kind} task" if cfg.task.kind != "timeseries" else f"reads {cfg.task.source}, which has no such columns"
        flags = ("-c/--column and -t/--time-column" if column is not None or time_column is not None
                 else " and ".join(f for f, on in (("--id-column", id_column is not None), ("--wide", wide)) if on))
        raise UserError(f"{flags} name{'' if ' and ' in flags else 's'} a CSV's columns (rnnlab train FILE.csv -c COLUMN, or "
                        f"--set task.source=FILE.csv); {preset or presets.default_name()} {what}")
    if seeds is not None:
        from rnnlab.cli import seeds as seed_group

        seed_group.check(seeds, nproc)
        if seeds > 1:
            return seed_group.train_group(cfg, seeds, paths.runs_root(runs_dir), name, detach=detach, queue=queue, json_out=json_out)
    rank = launch.torchrun_rank()  # torchrun started this process: one rank of a data-parallel run
    procs = 1
    if nproc is not None or rank is not None:
        from rnnlab.cli import train_dist

        procs = train_dist.check(cfg, nproc, rank, detach=detach, queue=queue)
        if rank:
            return train_dist.follow()
    root = paths.runs_root(runs_dir)
    run_dir = launch.create_run(cfg, root, name, nproc=procs)
    run_id = run_dir.name
    if detach or queue:
        pid = launch.spawn(run_dir, queue=queue)
        if json_out:
            print_json({"run_id": run_id, "run_dir": str(run_dir), "status": "queued" if queue else "running", "pid": pid})
        else:
            # the follow-up commands must find the run: name a root that is not the default
            from rnnlab.tui.i18n import tf

            where = "" if root == paths.runs_root(None) and "RNNLAB_RUNS_DIR" not in os.environ else f" --runs-dir {shlex.quote(str(root))}"
            print(tf("run {run} queued in the background (pid {pid})" if queue else
                     "run {run} started in the background (pid {pid})", run=run_id, pid=pid))
            print(tf("  follow it: rnnlab logs {run} -f{where}   |   rnnlab show {run}{where}   |   rnnlab{where}  (the lab)",
                     run=run_id, where=where))
        return

    from rnnlab.cli.console import ConsoleReporter
    from rnnlab.runs import worker
    from rnnlab.runs.paths import LOG_NAME
    from rnnlab.runs.store import RunReader
    from rnnlab.train.events import MultiReporter

    if procs > 1 and rank is None:
        status = train_dist.run_local(run_dir, procs, json_out=json_out)
    else:
        console = ConsoleReporter(cfg.train.steps, stream=sys.stderr if json_out else sys.stdout, log_every=cfg.train.log_every)
        train_fn = None
        if rank == 0:
            from rnnlab.train.distributed import train_main as train_fn
        # the lifecycle lines a detached worker logs, so `rnnlab logs` has something to say here too
        log = open(run_dir / LOG_NAME, "a", encoding="utf-8")
        log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} foreground run in pid {os.getpid()}: its full output went to "
                  "the terminal that ran `rnnlab train`; this log has its lifecycle events\n")
        try:
            status = worker.execute(run_dir, extra_reporter=MultiReporter(console, worker.LogReporter(log)), train_fn=train_fn,
                                    say_error=error)
        finally:
            console.close()
            log.close()
    reader = RunReader(run_dir)
    try:
        info = reader.info()
        found = reader.latest_vector("panel")  # a global model's per-series table (tasks/timeseries/globaltask.py)
        panel = found[1] if found else None
    finally:
        reader.close()
    if status == "failed" and not info.message.endswith("(traceback in worker.log)"):
        # Bad input (corpus, CSV, device...): the worker already printed the one-line error.
        if not info.step and not any((run_dir / "checkpoints").glob("step-*")):
            shutil.rmtree(run_dir, ignore_errors=True)  # nothing was trained: leave no clutter
        if json_out:
            json_error(info.message)  # the line the worker printed (stored as the run's message)
        raise typer.Exit(2)
    # test_* (and the baselines' scores on the same test origins) are written once, at the end
    metrics = {k: v for k, v in info.latest.items() if k.startswith(("val_", "test_", "fusion_", "fused_", "member_")) or "_test_" in k}
    if "loss" in info.latest:
        metrics["loss"] = info.latest["loss"]
    verdict = None
    if cfg.task.kind == "timeseries":
        from rnnlab.tasks.timeseries import verdict
    if json_out:
        extra: dict = {}
        if verdict is not None:
            # the test split's baselines and the fusion's members beside the test metrics (issue 17)
            extra = {"test_baselines": verdict.test_baselines(metrics), "members": verdict.members(metrics),
                     "warnings": verdict.notes(metrics, info.baselines)}
            if panel is not None:
                extra.update(series=panel["series"], panel={k: v for k, v in panel.items() if k != "series"})
        print_json(
            {
                "run_id": run_id,
                "run_dir": str(run_dir),
                "status": status,
                "steps": info.step,
                "metrics": metrics,
                "baselines": info.baselines,
                **extra,
            }
        )
    else:
        from rnnlab.tui.i18n import pad, run_message, t, tf

        def label(word: str) -> str:  # `  metrics:   `: the values start in one column, in cells
            return "  " + pad(t(word), 11)

        def unit(k: str) -> str:
            return "%" if k.endswith("mape") else ""  # MAPE and sMAPE are percentages

        own, test_base, fusion = partition(metrics)  # the fusion's members get their own line (summary_line)
        def num(v: float) -> str:  # 4 decimals (918385.4863), or 4 significant digits below 0.001 (4.376e-05, not 0.0000)
            return f"{v:.4g}" if v and abs(v) < 1e-3 else f"{v:.4f}"

        shown = ", ".join(f"{k} {num(float(v))}{unit(k)}" for k, v in sorted(own.items()))
        base_all = {**info.baselines, **test_base}
        kept_base = headline(base_all, info.primary_metric)
        base = ", ".join(f"{k} {num(float(v))}{unit(k)}" for k, v in sorted(kept_base.items()))
        if base:
            base += which_ets(kept_base, fusion)
        if base and len(base_all) > len(kept_base):
            base += t("; every metric: --json")
        early = info.message.startswith("stopped early")
        redundant = not info.message or info.message.startswith(status) or (status == "finished" and not early)

        note = "" if redundant else f" ({run_message(info.message)})"
        print(tf("run {run}: {status} at step {step}/{total}{note}", run=run_id, status=t(status), step=info.step,
                 total=cfg.train.steps, note=note))
        from rnnlab.train.kept import choose

        best = choose(run_dir / "checkpoints", "best")
        if shown and best is not None and best.which == "best" and best.step != info.step and any(k.startswith("test_") for k in own):
            # the test split is scored on the kept checkpoint, the val_* are the last evaluation's
            shown += tf(" (val_*: the last evaluation; test_*: the best checkpoint, step {step})", step=best.step)
        if shown:
            print(label("metrics:") + shown)
        if base:
            print(label("baselines:") + base)
        if verdict is not None:
            if verdict.summary_line(metrics):
                print(label("fusion:") + tf("{line}; `forecast --future` uses the fused forecast",
                                            line=run_message(verdict.summary_line(metrics))))
            for line in verdict.notes(metrics, info.baselines):
                print(label("note:") + run_message(line))  # built in English below the interface
        if panel is not None:
            from rnnlab.tasks.timeseries.panelscore import table

            print(t("  per series (test MASE; ratio = rnn / best peer):"))
            for line in table(panel):
                print(f"    {line}")
            if panel.get("left_out_line"):
                print(label("note:") + run_message(panel["left_out_line"]))
        if best is not None:
            from rnnlab.cli.render import checkpoint_words

            print(label("kept:") + tf("{kept}; sample/forecast load it", kept=checkpoint_words(best)))
        print(label("run dir:") + str(run_dir))
    from rnnlab.runs.status import FAILED

    if status in FAILED:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("train")(train)


BASELINE_LINE_MAX = 8


def partition(metrics: dict[str, float]) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """A run's stored metrics as `train` and `show` print them: (its own, the baselines' on the test
    split, the fusion's members and fused forecast). The residual ACF lags are left out (they are
    in the store and --json; a line of them helps nobody)."""
    brief = {k: v for k, v in metrics.items() if "_resid_acf_" not in k and not k.endswith("_ljung_box_lags")}
    fusion = {k: v for k, v in brief.items() if k.startswith(("member_", "fused_", "fusion_"))}
    test_base = {k: v for k, v in brief.items() if "_test_" in k and k not in fusion}
    own = {k: v for k, v in brief.items() if k not in fusion and k not in test_base}
    return own, test_base, fusion


def headline(baselines: dict[str, float], primary: str | None) -> dict[str, float]:
    """The baselines' scores `train` prints: all of them when they are few; else (a forecasting run
    scores four baselines on two splits in a dozen metrics) only the run's primary metric and MASE,
    the scale-free one forecasters compare, on each split; --json keeps every one."""
    if len(baselines) <= BASELINE_LINE_MAX:
        return baselines
    names = {"mase", (primary or "").removeprefix("val_")} - {""}
    return {k: v for k, v in baselines.items() if any(k.endswith(f"_val_{n}") or k.endswith(f"_test_{n}") for n in names)}


def which_ets(base: dict[str, float], fusion: dict[str, float]) -> str:
    """The words after the baselines when an ETS baseline is printed beside the fusion's ETS
    member: the baseline is fitted on the training split, the member refitted on train + val, so
    their two test scores differ (`train` and `show` say it alike)."""
    from rnnlab.tui.i18n import t

    if not fusion or not any(k.startswith("ets_") for k in base):
        return ""
    return t(" (ets: fitted on the training split; the fusion's members are refitted on train + val before the test)")

