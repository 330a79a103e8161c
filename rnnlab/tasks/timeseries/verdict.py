"""Saying where a forecast stands, from a run's flat metrics (no numpy, no torch): the members'
and the fused forecast's scores side by side, one line when the model or the fused forecast is
worse than naive, seasonal-naive, drift or a classical member (on validation or test), and the
intervals' calibration notes. `train` prints these lines and puts the same facts into `--json`.

The store keeps metrics flat (tsfusion.evaluate names them): `member_<name>_test_mase`,
`member_<name>_val_mase`, `fused_test_*`, `fusion_weight_<name>`, `fusion_calibration_origins`,
`fusion_selection_origins`;
the baselines' test scores are `<baseline>_test_<metric>`, their validation ones `<baseline>_val_<metric>`.
"""

from __future__ import annotations

import math
from typing import Any, Optional

BASELINES = ("naive", "seasonal_naive", "drift", "ets")
LEVELS = (80.0, 95.0)
RNN = "rnn"


def members(metrics: dict[str, float]) -> dict[str, dict[str, float]]:
    """{member: {metric: value, "weight": w}} for the fusion's members and "fused"."""
    out: dict[str, dict[str, float]] = {}
    for key, value in metrics.items():
        if key.startswith("member_"):
            rest = key[len("member_"):]
            for split in ("_test_", "_val_"):
                name, sep, metric = rest.partition(split)
                if sep:
                    out.setdefault(name, {})[split.strip("_") + "_" + metric] = value
                    break
        elif key.startswith("fused_"):
            out.setdefault("fused", {})[key[len("fused_"):]] = value
        elif key.startswith("fusion_weight_"):
            out.setdefault(key[len("fusion_weight_"):], {})["weight"] = value
    return out


def test_baselines(metrics: dict[str, float]) -> dict[str, dict[str, float]]:
    """{baseline: {metric: value}} from `<baseline>_test_<metric>` keys."""
    out: dict[str, dict[str, float]] = {}
    for name in BASELINES:
        for key, value in metrics.items():
            if key.startswith(f"{name}_test_"):  # "seasonal_naive_test_x" does not start with "naive_test_"
                out.setdefault(name, {})[key[len(name) + 1:]] = value
    return out


def _ok(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def losses(metrics: dict[str, float], baselines: dict[str, float]) -> list[str]:
    """One line per forecast (the model's own, the fused one) that is worse, by MASE, than naive,
    seasonal-naive, drift or a classical member on validation or test, naming the best rival on each."""
    lines = []
    mem = members(metrics)
    classical = [k for k in mem if k not in ("fused", RNN)]
    for who, label in ((RNN, "the model"), ("fused", "the fused forecast")):
        said = []
        for split in ("val", "test"):
            if who == RNN:
                # the kept checkpoint's score, on the members' own origins: the run's flat `val_mase`
                # is the last evaluation's, which may be a later (worse) step than the one kept
                mine = mem.get(RNN, {}).get(f"{split}_mase")
                if not _ok(mine):
                    mine = metrics.get(f"{split}_mase", baselines.get(f"{split}_mase"))
            else:
                mine = mem.get("fused", {}).get(f"{split}_mase")
            if not _ok(mine):
                continue
            rivals: dict[str, float] = {}
            # the random walk and its drift too: a forecaster is told when tomorrow-as-today wins
            # (with no season, seasonal-naive is the naive forecast: named once, as naive)
            for base in ("naive", "seasonal_naive", "drift"):
                v = metrics.get(f"{base}_test_mase") if split == "test" else baselines.get(f"{base}_val_mase")
                if _ok(v) and not (base == "seasonal_naive" and rivals.get("naive") == v):
                    rivals[base.replace("_", "-")] = v
            for k in classical:
                v = mem[k].get(f"{split}_mase")
                if _ok(v):
                    rivals[k.replace("_", "-")] = v
            worse = {k: v for k, v in rivals.items() if round(v, 3) < round(mine, 3)}  # as printed: no "1.421 vs 1.421"
            if worse:
                best = min(worse, key=worse.get)
                others = len(worse) - 1
                more = f", and {others} other{'s' if others > 1 else ''}" if others else ""
                what = "validation" if split == "val" else "test"
                said.append(f"{best} on {what} (MASE {mine:.3f} vs {worse[best]:.3f}{more})")
        if said:
            lines.append(f"{label} is worse than " + "; than ".join(said))
    return lines


# a band's test coverage this far from its level, over at least COVERAGE_ORIGINS origins, is said
COVERAGE_OFF = 0.1
COVERAGE_ORIGINS = 20


def coverage_notes(metrics: dict[str, float], levels=LEVELS) -> list[str]:
    """One line per band (the model's own, the fused one) whose test coverage misses its level by
    more than COVERAGE_OFF, where the test split had COVERAGE_ORIGINS origins or more."""
    n = metrics.get("fusion_test_origins")
    if not _ok(n) or n < COVERAGE_ORIGINS:
        return []
    out = []
    for key, label in (("test", "the model's"), ("fused_test", "the fused forecast's")):
        for lv in levels:
            got = metrics.get(f"{key}_coverage_{float(lv):g}")
            if _ok(got) and abs(round(got, 2) - lv / 100.0) > COVERAGE_OFF + 1e-9:  # as printed: 0.90 for 80 % is inside
                what = "too narrow" if got < lv / 100.0 else "too wide"
                out.append(f"{label} {float(lv):g}% band covered {got:.2f} of the test values over {int(n)} origins: {what}")
    return out


def notes(metrics: dict[str, float], baselines: dict[str, float]) -> list[str]:
    """Every note on a forecasting run, in the order `train`, `show` and `--json`'s warnings give
    them: where it loses, a memorised training split, a close call, a band that fell back, a band
    that missed its level."""
    return (losses(metrics, baselines) + memorised(metrics) + selection_notes(metrics) + calibration_notes(metrics)
            + coverage_notes(metrics) + zero_notes(metrics))


def zero_notes(metrics: dict[str, float]) -> list[str]:
    """One line when some test values are 0 (counts, freezing-degree days, returns): MAPE leaves
    them out and sMAPE scores any forecast off 0 as 200, so neither ranks forecasters there."""
    share = metrics.get("test_zero_actuals")
    if not _ok(share) or share <= 0:
        return []
    return [f"{100 * share:.3g}% of the test values are 0: MAPE leaves them out and sMAPE scores every forecast off 0 as 200 %; "
            "compare forecasters by MASE here"]


# the training loss this many times below the validation loss: not a better fit, a memorised one
MEMORISED = 1000.0


def memorised(metrics: dict[str, float]) -> list[str]:
    """One line when the last training loss is under 1/MEMORISED of the last validation loss (a
    small series' few training windows learned by heart: HistData's Wheat, 4.5e-08 against 1.59)."""
    loss, val = metrics.get("loss"), metrics.get("val_loss")
    if not (_ok(loss) and _ok(val)) or loss < 0 or val <= 0 or loss * MEMORISED > val:
        return []
    return [f"the training loss fell to {loss:.2g} against {val:.3g} on validation: the network memorised its training "
            "windows (the checkpoint kept is the one validation scored best)"]


def needed_origins(level: float) -> int:
    """The fewest calibration origins whose ⌈(n+1)·L⌉-th smallest error exists: ⌈L/(100−L)⌉."""
    return math.ceil(float(level) / (100.0 - float(level)) - 1e-9)


def fallback_note(level: float, origins: int, need: Optional[int] = None, wider: bool = True) -> str:
    """'not enough history to calibrate 95%: N origins': a level the bands fell back on, and how
    (fusion.calibrate, intervals.ordered). `need`: the origins that path needs (default: the
    conformal rank's, needed_origins); `wider`: whether a calibrated band below it can widen it
    (not for `--model rnn`'s recursive path, future._calibration)."""
    n = needed_origins(level) if need is None else int(need)
    return (f"not enough history to calibrate {float(level):g}%: {int(origins)} origin{'s' if int(origins) != 1 else ''} (needs {n}); "
            "its band is the normal fallback ±z·σ of seasonal-naive's errors on the training split"
            + (", or the calibrated band below it × the z ratio if wider" if wider else ""))


def window_note(level: float, window: int, horizon: int) -> str:
    """A level no step can calibrate (99 % needs 99 errors; a step keeps its latest `window`) that
    the steps' pooled errors could not either: the cap, not the series' length, is why (an outside
    trial read `not enough history` on 1,716 rows)."""
    return (f"{float(level):g}% is not calibrated: it needs {needed_origins(level)} errors, and the bands keep each step's "
            f"latest {int(window)} ({int(window) * int(horizon)} pooled over the {int(horizon)} step{'s' if int(horizon) != 1 else ''}); "
            "its band is the normal fallback ±z·σ of seasonal-naive's errors on the training split, or the calibrated band "
            "below it × the z ratio if wider")


def calibration_notes(metrics: dict[str, float], levels=LEVELS) -> list[str]:
    """fallback_note for each level the fused bands fell back on."""
    n = metrics.get("fusion_calibration_origins")
    if not _ok(n):
        return []
    return [fallback_note(lv, int(n)) for lv in levels if n < needed_origins(lv)]


# fewer validation origins than this decide the fused weights by a close call, and a note says so
FEW_ORIGINS = 5


def selection_notes(metrics: dict[str, float]) -> list[str]:
    """One line when the fused weights were chosen on fewer than FEW_ORIGINS validation origins."""
    n = metrics.get("fusion_selection_origins")
    if not _ok(n) or n < 1 or n >= FEW_ORIGINS:
        return []
    return [f"the fused weights were {chosen_on(int(n))}: a close call; `rnnlab forecast RUN` scores every member on "
            "the test split, and `forecast RUN --future N --model NAME` takes one"]


def chosen_on(n: int) -> str:
    """'chosen on 1 validation origin': how many origins decided the fusion's weights (on one or
    two they are a close call); the fusion line and the dashboard's forecast panel say it."""
    return f"chosen on {n} validation origin{'' if n == 1 else 's'}"


def summary_line(metrics: dict[str, float]) -> str:
    """'fused 0.345 (arima 0.50, ets 0.50; chosen on 9 validation origins) | rnn 0.494 | arima 0.326 | ...'
    by test MASE."""
    mem = members(metrics)
    if "fused" not in mem:
        return ""
    weights = ", ".join(f"{k} {v['weight']:.2f}" for k, v in mem.items() if "weight" in v)
    n = metrics.get("fusion_selection_origins")
    if _ok(n):
        weights += f"; {chosen_on(int(n))}"
    parts = [f"fused {mem['fused'].get('test_mase', math.nan):.3f} ({weights})"]
    parts += [f"{k} {v['test_mase']:.3f}" for k, v in sorted(mem.items(), key=lambda kv: kv[1].get("test_mase", math.inf))
              if k != "fused" and _ok(v.get("test_mase"))]
    return "test MASE: " + " | ".join(parts)


__all__ = ["calibration_notes", "chosen_on", "coverage_notes", "notes", "selection_notes", "fallback_note", "window_note", "losses", "members", "summary_line", "test_baselines"]
