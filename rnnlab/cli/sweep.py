"""`rnnlab sweep SPEC | join ID | show ID | stop ID | resume ID` and `rnnlab sweeps`: thin
commands over rnnlab/sweeps/manage.py."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from rnnlab.cli.common import RunsDirOpt, print_json
from rnnlab.cli.train import SetOpt
from rnnlab.errors import UserError

VERBS = ("join", "show", "stop", "resume")
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def sweep_cmd(
    target: Annotated[str, typer.Argument(metavar="SPEC | join ID | show ID | stop ID | resume ID",
                                          help="A sweep spec (TOML) to start, or a verb and a sweep id or name.")],
    ref: Annotated[Optional[str], typer.Argument(metavar="[ID]", show_default=False)] = None,
    set_: SetOpt = None,
    name: Annotated[Optional[str], typer.Option("--name", help="A name for the sweep (unique in the runs dir).")] = None,
    storage: Annotated[Optional[str], typer.Option("--storage", help="Shared study storage: a journal file path, or a database URL (with ://). Default: in the runs dir.")] = None,
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Run the controller in the background and return at once.")] = False,
    json_out: JsonOpt = False,
    runs_dir: RunsDirOpt = None,
) -> None:
    """Search hyperparameters with Optuna: each trial is an ordinary run in the runs dir.

    \b
    rnnlab sweep SPEC [--set k=v]... [--name N] [--storage PATH|URL] [--detach] [--json]
    rnnlab sweep join ID --storage PATH|URL     (another host adds its devices)
    rnnlab sweep show ID [--json]
    rnnlab sweep stop ID | rnnlab sweep resume ID
    """
    from rnnlab.runs import paths
    from rnnlab.sweeps import manage, record

    root = paths.runs_root(runs_dir)
    if target in VERBS:
        if ref is None:
            raise UserError(f"rnnlab sweep {target}: give the sweep's id or name (see `rnnlab sweeps`)")
        if target == "join":
            if storage is None:
                raise UserError("rnnlab sweep join: --storage is required (the journal file or database URL the sweep lives in)")
            rec = manage.join(ref, storage, root)
            live = rec.live_here()
            if live:  # this host already runs its share: attach (say so), never a second controller
                _attached(rec, json_out)
                return
            _run(rec, detach, json_out)
            return
        rec = record.resolve(root, ref)
        if target == "show":
            _show(manage.show(rec), json_out)
        elif target == "stop":
            print(manage.stop(rec))
        else:
            pid = manage.resume(rec)
            if json_out:
                print_json({**manage.show(rec, with_importances=False), "pid": pid})
            else:
                from rnnlab.tui.i18n import tf

                print(tf("sweep {sweep} resumed: controller pid {pid} adopts its running trials and goes on", sweep=rec.sweep_id,
                         pid=pid))
        return
    if ref is not None:
        raise UserError(f"rnnlab sweep {target} {ref}: unexpected second argument; the verbs are {', '.join(VERBS)}")
    from rnnlab.sweeps import spec as spec_mod

    spec = spec_mod.load(target, set_ or [])
    rec = manage.start(spec, root, name=name, storage=storage)
    _run(rec, detach, json_out)


def _attached(rec, json_out: bool) -> None:
    """One line (or the --json object with the live controller's pid): the sweep already has
    its controller on this host, and this command started none."""
    from rnnlab.sweeps import manage

    if json_out:
        print_json({**manage.show(rec, with_importances=False), "attached": True})
    else:
        from rnnlab.tui.i18n import run_message, tf

        line = run_message(rec.live_here() or f"sweep {rec.sweep_id} already has a controller on this host")
        print(tf("{line}: joined already, no second controller started; follow it with `rnnlab sweep show {sweep}`",
                 line=line, sweep=rec.sweep_id))


def _run(rec, detach: bool, json_out: bool) -> None:
    from rnnlab.sweeps import controller, manage, record

    if detach:
        try:
            pid = controller.spawn(rec)
        except record.LiveController:  # another join took the lock first
            _attached(rec, json_out)
            return
        if json_out:
            print_json({**manage.show(rec, with_importances=False), "status": "running", "pid": pid})
        else:
            from rnnlab.tui.i18n import tf

            print(tf("sweep {sweep} joined in the background (controller pid {pid} on this host)" if rec.joined else
                     "sweep {sweep} started in the background (controller pid {pid} on this host)", sweep=rec.sweep_id, pid=pid))
            print(tf("  follow it: rnnlab sweep show {sweep}   |   rnnlab sweeps   |   rnnlab  (the lab)", sweep=rec.sweep_id))
        return
    # foreground: this process is the controller; Ctrl-C stops it cleanly (trials checkpoint),
    # a second Ctrl-C leaves at once (the trials go on; `rnnlab sweep resume` adopts them)
    asked = {"n": 0}

    def on_int(signum: int, frame: Any) -> None:
        asked["n"] += 1
        if asked["n"] > 1:
            raise KeyboardInterrupt
        rec.request_stop()

    signal.signal(signal.SIGINT, on_int)
    stream = sys.stderr if json_out else sys.stdout

    from rnnlab.tui.i18n import run_message, t as tr, tf

    def echo(line: str) -> None:  # the controller says its lines in English; shown in the interface language
        try:
            print(run_message(line), file=stream, flush=True)
        except OSError:  # a closed pipe (`| head`) must not kill the controller
            pass

    lock = rec.take_lock()  # before a word is printed: a join that lost the race says one line
    if lock is None:
        _attached(rec, json_out)
        return
    ctl = controller.Controller(rec, echo=echo)
    echo(tf("sweep {sweep}: {trials} trials, {parallel} at a time here, {sampler} sampler, {pruner} pruner, {direction} {metric}",
            sweep=rec.sweep_id, trials=ctl.spec.trials, parallel=ctl.parallel, sampler=ctl.spec.sampler,
            pruner=ctl.spec.pruner, direction=tr(ctl.spec.direction), metric=ctl.spec.metric))
    status = ctl.run(lock_fd=lock)
    summary = manage.show(rec)
    if json_out:
        print_json(summary)
    else:
        _show(summary, False)
    if status == "failed":
        raise typer.Exit(1)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _show(s: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(s)
        return
    from rnnlab.cli.render import table
    from rnnlab.tui.i18n import t as tr, tf  # words in the interface language; keys, ids and numbers as typed

    print(tf("sweep {sweep} ({name}): {status}, {done}/{total} trials done, {direction} {metric}", sweep=s["sweep_id"],
             name=s["name"], status=tr(s["status"]), done=s["done"], total=s["total"], direction=tr(s["direction"]),
             metric=s["metric"]) + tf(" (ranked by each trial's best {metric} over its evaluations)", metric=s["metric"])
          + (tf("; controller pid {pid}", pid=s["pid"]) if s.get("pid") else ""))
    keys = list(s["space"])
    rows = [[str(t["number"]), tr(t["state"]), _fmt(t["value"]), t["run_id"] or "-", t.get("host") or "-",
             *(_fmt(t["params"].get(k)) for k in keys)] for t in s["trials"]]
    if rows:
        table([tr("trial"), tr("state"), s["metric"], tr("run"), tr("host"), *keys], rows)
    b = s["best"]
    if b:
        print(tf("best: trial {n} (run {run}) {metric} {value}: ", n=b["number"], run=b["run_id"], metric=s["metric"],
                 value=_fmt(b["value"])) + ", ".join(f"{k}={_fmt(v)}" for k, v in b["params"].items()))
    if s.get("importances"):
        print(tf("importances ({method}):", method=s["importance_method"]))
        width = max(len(k) for k in s["importances"])
        for k, v in sorted(s["importances"].items(), key=lambda kv: -kv[1]):
            print(f"  {k.ljust(width)}  {'#' * max(1, round(v * 30))} {v:.2f}")
    else:
        print(tf("importances: {method}", method=s.get("importance_method")))
    plot = _parallel_plot(s)
    if plot:
        print(plot)


def _parallel_plot(s: dict[str, Any]) -> Optional[str]:
    """Parallel coordinates in the terminal: one x position per axis, one line per trial,
    coloured from green (best) to red (worst) when stdout is a terminal."""
    import plotext as plt

    from rnnlab.cli.render import is_tty, unstyled, width
    from rnnlab.sweeps.coords import axes, colour_rank

    names, lines = axes(s)
    if len(lines) < 1:
        return None
    values = [t["value"] for t, _ in lines]
    plt.clf()
    plt.plotsize(min(width(), 120), 18)
    plt.title(f"parallel coordinates (colour: {s['metric']}, green best)")
    colour = is_tty() and not os.environ.get("NO_COLOR")
    if not colour:
        plt.theme("clear")
    xs = list(range(len(names)))
    for t, ys in lines:
        r = colour_rank(t["value"], values, s["direction"])
        rgb = (int(255 * r), int(200 * (1 - r)), 60)
        plt.plot(xs, ys, color=rgb if colour else None, marker="dot" if not colour else None)
    plt.xticks(xs, [n.split(".")[-1] for n in names])
    plt.yticks([0, 1], ["low", "high"])
    text = plt.build()
    return text if is_tty() else unstyled(text)


def sweeps_cmd(runs_dir: RunsDirOpt = None, json_out: JsonOpt = False) -> None:
    """List this runs dir's sweeps: id, name, status, controller pid, trials done of total."""
    from rnnlab.cli.render import table
    from rnnlab.runs import paths
    from rnnlab.sweeps import manage

    rows = manage.listing(paths.runs_root(runs_dir))
    if json_out:
        print_json(rows)
        return
    from rnnlab.tui.i18n import t

    if not rows:
        print(t("no sweeps yet; start one with `rnnlab sweep SPEC` (see README, Sweeps)"))
        return
    table([t(h) for h in ("id", "name", "status", "pid", "done", "best")],
           [[r["sweep_id"], r["name"], t(r["status"]), _fmt(r["pid"]), f"{_fmt(r['done'])}/{_fmt(r['trials'])}",
             f"{r['metric']} {_fmt(r['best'])}" if r.get("best") is not None else "-"] for r in rows])


def register(app: typer.Typer) -> None:
    app.command("sweep", context_settings={"allow_interspersed_args": True})(sweep_cmd)
    app.command("sweeps")(sweeps_cmd)
