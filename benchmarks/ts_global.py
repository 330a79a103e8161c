"""Item ts-global: one global recurrent model over a real panel, scored series by series beside
per-series classical peers (issue 17 item 7).

The panel is statsmodels' `fertility` (World Bank total fertility rate, births per woman: 219
countries x 1960-2013, yearly, wide format; it ships with statsmodels, nothing is downloaded).
It is written here to long format (unique_id = country code, ds = the year's first day, y), and
`rnnlab train ts-lstm --set task.source=fertility.csv --json` trains ONE LSTM on every country with
nothing else set: `unique_id, ds, y` makes it a panel, each country is scaled by its own training
years, window and horizon come from the data. Each country's test MASE stands beside naive, ETS,
Theta and ARIMA fitted on that country alone (rnnlab/tasks/timeseries/panelscore.py), on the very
same origins. The ratio is rnn / the best peer of that series (below 1: the global model wins).

    python -m benchmarks --only ts_global          (about 2 minutes on 2 cores)
    python -m benchmarks.ts_global OUT.csv         (only write the long-format CSV)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, check

ROOT = Path(__file__).resolve().parents[1]


def write_fertility(path: Path) -> Path:
    """statsmodels' fertility panel (wide: a row per country, a column per year) as long format."""
    import statsmodels.api as sm

    wide = sm.datasets.fertility.load_pandas().data
    years = [c for c in wide.columns if str(c).isdigit()]
    long = wide.melt(id_vars=["Country Code"], value_vars=years, var_name="year", value_name="y")
    long["ds"] = long["year"].astype(str) + "-01-01"
    long = long.rename(columns={"Country Code": "unique_id"})[["unique_id", "ds", "y"]]
    long.to_csv(path, index=False, float_format="%.4g")
    return path


def train(csv: Path, runs: Path, extra: list[str]) -> tuple[dict, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rnnlab", "train", "ts-lstm", "--set", f"task.source='{csv}'", *extra,
                           "--runs-dir", str(runs), "--json"], capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"rnnlab train failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout), wall


def run(quick: bool) -> list[Figure]:
    from rnnlab.tasks.timeseries.panelscore import table

    with tempfile.TemporaryDirectory() as tmp:
        csv = write_fertility(Path(tmp) / "fertility.csv")
        out, wall = train(csv, Path(tmp) / "runs", ["--set", "train.steps=100"] if quick else [])
    panel = out["panel"]
    agg = panel["aggregate"]
    best = agg["best_peer_mase_mean"]
    lines = table({"series": out["series"], "aggregate": agg}, most=8)
    print("\n".join(lines), file=sys.stderr)
    setup = (f"{agg['series']} countries in one run ({len(panel['left_out'])} left out: too short), window {panel['window']}, "
             f"horizon {panel['horizon']}, {out['steps']} steps; only the CSV named")
    figs = [
        Figure("ts-global", "fertility panel: one global LSTM, mean test MASE over countries", agg["rnn_mase_mean"], "",
               best, "best per-country peer, mean", agg["rnn_mase_mean"] / best, "", None, note=setup),
        Figure("ts-global", "ratio rnn / best per-country peer: geometric mean", agg["ratio_gmean"], "", 1.0, "parity",
               agg["ratio_gmean"], "<= 0.95 (issue 17's bar for the fused default)", check("<=", agg["ratio_gmean"], 0.95)),
        Figure("ts-global", "ratio rnn / best per-country peer: median", agg["ratio_median"], "", 1.0, "parity",
               agg["ratio_median"], "", None),
        Figure("ts-global", "countries where the global LSTM is at or below the best peer", 100.0 * agg["wins"] / max(1, agg["scored"]),
               "%", None, "", None, "", None, note=f"{agg['wins']} of {agg['scored']}"),
    ]
    for name, v in sorted(agg["peer_mase_mean"].items()):
        figs.append(Figure("ts-global", f"{name} fitted per country, mean test MASE", v, "", agg["rnn_mase_mean"],
                           "global LSTM", v / agg["rnn_mase_mean"], "", None))
    scored = sorted((r for r in out["series"] if r["ratio"] is not None), key=lambda r: r["ratio"])

    def say(r: dict) -> str:
        return f"{r['id']} {r['rnn_mase']:.2f} vs {r['best_peer']} {r['best_peer_mase']:.2f}"

    figs.append(Figure("ts-global", "wall time: read, train, score every country and its peers", wall, "s", None, "", None, "", None,
                       note=f"test MASE, best countries for the LSTM: {', '.join(say(r) for r in scored[:3])}; worst: "
                            f"{', '.join(say(r) for r in scored[-3:])}; {len(out['series']) - len(scored)} not scorable "
                            "(no two consecutive observed training years, so no MASE scale)"))
    return figs


if __name__ == "__main__":
    print(write_fertility(Path(sys.argv[1] if len(sys.argv) > 1 else "fertility.csv")))
