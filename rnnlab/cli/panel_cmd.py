"""`rnnlab forecast` on a global run (one model over many series, tasks/timeseries/globaltask.py):
the per-series test table beside each series' classical peers, or `--future N` for every series
as a long-format CSV: unique_id, ds, step, forecast (the recurrent model's, up to the trained
horizon), and a `model` column with `--model NAME` (a classical peer refitted on each series, any
N) or `--model best` (each series' best on its test split)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from rnnlab.cli.common import csv_number, json_text, print_json
from rnnlab.errors import UserError


def forecast(loaded: list, choices: list, future: Optional[int], backtest: Optional[int], model: Optional[str],
             output: Optional[Path], json_out: bool, level: Optional[list] = None, covariates: Optional[Path] = None) -> None:
    run_dir, _, task, net = loaded[0]
    if covariates is not None:  # taken and dropped without a word before, even a file that is not there
        raise UserError(f"--covariates {covariates}: a global run over many series has no covariates (task.covariates is "
                        "for single-series runs); drop --covariates")
    if len(loaded) > 1:
        raise UserError(f"run {run_dir.name} is a global model over many series; forecast one such run at a time")
    if backtest is not None:
        raise UserError("--backtest is for single-series runs; a global run's test split is scored per series by "
                        f"`rnnlab forecast {run_dir.name}`")
    if level:  # taken and dropped without a word before (an outside trial's `-l 90`)
        raise UserError(f"--level: a global run's forecasts are points, with no intervals (intervals are for single-series "
                        f"runs: a CSV of one series); drop -l")
    if model not in (None, "rnn") and future is None:
        raise UserError(f"--model {model} goes with --future N: the test table already scores every series' peers")
    dev = next(net.parameters()).device
    typer.echo(f"-- {run_dir.name}: from the {choices[0].describe()}", err=True)
    if future is None:
        report: dict[str, Any] = task.panel_result(net, dev)
        report.update(split="test", runs=[run_dir.name], checkpoints=[c.to_dict() for c in choices])
        if json_out:
            print_json(report)
            return
        from rnnlab.tasks.timeseries.panelscore import table

        for line in table(report):
            typer.echo(line)
        return
    found = task.future(net, dev, future, model)
    rows = found["rows"]
    loses = _where_it_loses(run_dir) if model in (None, "rnn") else None
    if loses:  # in --json's notes too: a script reading them missed what stderr said (an outside trial)
        found["notes"].insert(0, loses)
    for note in found["notes"]:  # series left out of training, `best` past the horizon: never silent
        typer.echo(f"-- note: {note}", err=True)
    summary = {"runs": [run_dir.name], "steps": future, "left_out": found["left_out"],
               "forecast_left_out": found["forecast_left_out"], "switched": found["switched"], "notes": found["notes"]}
    if json_out and output is None:
        print_json({**summary, "rows": rows})
        return

    def write(fh) -> None:
        if fh is not sys.stdout and output.suffix.lower() == ".json":  # -o fc.json: the report, rows and all
            fh.write(json_text({**summary, "rows": rows}))
            return
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(list(rows[0]))
        for r in rows:
            w.writerow([csv_number(v) if isinstance(v, float) else v for v in r.values()])

    if output is None:
        write(sys.stdout)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            write(fh)
    except OSError as err:
        raise UserError(f"-o {output}: cannot write ({err.strerror})") from None
    n = task.data.size + len(found["forecast_left_out"])
    left = len(found["left_out"]) - len(found["forecast_left_out"])
    typer.echo(f"wrote {future} forecasts for each of {n} series to {output}"
               + (f" ({left} left out: see the note above)" if left else ""), err=True)
    if json_out:
        print_json({**summary, "output": str(output)})


def _where_it_loses(run_dir: Path) -> Optional[str]:
    """A note when the recurrent model, which `--future` gives by default, was at or below each
    series' best classical peer on fewer than half of the series scored on the test split (an
    outside trial forecast with a model that lost on 4 of 4, with no word). Out of the series
    scored, as the test table counts them (a run before test_series_scored: of every series)."""
    from rnnlab.runs.reader import read_info

    latest = read_info(run_dir).latest or {}
    won, n = latest.get("test_series_won"), latest.get("test_series_scored", latest.get("test_series"))
    if won is None or not n or won >= n / 2:
        return None
    return (f"the recurrent model is at or below each series' best classical peer on {int(won)} of {int(n)} "
            f"series scored on the test split; --model best takes each series' best, --model ets|theta|arima one peer")

