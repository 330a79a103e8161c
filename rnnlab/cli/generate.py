"""`rnnlab sample` (text from a char-LM run) and `rnnlab forecast` (score time-series runs on
their test split, alone and as a mean ensemble, beside the naive baselines; forecast the future
with prediction intervals; backtest from rolling origins)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt, csv_number, json_text, print_json
from rnnlab.errors import UserError


CheckpointOpt = Annotated[
    str,
    typer.Option("--checkpoint", "-c", metavar="best|last",
                 help="Which checkpoint to load: best (by the run's primary val metric) or last."),
]


def _run_dir(ref: str, runs_dir: Optional[Path]) -> Path:
    from rnnlab.runs import paths

    return paths.resolve_run(paths.runs_root(runs_dir), ref)


def sample(
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, name or directory.")],
    prime: Annotated[Optional[str], typer.Option("--prime", "-p", help="Text to start from (default: the run's [task] prime).")] = None,
    temperature: Annotated[Optional[float], typer.Option("--temperature", "-t", min=0.0, help="Below 1: safer, more repetitive; above 1: more diverse, less coherent; 0: greedy (always the likeliest).")] = None,
    top_k: Annotated[Optional[int], typer.Option("--top-k", "-k", min=0, help="Sample among the k likeliest characters (0: all).")] = None,
    top_p: Annotated[Optional[float], typer.Option("--top-p", min=1e-6, max=1.0, help="Nucleus sampling: the smallest set covering probability p.")] = None,
    length: Annotated[Optional[int], typer.Option("--length", "-n", min=1, help="Tokens to generate: characters, or words for a word-level run.")] = None,
    style: Annotated[Optional[str], typer.Option("--style", "-s", help="For a style-conditioned run ([task] condition): the style to write in.")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed for reproducible samples.")] = None,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda, cuda:N, mps or auto.")] = "cpu",
    runs_dir: RunsDirOpt = None,
    which: CheckpointOpt = "best",
) -> None:
    """Generate text from a text run's best (or last) checkpoint (in one style of a conditioned run)."""
    from rnnlab.tasks.generation import distinct_n, generate
    from rnnlab.inspect.loader import open_dir

    run_dir = _run_dir(run, runs_dir)
    loaded = open_dir(run_dir, device=device, which=which)
    cfg, task, model = loaded.config, loaded.task, loaded.model
    if cfg.task.kind != "text":
        raise UserError(f"run {run_dir.name} is {_a(cfg.task.kind)} run; `rnnlab sample` needs a text run (try `rnnlab forecast` for time series)")
    t = cfg.task
    dev = next(model.parameters()).device
    style_id = task.style_id(style)
    dropped = task.unknown_chars(prime if prime is not None else t.prime)
    from rnnlab.tui.i18n import lang, tf

    en = lang() == "en"  # English as it always read (its plurals); Chinese has none
    if dropped:
        shown = ", ".join(repr(c) for c in dropped)
        typer.echo(f"-- prime: dropped {len(dropped)} character{'s' if len(dropped) > 1 else ''} not in the run's vocabulary: {shown}"
                   if en else tf("-- prime: dropped {n} characters not in the run's vocabulary: {shown}", n=len(dropped), shown=shown),
                   err=True)
    unknown = task.unknown_words(prime if prime is not None else t.prime)
    if unknown:
        shown = ", ".join(repr(w) for w in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        typer.echo(f"-- prime: {len(unknown)} word{'s' if len(unknown) > 1 else ''} not in the run's vocabulary read as <unk>: {shown}"
                   if en else tf("-- prime: {n} words not in the run's vocabulary read as <unk>: {shown}", n=len(unknown), shown=shown),
                   err=True)
    text = generate(
        model,
        task,
        prime if prime is not None else t.prime,
        length if length is not None else t.sample_length,
        temperature if temperature is not None else t.temperature,
        top_k if top_k is not None else t.top_k,
        top_p if top_p is not None else t.top_p,
        dev,
        seed=seed,
        style=style_id,
    )
    shown_prime = prime if prime is not None else t.prime
    sys.stdout.write(shown_prime + text + ("" if text.endswith("\n") else "\n"))
    sys.stdout.flush()
    # n/a where the sample has fewer than n words: 0.000 read as a sample stuck in a loop (an outside
    # trial's greedy sample of spaces alone)
    d = [f"{distinct_n(text, n):.3f}" if len(text.split()) >= n else "n/a" for n in (1, 2, 3)]
    typer.echo(tf("-- distinct-1/2/3 (word): {d}", d=" / ".join(d)), err=True)
    if style is None and getattr(task, "conditioned", False):
        # no --style on a conditioned run: the model writes in its default style; say which
        styles = list(task.styles)
        default = styles[getattr(model, "style", 0)]
        others = ", ".join(s for s in styles if s != default)
        style_note = (f", style {default} (the default; --style {others} for the other{'s' if len(styles) > 2 else ''})" if en
                      else tf(", style {style} (the default; --style {others} for the others)", style=default, others=others))
    else:
        style_note = tf(", style {style}", style=style) if style else ""
    from rnnlab.cli.render import checkpoint_words

    typer.echo(tf("-- from the {checkpoint}{style}", checkpoint=checkpoint_words(loaded.checkpoint), style=style_note), err=True)


def forecast(
    runs: Annotated[list[str], typer.Argument(help="One or more time-series runs; several are also scored as a mean ensemble.")],
    future: Annotated[Optional[int], typer.Option("--future", "-f", min=1, help="Forecast N steps past the end of the data (recursively beyond the trained horizon), with intervals (a global run over a panel: points only, one row per series and step).")] = None,
    level: Annotated[Optional[list[float]], typer.Option("--level", "-l", min=1.0, max=99.9, help="Interval level in percent; repeat for several (default 80 and 95).")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="With --future: write the CSV here (default: stdout); a name ending in .json gets the --json report, rows included.")] = None,
    covariates: Annotated[Optional[Path], typer.Option("--covariates", help="With --future: a CSV with the future values of task.future_covariates (one row per future step).")] = None,
    backtest: Annotated[Optional[int], typer.Option("--backtest", "-b", min=1, help="Rolling-origin backtest: forecast from K origins over the test split, beside the baselines.")] = None,
    stride: Annotated[Optional[int], typer.Option("--stride", min=1, help="With --backtest: steps between origins (default: the horizon, so forecasts do not overlap).")] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="With --future: which forecast, fused (the default: the RNN and the classical members combined), rnn, ets, theta, arima, mstl (long seasons), seasonal_naive or, without a season, naive. A global run over a panel: rnn (its default), best (each series' best on its test split), naive, seasonal_naive, ets, theta, arima.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda, cuda:N, mps or auto.")] = "cpu",
    runs_dir: RunsDirOpt = None,
    which: CheckpointOpt = "best",
) -> None:
    """Score time-series runs on their test split beside the baselines (default), forecast the
    future with prediction intervals (--future), or backtest from rolling origins (--backtest)."""
    from rnnlab.tasks.timeseries import intervals as ti
    from rnnlab.tasks.timeseries.task import forecast_report

    if future is not None and backtest is not None:
        raise UserError("--future and --backtest are separate jobs; give one of them")
    if future is None:
        for flag, value in (("--output", output), ("--covariates", covariates), ("--model", model)):
            if value is not None:
                raise UserError(f"{flag} goes with --future N (it is about the forecast past the end of the data)")
    if stride is not None and backtest is None:
        raise UserError("--stride goes with --backtest K")
    levels = tuple(sorted(set(level))) if level else ti.LEVELS
    loaded, choices = _load_runs(runs, device, runs_dir, which)
    task = loaded[0][2]
    if getattr(task, "is_panel", False):  # one global model over many series
        from rnnlab.cli import panel_cmd

        return panel_cmd.forecast(loaded, choices, future, backtest, model, output, json_out, level, covariates)
    models = [m for *_, m in loaded]
    dev = next(loaded[0][3].parameters()).device
    names = [_run_name(d) for d, *_ in loaded]
    if future is not None:
        _future(models, task, future, levels, dev, covariates, output, json_out, [d.name for d, *_ in loaded], choices, model or "fused")
        return
    if backtest is not None:
        from rnnlab.tasks.timeseries.backtest import backtest_report

        report = backtest_report(models, task, backtest, stride, dev, levels)
        report["runs"] = [d.name for d, *_ in loaded]
        report["names"] = names
        report["checkpoints"] = [c.to_dict() for c in choices]
        if len(loaded) == 1:
            from rnnlab.runs.writer import append_vector

            # kept with the run, so `rnnlab show` can plot it
            append_vector(loaded[0][0], "backtest", report)
        if json_out:
            print_json(report)
        else:
            _print_backtest(report)
        return
    report = forecast_report(models, task, dev, levels)
    report["runs"] = [d.name for d, *_ in loaded]
    report["names"] = names
    report["checkpoints"] = [c.to_dict() for c in choices]
    if json_out:
        print_json(report)
        return
    _print_report(report)


def _load_runs(runs: list[str], device: str, runs_dir: Optional[Path], which: str) -> tuple[list, list]:
    """(run_dir, cfg, task, model) for each run, and the checkpoint each one loaded; an ensemble
    needs every [task] key to match."""
    from rnnlab.inspect.loader import open_dir

    loaded, choices = [], []
    for ref in runs:
        run_dir = _run_dir(ref, runs_dir)
        run = open_dir(run_dir, device=device, which=which)
        cfg, task, model = run.config, run.task, run.model
        if cfg.task.kind != "timeseries":
            raise UserError(f"run {run_dir.name} is {_a(cfg.task.kind)} run; `rnnlab forecast` needs time-series runs")
        if len(runs) > 1 and getattr(task, "is_panel", False):  # before the keys: a trial got `synthetic differs`
            raise UserError(f"run {run_dir.name} is a global model over many series; forecast one such run at a time")
        loaded.append((run_dir, cfg, task, model))
        choices.append(run.checkpoint)
    reference = loaded[0][1].task.model_dump()
    for run_dir, cfg, task, _ in loaded[1:]:
        # every [task] key shapes the data, the split or the features the models were trained on (the generator's
        # settings only where it made the data)
        for key, value in cfg.task.model_dump().items():
            if key == "synthetic" and cfg.task.source != "builtin:synthetic":
                continue
            if value != reference[key]:
                raise UserError(
                    f"run {run_dir.name}: [task] {key} = {_setting(key, value, task)} differs from {loaded[0][0].name}'s "
                    f"{_setting(key, reference[key], loaded[0][2])}; an ensemble needs the same data, split and features"
                )
    return loaded, choices


def _setting(key: str, value, task) -> str:
    """A [task] value as a message shows it: an unset season, window or horizon (0 / none) with
    the value the run took from its data (`0 (unset: 7 from the data)`)."""
    taken = {"season": getattr(task, "season", None), "window": task.data.window, "horizon": task.data.horizon}.get(key)
    return f"{value!r} (unset: {taken} from the data)" if value in (None, 0) and taken is not None else repr(value)


def _future(models, task, steps, levels, dev, covariates, output, json_out, run_ids, choices, model="fused") -> None:
    import csv

    from rnnlab.tasks.timeseries.future import future_forecast

    # a classical member reads only the series: it needs no covariates' future (the model does)
    member = model not in ("fused", "rnn")
    future_cov = None if covariates is None and member else task.read_future_covariates(covariates, steps)
    if covariates is not None and future_cov is None:
        raise UserError(f"--covariates {covariates}: the run has no task.future_covariates or task.covariates to read from it")
    report = future_forecast(models, task, steps, levels, dev, future_cov, model)
    # which weights made the numbers (best unless --checkpoint last), on stderr so pipes stay CSV
    from rnnlab.cli.render import checkpoint_words
    from rnnlab.tui.i18n import run_message, t, tf

    for run_id, c in zip(run_ids, choices):
        typer.echo(tf("-- {run}: from the {checkpoint}", run=run_id, checkpoint=checkpoint_words(c)), err=True)
    if report.get("weights"):
        weights = ", ".join(f"{k} {v:.2f}" for k, v in report["weights"].items())
        typer.echo(tf("-- forecast: {model} (fused weights: {weights}; --model rnn|NAME for one member)", model=report["model"],
                      weights=weights), err=True)
    for note in report.get("notes", []):
        typer.echo(f"-- {run_message(note)}", err=True)
    if report.get("clipped_at") is not None:
        typer.echo(t("-- the series is never negative: forecasts and bands below 0 are written as 0"), err=True)
    report["runs"] = run_ids
    report["checkpoints"] = [c.to_dict() for c in choices]
    columns = list(report["rows"][0])
    if json_out and output is None:
        print_json(report)
        return

    def write(fh) -> None:
        if fh is not sys.stdout and output.suffix.lower() == ".json":  # -o fc.json: the report, rows and all
            fh.write(json_text(report))
            return
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for row in report["rows"]:
            w.writerow([row[c] if isinstance(row[c], (str, int)) else csv_number(row[c]) for c in columns])

    if output is None:
        write(sys.stdout)
        sys.stdout.flush()
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            write(fh)
    except OSError as err:
        raise UserError(f"-o {output}: cannot write ({err.strerror})") from None
    if json_out:
        print_json({k: v for k, v in report.items() if k != "rows"} | {"output": str(output)})
    else:
        note = tf(", recursive beyond the horizon {horizon}", horizon=report["horizon"]) if report["recursive"] else ""
        typer.echo(tf("wrote {steps} forecasts ({step}{note}) after {last} to {output}; conformal intervals {levels}",
                      steps=steps, step=report["step"], note=note, last=report["last_time"], output=output,
                      levels=", ".join(f"{v:g}%" for v in report["levels"])), err=True)


def _a(word: str) -> str:
    """'a copy', 'an adding': the article that goes before `word`."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _run_name(run_dir: Path) -> str:
    from rnnlab.runs.store import RunReader

    with RunReader(run_dir) as reader:
        name = reader.info().name
    return f"{name} ({run_dir.name})" if name else run_dir.name


_COLUMNS = ("rmse", "mae", "mse", "mape", "smape", "mase")


def _print_report(report: dict) -> None:
    """Members, their mean ensemble and the baselines, one row each, on the same test windows
    (row labels in the interface language, padded by terminal cells; metric names as typed)."""
    from rnnlab.tui.i18n import pad, t, tf

    rows: list[tuple[str, dict]] = []
    for name, entry in zip(report["names"], report["models"]):
        rows.append((name, entry))
    if len(report["models"]) > 1:
        rows.append((tf("ensemble (mean of {n})", n=report["ensemble"]["size"]), report["ensemble"]))
    if report.get("fused"):  # one run: the forecast `--future` gives, and each classical member (refitted on train + val)
        rows.append((t("fused (the default forecast)"), report["fused"]))
        # seasonal-naive's and naive's members are the baselines below, the same numbers
        rows += [(tf("{name} (member)", name=n), m) for n, m in report.get("members", {}).items() if n not in ("seasonal_naive", "naive")]
    base = report["baselines"]
    for label, prefix in (("naive", "naive_"), ("seasonal naive", "seasonal_naive_"), ("drift", "drift_"), ("exp. smoothing", "ets_")):
        if prefix == "seasonal_naive_" and report["season"] <= 1:
            continue  # with no season it is the naive forecast: one row, not two the same (--json keeps both)
        rows.append((t(label), {k[len(prefix):]: v for k, v in base.items() if k.startswith(prefix)}))
    width = max(_cells(name) for name, _ in rows)
    typer.echo(tf("test split: {windows} windows, horizon {horizon}, season {season}; errors in the series' own units "
                  "(MAPE/sMAPE in %)", windows=report["windows"], horizon=report["horizon"], season=report["season"]))
    used = ", ".join(tf("{name} {which} step {step}", name=name.split(" (")[0], which=c["which"], step=c["step"])
                     + ("" if c["which"] == c["asked"] else tf(" (no {asked} kept)", asked=c["asked"]))
                     for name, c in zip(report["names"], report["checkpoints"]))
    typer.echo(tf("checkpoints: {used}", used=used))
    header = "  ".join(f"{c:>9}" for c in _COLUMNS) + f"  {'Ljung-Box p':>11}"
    typer.echo(f"{'':<{width}}  {header}")
    for name, entry in rows:
        cells = "  ".join(_cell(entry.get(f"test_{c}")) for c in _COLUMNS)
        p = entry.get("test_ljung_box_p")
        typer.echo(f"{pad(name, width)}  {cells}  {_cell(p, 11)}")
    if "ets" in report.get("members", {}):  # two ETS rows that differ: each said for what it is
        typer.echo(t("exp. smoothing: the ETS baseline, fitted on the training split alone; ets (member): refitted on "
                     "train + val before the test, the forecast `--model ets` gives"))
    _print_intervals(report.get("levels") or [], rows, width)


def _cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def _print_intervals(levels: list[float], rows: list[tuple[str, dict]], width: int) -> None:
    """Coverage and mean width of each conformal band, and the pinball loss, on the same windows."""
    if not levels:
        return
    from rnnlab.tasks.timeseries.intervals import level_name
    from rnnlab.tui.i18n import pad, rpad, t, tf

    names = [level_name(v) for v in levels]
    typer.echo("")
    fused = any(name == t("fused (the default forecast)") for name, _ in rows)
    typer.echo(t("intervals: split-conformal per horizon step, calibrated on the validation errors")
               + (t("; the fused forecast's roll on with the errors known at each test origin") if fused else ""))
    cols = [tf("cover {n}%", n=n) for n in names] + [tf("width {n}%", n=n) for n in names] + ["pinball"]
    typer.echo(f"{'':<{width}}  " + "  ".join(rpad(c, 10) for c in cols))
    for name, entry in rows:
        keys = [f"test_coverage_{n}" for n in names] + [f"test_width_{n}" for n in names] + ["test_pinball"]
        if not any(k in entry for k in keys):  # the classical members have point forecasts only
            continue
        typer.echo(f"{pad(name, width)}  " + "  ".join(_cell(entry.get(k), 10) for k in keys))


_BT_FORECASTERS = (("model", "model"), ("fused", "fused"), ("naive", "naive"), ("seasonal_naive", "seasonal naive"))


def _print_backtest(report: dict) -> None:
    """One row per origin (the model's, the fused forecast's, naive's and seasonal-naive's RMSE,
    and the fused band's coverage), then the mean over origins for each forecaster."""
    from rnnlab.tasks.timeseries.intervals import level_name
    from rnnlab.tui.i18n import pad, rpad, t, tf

    lv = [level_name(v) for v in report["levels"]]
    who = report["names"][0] if len(report["names"]) == 1 else tf("ensemble of {n}", n=len(report["names"]))
    typer.echo(tf("backtest of {who}: {n} origins over the test split, stride {stride}, horizon {horizon}, season {season}; "
                  "model fixed", who=who, n=report["backtest"], stride=report["stride"], horizon=report["horizon"],
                  season=report["season"]))
    # with no season seasonal-naive is the naive forecast: one column, not two the same (--json keeps both)
    shown = [(n, label) for n, label in _BT_FORECASTERS if n in report["mean"] and not (n == "seasonal_naive" and report["season"] <= 1)]
    # whose numbers each column holds (an outside trial read the model's band as the fused one's):
    # RMSE per forecaster, the coverage of the band of the forecast `--future` gives
    banded = "fused" if "fused" in report["mean"] else "model"
    typer.echo(tf("at each origin: every forecaster's RMSE, and the {who} forecast's band coverage",
                  who=t("fused") if banded == "fused" else t("model")))
    head = [t("origin"), t("time")] + [t("s-naive" if n == "seasonal_naive" else n) for n, _ in shown]
    head += [tf("cover {n}%", n=n) for n in lv]
    typer.echo("  ".join(rpad(h, 19 if k == 1 else 9) for k, h in enumerate(head)))
    for row in report["origins"]:
        cells = [f"{row['origin']:>9}", f"{(row['time'] or '-')[:19]:>19}"]
        cells += [_cell(row[name]["rmse"]) for name, _ in shown]
        cells += [_cell(row[banded].get(f"coverage_{n}")) for n in lv]
        typer.echo("  ".join(cells))
    typer.echo("")
    typer.echo(t("mean over origins"))
    cols = ["rmse", "mae", "mase", "smape"] + [f"coverage_{n}" for n in lv] + [f"width_{n}" for n in lv] + ["pinball"]

    def col(c: str) -> str:
        n = c.split("_", 1)[-1]
        return tf("cover {n}", n=n) if c.startswith("coverage_") else tf("width {n}", n=n) if c.startswith("width_") else c

    typer.echo(f"{'':<15}  " + "  ".join(rpad(col(c), 9) for c in cols))
    for name, label in shown:
        typer.echo(f"{pad(t(label), 15)}  " + "  ".join(_cell(report["mean"][name].get(c)) for c in cols))


def _cell(value, width: int = 9) -> str:
    if value is None:
        return f"{'-':>{width}}"
    return f"{value:>{width}.4g}"


def register(app: typer.Typer) -> None:
    app.command("sample")(sample)
    app.command("forecast")(forecast)
