"""`rnnlab show RUN`: one run's summary (labels on the left, right-aligned in terminal cells so
Chinese labels keep the column under RNNLAB_LANG=zh), its last events and output, and plots of
loss, its primary metric and gradient norm (plotext; colourless in a pipe), or `--json` (the shape
of `RunInfo.to_dict()` plus `checkpoints`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from rnnlab.cli.common import RunsDirOpt, print_json
from rnnlab.cli.render import (
    age, backtest_plot, best_text, checkpoints_kept, fmt, fmt_metric, forecast_plot, kept_long, output_text, plot,
    step_text,
)

RunArg = Annotated[str, typer.Argument(help="Run id, unique id prefix, name, or path.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def show_cmd(run: RunArg, runs_dir: RunsDirOpt = None, json_out: JsonOpt = False) -> None:
    """Summary of one run, with plots of loss and gradient norm."""
    from rnnlab.runs.paths import resolve_run, runs_root
    from rnnlab.runs.store import RunReader

    run_dir = resolve_run(runs_root(runs_dir), run)
    with RunReader(run_dir) as r:
        info = r.info()
        kept = checkpoints_kept(info)
        if json_out:
            print_json({**info.to_dict(), "checkpoints": kept})
            return
        series = {n: r.series(n) for n in ("loss", "grad_norm", info.primary_metric) if n}
        events = r.events()[-5:]
        output = r.latest_vector("output")
        backtest = r.latest_vector("backtest")
    from rnnlab.tui.i18n import t, tf  # the labels and words in the interface language; values as typed
    from rnnlab.tui.i18n import run_message

    lines = [
        ("run", f"{info.run_id}" + (f"  ({info.name})" if info.name else "")),
        ("dir", str(info.dir)),
        ("status", t(info.status) + (_crash(info, tf) if info.status == "crashed" and info.recorded_status != "crashed" else
                                     f": {run_message(info.message)}" if info.message else "")),
        ("model", f"{info.cell or '-'}" + (tf(", {n} params", n=f"{info.params:,}") if info.params else "")),
        ("task", run_message(info.task_description) if info.task_description else (info.task or "-")),
        ("step", step_text(info) + (tf("  ({n} tokens/s)", n=f"{info.tokens_per_s:,.0f}") if info.tokens_per_s else "")),
        ("device", f"{info.device or '-'}" + (tf("  pid {pid} on {host}", pid=info.pid, host=info.host) if info.pid else "")),
        ("created", tf("{when} ({age} ago)", when=time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(info.created)),
                       age=age(info.created)) if info.created else "-"),
        ("best", best_text(info)),
        ("checkpoint", kept_long(kept)),
    ]
    if info.tags:
        lines.append(("tags", " ".join(info.tags)))
    if info.note:
        lines.append(("note", info.note.replace("\n", f"\n{'':>12}")))
    lines += _metric_lines(info, t)
    for key, value in lines:
        print(f"{_field(key)}  {value}")
    if events:
        print(f"{_field('events')}  " + f"\n{'':>12}".join(f"[{e.step if e.step is not None else '-'}] {t(e.kind)}: {run_message(e.message)}"
                                                          for e in events))
    if output is not None and isinstance(output[1], dict):
        # the finished run's last forecast is the kept model's (loop.score_test): said as its step
        kept = output[1].get("kept_step")
        at = tf("@ step {step}: ", step=output[0]) if kept is None else tf("@ step {step}, the best checkpoint: ", step=kept)
        print(f"{_field('output')}  " + at + output_text(output[1]).replace("\n", f"\n{'':>12}"))
    print()
    for name in dict.fromkeys(["loss", info.primary_metric, "grad_norm"]):
        if name and name in series and series[name][0]:
            steps, _, values = series[name]
            print(plot(name, [(name, steps, values)], height=12))
            print()
    if output is not None and isinstance(output[1], dict) and output[1].get("type") == "forecast":
        print(forecast_plot(output[0], output[1]))
        print()
    if backtest is not None and isinstance(backtest[1], dict) and backtest[1].get("origins"):
        print(backtest_plot(backtest[1]))
        print()


def _crash(info, tf) -> str:
    """A live record whose worker is gone (reader.effective_status): what that means, what to do,
    and what the worker last recorded (`paused at step 12`)."""
    from rnnlab.tui.i18n import run_message

    import shlex

    from rnnlab.runs.paths import runs_root

    last = tf(" (last recorded: {message})", message=run_message(info.message)) if info.message else ""
    root = Path(info.dir).parent  # as train's --detach hint: the root named where it is not the default
    where = "" if root.resolve() == runs_root(None).resolve() else f" --runs-dir {shlex.quote(str(root))}"
    return tf(": its worker ended without recording why (killed, out of memory, or the machine restarted); `rnnlab resume "
              "{run}` continues from its last checkpoint, `rnnlab logs {run}` shows its log",
              run=shlex.quote(info.name or info.run_id) + where) + last


def _field(key: str) -> str:
    """`show`'s label, right-aligned in 10 terminal cells (a Chinese label's characters take two)."""
    from rich.cells import cell_len

    from rnnlab.tui.i18n import t

    text = t(key)
    return " " * max(0, 10 - cell_len(text)) + text


def _metric_lines(info, t) -> list[tuple[str, str]]:
    """The baselines', the run's own and (a forecasting run) the fusion's lines. A forecasting run
    stores ~150 numbers: the baselines keep their primary metric and MASE on both splits
    (train.headline), the residual ACF lags are left out (train.partition), the members and the fused forecast say
    their test MASE on one line (as `train` prints it); --json has every one."""
    from rnnlab.cli.train import headline, partition, which_ets

    own, test_base, fusion = partition(info.latest)
    base_all = {**info.baselines, **test_base}
    base = headline(base_all, info.primary_metric)
    more = t("; every metric: --json")
    out = []
    if base:
        # two ETS scores that differ (the baseline's and the fusion's member), each said for what it is
        out.append(("baselines", ", ".join(f"{k} {fmt(v)}" for k, v in sorted(base.items())) + which_ets(base, fusion)
                    + (more if len(base) < len(base_all) else "")))
    if own:
        out.append(("latest", ", ".join(f"{k} {fmt_metric(k, v)}" for k, v in sorted(own.items()))
                    + (more if len(own) < len(info.latest) and not fusion else "")))
    if fusion:
        from rnnlab.tasks.timeseries import verdict
        from rnnlab.tui.i18n import run_message

        line = verdict.summary_line(fusion)
        if line:
            out.append(("fusion", run_message(line) + more))
        # the notes `train` printed: where it loses, a close call, a band that fell back or missed
        metrics = {**info.latest, **test_base}
        out += [("notes" if k == 0 else "", run_message(note)) for k, note in enumerate(verdict.notes(metrics, info.baselines))]
    return out

