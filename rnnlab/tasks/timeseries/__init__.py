"""Forecasting a series with a recurrent model: the `timeseries` task's package.

Its rooms, from the bottom floor up (no import runs back up):

    metrics, numbers, sizes, stationarity, intervals,   no other room of the package (frequency:
    heads, frequency                                      metrics' ACF)
    read, series, features, holidays                     reading a CSV; a raw Series; time features
    synthetic                                            the builtin generated series
    data                                                 the pipeline: fill, difference, split, scale, windows
    covariates, classical, card, backtest                extra inputs; classical baselines; `rnnlab data`'s card
    members, fusion, verdict                             classical members, the fused forecast and its bands,
                                                         and the lines that say when a forecast loses
    report                                               `forecast_report`: trained models scored on test
    task, future                                         the task class (`[task] kind = "timeseries"`); --future
    panel, panelread, panelscore, oneid                  many series in one long-format CSV (`task.id_column`,
                                                         or `unique_id, ds, y`); scored per series beside its peers
    globaltask                                           one global model over a panel (tasks.make_task picks it)

`TimeSeriesTask`, `predict` and `forecast_report` are also reachable here (loaded on first use,
so that importing the package does not import torch).
"""

from __future__ import annotations

from typing import Any

_FRONT = {"TimeSeriesTask", "predict", "forecast_report"}


def __getattr__(name: str) -> Any:
    if name in _FRONT:
        from rnnlab.tasks.timeseries import task

        return getattr(task, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
