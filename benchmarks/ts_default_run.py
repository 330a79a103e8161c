"""Item ts-default: the whole-process wall time of a default forecasting run, `rnnlab train` on a
config that names only the CSV (`[task] kind = "timeseries"`, `source`), on short real series that
ship with statsmodels (benchmarks/forecast_real.py's loaders), beside the same run on the code
before issue 17 item 8's changes (commit BEFORE, unpacked with `git archive`), interleaved
(after, before, then before, after on the next series) in the same benchmark run.

Each run is a fresh `python -m rnnlab train CONFIG --json` process (imports, reading, the
classical members, training, the test split and its fusion: everything a user waits for), run
under `nice -n 10` like everything else on the shared box. The test MASE of the recurrent model
and of the fused forecast are recorded from both sides: the speed-up must not change them.
Target (issue 17): <= 30 s on a <= 1,000-row series.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure
from benchmarks.forecast_real import series

ROOT = Path(__file__).resolve().parents[1]
ITEM = "ts-default"
BEFORE = "f61a492"  # main before issue 17 item 8 (speed)
SERIES = ("nile", "macro_cpi", "elec_equip")


def code_at(rev: str, dest: Path) -> Path | None:
    """The rnnlab package as of `rev`, unpacked under `dest` (None without git or that commit)."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "rnnlab"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return dest


def train(csv: Path, runs: Path, code: Path) -> dict:
    """One default run with the rnnlab package found at `code`: wall and CPU seconds, its JSON."""
    config = csv.with_suffix(".toml")
    config.write_text(f'[task]\nkind = "timeseries"\nsource = "{csv}"\n', encoding="utf-8")
    cmd = ["nice", "-n", "10", sys.executable, "-m", "rnnlab", "train", str(config), "--runs-dir", str(runs), "--json"]
    env = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(runs))
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        out = json.loads(p.stdout)
    except json.JSONDecodeError:
        return {"wall_s": wall, "cpu_s": cpu, "error": (p.stderr or p.stdout).strip()[-300:]}
    m = out.get("metrics", {})
    return {"wall_s": wall, "cpu_s": cpu, "status": out.get("status"), "steps": out.get("step") or out.get("steps"),
            "rnn": m.get("test_mase"), "fused": m.get("fused_test_mase")}


def config_error(csv: Path, runs: Path) -> tuple[float, int, str]:
    """CPU seconds of `rnnlab train` on the CSV's config with `--set train.lr=abc` (a rejected
    config), its exit code and its one line."""
    config = csv.with_suffix(".toml")
    config.write_text(f'[task]\nkind = "timeseries"\nsource = "{csv}"\n', encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(["nice", "-n", "10", sys.executable, "-m", "rnnlab", "train", str(config), "--runs-dir", str(runs),
                        "--set", "train.lr=abc"], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, p.returncode, (p.stderr or p.stdout).strip().splitlines()[-1] if (p.stderr or p.stdout).strip() else ""


def measure(quick: bool) -> list[dict]:
    names = SERIES[:1] if quick else SERIES
    data = series()
    records = []
    with tempfile.TemporaryDirectory(prefix="rnnlab-default-") as tmp:
        tmp = Path(tmp)
        (tmp / "before").mkdir()
        old = code_at(BEFORE, tmp / "before")
        for i, name in enumerate(names):
            df, what = data[name]
            csv = tmp / f"{name}.csv"
            df.to_csv(csv, index=False)
            runs = tmp / "runs"
            runs.mkdir(exist_ok=True)
            sides = [("after", ROOT), ("before", old)] if i % 2 == 0 else [("before", old), ("after", ROOT)]
            rec: dict = {"series": name, "rows": len(df), "what": what}
            for side, code in sides:
                if code is not None:
                    rec[side] = train(csv, runs, code)
            if i == 0:
                errs = [config_error(csv, runs) for _ in range(3)]
                rec["config_error"] = {"cpu_s": [round(c, 3) for c, _, _ in errs], "rc": errs[0][1], "line": errs[0][2]}
            print(f"  {name}: {json.dumps(rec)}", flush=True)
            records.append(rec)
    return records


def figures(records: list[dict]) -> list[Figure]:
    figs = []
    for r in records:
        a, b = r.get("after", {}), r.get("before", {})
        if "error" in a:
            figs.append(Figure(ITEM, f"{r['series']} ({r['rows']} rows): default run failed", float("nan"), "", note=a["error"]))
            continue
        base = b.get("wall_s") if b and "error" not in b else None
        note = (f"{r['what']}; CPU {a['cpu_s']:.1f} s; test MASE RNN {a['rnn']:.3f}, fused {a['fused']:.3f}"
                + (f"; before ({BEFORE}): CPU {b['cpu_s']:.1f} s, test MASE RNN {b['rnn']:.3f}, fused {b['fused']:.3f}"
                   if base is not None else ""))
        figs.append(Figure(ITEM, f"default run, {r['series']} ({r['rows']} rows): whole process", a["wall_s"], "s", base,
                           f"the same run before ({BEFORE})" if base is not None else "", a["wall_s"] / base if base else None,
                           "<= 30 s", a["wall_s"] <= 30, note, extra=r))
    for r in records:
        if "config_error" in r:
            e = r["config_error"]
            cpu = sorted(e["cpu_s"])[len(e["cpu_s"]) // 2]
            figs.append(Figure(ITEM, "config error (`--set train.lr=abc` on the CSV's config): CPU seconds to the one line", cpu,
                               "s CPU", target="<= 1.0 s", met=cpu <= 1.0 and e["rc"] == 2,
                               note=f"median of {e['cpu_s']} s; exit code {e['rc']}: {e['line'][:160]}"))
    ok = [r for r in records if "error" not in r.get("after", {})]
    if ok:
        worst = max(r["after"]["wall_s"] for r in ok)
        figs.append(Figure(ITEM, "slowest default run of these (whole process)", worst, "s", target="<= 30 s", met=worst <= 30))
    return figs


def run(quick: bool = False) -> list[Figure]:
    return figures(measure(quick))
