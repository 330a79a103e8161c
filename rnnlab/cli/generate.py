"""`rnnlab sample` (text from a char-LM run) and `rnnlab forecast` (score time-series runs on
their test split, alone and as a mean ensemble, beside the naive baselines)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnnlab.cli.common import RunsDirOpt, print_json
from rnnlab.errors import UserError


def _run_dir(ref: str, runs_dir: Optional[Path]) -> Path:
    from rnnlab.runs import paths

    return paths.resolve_run(paths.runs_root(runs_dir), ref)


def sample(
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, name or directory.")],
    prime: Annotated[Optional[str], typer.Option("--prime", "-p", help="Text to start from (default: the run's [task] prime).")] = None,
    temperature: Annotated[Optional[float], typer.Option("--temperature", "-t", min=1e-4, help="Below 1: safer, more repetitive; above 1: more diverse, less coherent.")] = None,
    top_k: Annotated[Optional[int], typer.Option("--top-k", "-k", min=0, help="Sample among the k likeliest characters (0: all).")] = None,
    top_p: Annotated[Optional[float], typer.Option("--top-p", min=1e-6, max=1.0, help="Nucleus sampling: the smallest set covering probability p.")] = None,
    length: Annotated[Optional[int], typer.Option("--length", "-n", min=1, help="Characters to generate.")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed for reproducible samples.")] = None,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda, cuda:N, mps or auto.")] = "cpu",
    runs_dir: RunsDirOpt = None,
) -> None:
    """Generate text from a text run's newest checkpoint."""
    from rnnlab.tasks.text import distinct_n, generate
    from rnnlab.train.session import load_run

    run_dir = _run_dir(run, runs_dir)
    cfg, task, model = load_run(run_dir, device=device)
    if cfg.task.kind != "text":
        raise UserError(f"run {run_dir.name} is a {cfg.task.kind} run; `rnnlab sample` needs a text run (try `rnnlab forecast` for time series)")
    t = cfg.task
    dev = next(model.parameters()).device
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
    )
    shown_prime = prime if prime is not None else t.prime
    sys.stdout.write(shown_prime + text + ("" if text.endswith("\n") else "\n"))
    sys.stdout.flush()
    d = [distinct_n(text, n) for n in (1, 2, 3)]
    typer.echo(f"-- distinct-1/2/3 (word): {d[0]:.3f} / {d[1]:.3f} / {d[2]:.3f}", err=True)


def forecast(
    runs: Annotated[list[str], typer.Argument(help="One or more time-series runs; several are also scored as a mean ensemble.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda, cuda:N, mps or auto.")] = "cpu",
    runs_dir: RunsDirOpt = None,
) -> None:
    """Forecast the test split with time-series runs and score them beside the baselines."""
    from rnnlab.tasks.timeseries import forecast_report
    from rnnlab.train.session import load_run

    loaded = []
    for ref in runs:
        run_dir = _run_dir(ref, runs_dir)
        cfg, task, model = load_run(run_dir, device=device)
        if cfg.task.kind != "timeseries":
            raise UserError(f"run {run_dir.name} is a {cfg.task.kind} run; `rnnlab forecast` needs time-series runs")
        loaded.append((run_dir, cfg, task, model))
    first = loaded[0][1].task
    reference = first.model_dump()
    for run_dir, cfg, _, _ in loaded[1:]:
        # every [task] key shapes the data, the split or the features the models were trained on
        for key, value in cfg.task.model_dump().items():
            if value != reference[key]:
                raise UserError(
                    f"run {run_dir.name}: [task] {key} = {value!r} differs from {loaded[0][0].name}'s "
                    f"{reference[key]!r}; an ensemble needs the same data, split and features"
                )
    task = loaded[0][2]
    dev = next(loaded[0][3].parameters()).device
    report = forecast_report([m for *_, m in loaded], task, dev)
    report["runs"] = [d.name for d, *_ in loaded]
    report["names"] = [_run_name(d) for d, *_ in loaded]
    if json_out:
        print_json(report)
        return
    _print_report(report)


def _run_name(run_dir: Path) -> str:
    from rnnlab.runs.store import RunReader

    with RunReader(run_dir) as reader:
        name = reader.info().name
    return f"{name} ({run_dir.name})" if name else run_dir.name


_COLUMNS = ("rmse", "mae", "mse", "mape", "smape", "mase")


def _print_report(report: dict) -> None:
    """Members, their mean ensemble and the baselines, one row each, on the same test windows."""
    rows: list[tuple[str, dict]] = []
    for name, entry in zip(report["names"], report["models"]):
        rows.append((name, entry))
    if len(report["models"]) > 1:
        rows.append((f"ensemble (mean of {report['ensemble']['size']})", report["ensemble"]))
    base = report["baselines"]
    for label, prefix in (("naive", "naive_"), ("seasonal naive", "seasonal_naive_"), ("drift", "drift_"), ("exp. smoothing", "ets_")):
        rows.append((label, {k[len(prefix):]: v for k, v in base.items() if k.startswith(prefix)}))
    width = max(len(name) for name, _ in rows)
    typer.echo(
        f"test split: {report['windows']} windows, horizon {report['horizon']}, season {report['season']}; "
        "errors in the series' own units (MAPE/sMAPE in %)"
    )
    header = "  ".join(f"{c:>9}" for c in _COLUMNS) + f"  {'Ljung-Box p':>11}"
    typer.echo(f"{'':<{width}}  {header}")
    for name, entry in rows:
        cells = "  ".join(_cell(entry.get(f"test_{c}")) for c in _COLUMNS)
        p = entry.get("test_ljung_box_p")
        typer.echo(f"{name:<{width}}  {cells}  {_cell(p, 11)}")


def _cell(value, width: int = 9) -> str:
    if value is None:
        return f"{'-':>{width}}"
    return f"{value:>{width}.4g}"


def register(app: typer.Typer) -> None:
    app.command("sample")(sample)
    app.command("forecast")(forecast)
