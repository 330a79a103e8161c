"""Item ts-read: reading a long time series. `rnnlab data FILE`'s card of a 300,000-row hourly CSV
(read, frequency, missing rows, stationarity tests, seasons, ACF, the plots: everything the card
says) against the floor, pandas.read_csv + pandas.infer_freq of the same file, measured
interleaved in the same run, after a first call that paid the imports (pandas, statsmodels,
plotext) and put the file in the page cache. Target: the card in <= 0.5 s (issue 17).

Beside it, in the same run: the same text card on the code before issue 17 item 8 (commit
BEFORE, unpacked with `git archive`) and on this code, each in its own process (imports paid
first, then timed), interleaved; the card as `--json` builds it (every row's value and ISO time);
and `load_csv` alone.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import Figure, check, interleaved, median, timed
from benchmarks.ts_default_run import BEFORE, code_at

ROWS = 300_000
ROOT = Path(__file__).resolve().parents[1]

# one process: import, a first call (imports inside, page cache), then REPS timed calls
_TIMER = r"""
import contextlib, io, json, sys, time
from pathlib import Path
import rnnlab
from rnnlab.cli.data import data
print(rnnlab.__file__, file=sys.stderr)
path, reps = Path(sys.argv[1]), int(sys.argv[2])
def once():
    with contextlib.redirect_stdout(io.StringIO()):
        data(path, None, None, None, False)
once()
out = []
for _ in range(reps):
    t = time.perf_counter(); once(); out.append(time.perf_counter() - t)
print(json.dumps(out))
"""


def write_hourly(path: Path, n: int = ROWS) -> Path:
    import pandas as pd

    t = np.arange(n)
    rng = np.random.default_rng(0)
    y = 10 + np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 168) + 0.3 * rng.standard_normal(n)
    stamps = pd.date_range("2000-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S")
    pd.DataFrame({"timestamp": stamps, "load": np.round(y, 3)}).to_csv(path, index=False)
    return path


def text_card(path: Path) -> None:
    """`rnnlab data FILE` as the command runs it (summary, both plots, settings), output dropped."""
    from rnnlab.cli.data import data

    with contextlib.redirect_stdout(io.StringIO()):
        data(path, None, None, None, False)


def in_process(code: Path, path: Path, reps: int) -> float:
    """The median text card time in a fresh process importing rnnlab from `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    # cwd: the CSV's folder, not this checkout (`python -c` puts the cwd first on sys.path)
    p = subprocess.run([sys.executable, "-c", _TIMER, str(path), str(reps)], capture_output=True, text=True, env=env, timeout=600,
                       cwd=str(path.parent))
    if p.returncode:
        raise RuntimeError(p.stderr[-400:])
    if not p.stderr.startswith(str(code)):  # the package timed must be the one asked for
        raise RuntimeError(f"imported {p.stderr.splitlines()[:1]}, not rnnlab from {code}")
    return median(json.loads(p.stdout))


_FLOOR = "import sys, pandas as pd; pd.infer_freq(pd.DatetimeIndex(pd.read_csv(sys.argv[1], parse_dates=['timestamp'])['timestamp']))"


def process(code: Path | None, path: Path) -> float:
    """Wall seconds of a whole `python -m rnnlab data FILE` (imports included) with rnnlab from
    `code`, or of a python process doing the floor (`code` None)."""
    cmd = [sys.executable, "-m", "rnnlab", "data", str(path)] if code is not None else [sys.executable, "-c", _FLOOR, str(path)]
    env = {**os.environ, "PYTHONPATH": str(code or "")}
    return timed(lambda: subprocess.run(cmd, capture_output=True, env=env, cwd=str(path.parent), timeout=600, check=True))


def run(quick: bool) -> list[Figure]:
    import pandas as pd

    from rnnlab.tasks.timeseries import card as tscard
    from rnnlab.tasks.timeseries import data as tsdata

    reps = 3 if quick else 7
    with tempfile.TemporaryDirectory() as tmp:
        path = write_hourly(Path(tmp) / "hourly.csv")
        text_card(path)  # imports (pandas, statsmodels, plotext) and the file in the page cache
        tscard.build(path)

        def floor() -> float:
            return timed(lambda: pd.infer_freq(pd.DatetimeIndex(pd.read_csv(path, parse_dates=["timestamp"])["timestamp"])))

        times = interleaved({
            "text": lambda: timed(lambda: text_card(path)),
            "card": lambda: timed(lambda: tscard.build(path)),
            "load": lambda: timed(lambda: tsdata.load_csv(path)),
            "floor": floor,
        }, reps)
        (Path(tmp) / "before").mkdir()
        old = code_at(BEFORE, Path(tmp) / "before")
        sides = {"after": lambda: in_process(ROOT, path, 3)}
        if old is not None:
            sides["before"] = lambda: in_process(old, path, 3)
        procs = interleaved(sides, 2 if quick else 3)
        whole_sides = {"after": lambda: process(ROOT, path), "floor": lambda: process(None, path)}
        if old is not None:
            whole_sides["before"] = lambda: process(old, path)
        whole = interleaved(whole_sides, 2 if quick else 3)
    text, card, load, base = (median(times[k]) for k in ("text", "card", "load", "floor"))
    after = median(procs["after"])
    before = median(procs["before"]) if "before" in procs else None
    spread = ", ".join(f"{x:.2f}" for x in times["text"])
    return [
        Figure("ts-read", f"`rnnlab data` text card, {ROWS:,}-row hourly CSV", text, "s", base, "pandas read_csv + infer_freq",
               text / base, "<= 0.5 s", check("<=", text, 0.5),
               note=f"median of {reps} [{spread}] s, after a first call that paid the imports; time column found without "
                    "being named; ADF/KPSS on the training split's last 5,000 rows, the ACF and detected periods on the last "
                    "20,000, the plot from 2 rows per terminal column"),
        Figure("ts-read", "the same text card, this code vs before (each in its own process)", after, "s", before,
               f"before ({BEFORE})" if before is not None else "", after / before if before else None, "", None,
               note=f"medians of {len(procs['after'])} processes x 3 calls each; after {[round(x, 2) for x in procs['after']]} s, "
                    f"before {[round(x, 2) for x in procs.get('before', [])]} s"),
        Figure("ts-read", "`rnnlab data FILE` whole process (imports included), this code vs before", median(whole["after"]), "s",
               median(whole["before"]) if "before" in whole else None, f"before ({BEFORE})" if "before" in whole else "",
               median(whole["after"]) / median(whole["before"]) if "before" in whole else None, "", None,
               note=f"after {[round(x, 2) for x in whole['after']]} s, before {[round(x, 2) for x in whole.get('before', [])]} s; "
                    f"a python process doing only the floor (import pandas, read_csv + infer_freq) "
                    f"{[round(x, 2) for x in whole['floor']]} s. The card imports no torch now (rnnlab.tasks loads it on first use)"),
        Figure("ts-read", f"card as `--json` builds it (every row's value and time), {ROWS:,} rows", card, "s", base,
               "pandas read_csv + infer_freq", card / base, "", None),
        Figure("ts-read", f"load_csv (read + frequency), {ROWS:,} rows", load, "s", base, "pandas read_csv + infer_freq",
               load / base, "", None),
    ]
