"""Issue 17: the metric panel's baselines (every one inside the y-range, each named) and the New
experiment form's forecasting defaults (patience and the run's name as `rnnlab train FILE.csv`
gives them; no T / seq_len for a forecast)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from test_tui_readable import _plot_of  # noqa: E402


def test_metric_plot_draws_and_names_the_baselines_below_the_curve():
    """val_rmse 11-17 beside seasonal_naive 10.23 and ets 8.49: the y-range stopped at the curve,
    so the baselines the model loses to were not drawn, and no red line had a name."""
    from rnnlab.tui.widgets.plot import Line, PlotData

    steps = np.arange(100, 1100, 100, dtype=np.float64)
    curve = np.linspace(17.0, 11.0, len(steps))
    data = PlotData([Line("val_rmse", steps, curve, "green")], hlines=[("naive", 25.72), ("s-naive", 10.23), ("ets", 8.49)],
                    name_hlines=True, legend=False)
    text = _plot_of(data, size=(60, 16))
    # each baseline named on the y axis at its line's height (a name written on the plot covered the
    # curve where it ran along a baseline); the curve's own ends as numbers
    labels = [m.group(1) for line in text.splitlines() if (m := re.match(r"\s*([^\s┤├│]+)[┤├]", line))]
    assert {"naive", "s-naive", "ets"} <= set(labels), text
    assert {"17", "11"} <= set(labels), text
    rows = {label: i for i, line in enumerate(text.splitlines()) if (m := re.match(r"\s*([^\s┤├│]+)[┤├]", line))
            for label in [m.group(1)]}
    assert rows["naive"] < rows["17"] < rows["11"] < rows["s-naive"] < rows["ets"], text  # top to bottom


def _form_values(**over):
    values = {"cell": "lstm", "attention": False, "layers": "1", "hidden": "64", "task": "timeseries", "source": "",
              "column": "", "time_column": "", "seq_len": "100", "window": "", "horizon": "", "optimizer": "adam",
              "lr": "0.001", "schedule": "constant", "clip": "1.0", "steps": "1000", "batch": "32", "device": "auto"}
    values.update(over)
    return values


def test_form_forecast_of_a_csv_gets_the_clis_patience_and_name(tmp_path):
    from rnnlab.config import TS_PATIENCE, load, validate
    from rnnlab.tui.newform import form_config

    csv = tmp_path / "sunspots.csv"
    csv.write_text("year,value\n" + "".join(f"{1700 + i},{(i * 7) % 50}\n" for i in range(120)))
    cli = load(str(csv))
    data, _ = form_config({}, _form_values(source=str(csv)), False)
    cfg = validate(data, "form")
    assert (cfg.name, cfg.train.steps, cfg.train.patience) == (cli.name, cli.train.steps, cli.train.patience) == (
        "sunspots", 1000, TS_PATIENCE)
    assert "seq_len" not in data["task"] and "steps" not in data["train"]
    # steps the user typed stand, as `--set train.steps=500` does: no patience then
    data, _ = form_config({}, _form_values(source=str(csv), steps="500"), False)
    assert validate(data, "form").train.patience == 0
    # a forecasting preset's own steps stand (as `rnnlab train ts-lstm`); its name gives way to the CSV's
    base = {"name": "ts-lstm", "task": {"kind": "timeseries", "source": "builtin:synthetic"}, "train": {"steps": 1000}}
    data, _ = form_config(base, _form_values(source=str(csv)), False)
    cfg = validate(data, "form")
    assert cfg.name == "sunspots" and cfg.train.steps == 1000 and cfg.train.patience == 0
    # another task's preset switched to timeseries: its steps were for that task
    base = {"name": "lstm-char", "task": {"kind": "text"}, "train": {"steps": 20000}}
    data, _ = form_config(base, _form_values(source=str(csv), steps="20000"), False)
    assert validate(data, "form").train.patience == TS_PATIENCE
    # a text run is untouched
    data, _ = form_config({}, _form_values(task="text"), False)
    assert data["train"]["steps"] == 1000 and data["task"]["seq_len"] == 100


def test_an_empty_source_field_keeps_the_presets_builtin_series():
    """The field shows a builtin source empty (`builtin default`); emptied, it dropped
    `ts-covariates`' `builtin:synthetic-driven` for the plain series, which has no covariates, and
    the form showed an error whatever was typed (a helper's trial). Another task's builtin goes."""
    from rnnlab.config import read_toml, validate
    from rnnlab.presets import resolve
    from rnnlab.tui.newform import form_config

    base = read_toml(resolve("ts-covariates"))
    assert base["task"]["source"].startswith("builtin:synthetic-")
    data, _ = form_config(base, _form_values(), False)
    assert data["task"]["source"] == base["task"]["source"] and validate(data, "form").task.covariates
    text = {"name": "lstm-char", "task": {"kind": "text", "source": "builtin:python-stdlib"}}
    data, _ = form_config(text, _form_values(), False)
    assert "source" not in data["task"] and validate(data, "form").task.source == "builtin:synthetic"


def test_form_hides_t_seq_len_for_a_forecast():
    from rnnlab.tui.newform import TASK_ONLY

    assert "timeseries" not in TASK_ONLY["seq_len"] and "text" in TASK_ONLY["seq_len"]
