"""How a series is cut: the chronological train / val / test split, the window and horizon (set,
or from the data: a horizon of one season, a window of two, within what the splits hold), and the
one-line errors for a series too short for them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError


@dataclass(frozen=True)
class Splits:
    """Row counts of the chronological split of the work series."""

    train: int
    val: int
    test: int

    @property
    def total(self) -> int:
        return self.train + self.val + self.test

    def bounds(self, name: str) -> tuple[int, int]:
        lo = {"train": 0, "val": self.train, "test": self.train + self.val}[name]
        return lo, lo + getattr(self, name)


def split_sizes(m: int, val_fraction: float, test_fraction: float) -> Splits:
    """test = the last round(m * test_fraction) rows, val = round(m * val_fraction) before it."""
    n_test = int(round(m * test_fraction))
    n_val = int(round(m * val_fraction))
    return Splits(max(0, m - n_val - n_test), n_val, n_test)


def _short(s: Splits, window: int, horizon: int) -> list[str]:
    out = []
    if s.train < window + horizon:
        out.append(f"the training split has {s.train} rows, needs window + horizon = {window + horizon}")
    for name in ("val", "test"):
        if getattr(s, name) < horizon:
            out.append(f"the {name} split has {getattr(s, name)} rows, needs horizon = {horizon}")
    return out


def default_window_horizon(m: int, season: int, val_fraction: float, test_fraction: float) -> tuple[int, int]:
    """The window and horizon a forecaster would start from for `m` rows with this season: a
    horizon of one season (else a tenth of the rows, at most 12), a window of two seasons (at
    least 16 and twice the horizon), both cut to what the splits hold (the training split keeps
    at least half its rows as forecast origins). `rnnlab data` recommends exactly these."""
    s = split_sizes(m, val_fraction, test_fraction)
    horizon = season if 1 < season <= max(1, m // 10) else max(1, min(12, m // 10))
    horizon = max(1, min(horizon, s.val, s.test))
    window = max(2 * season, 16, 2 * horizon)
    window = max(2, min(window, (s.train - horizon) // 2))
    horizon = max(1, min(horizon, window // 2))
    return int(window), int(horizon)


def why_window_horizon(m: int, season: int, val_fraction: float, test_fraction: float, rows: Optional[int] = None) -> str:
    """default_window_horizon's choice in words, for the card (`window 93, horizon 12: ...`);
    `rows`: the series' rows as the card counts them (m, the rows modelled, is one fewer when
    the series is differenced)."""
    s = split_sizes(m, val_fraction, test_fraction)
    window, horizon = default_window_horizon(m, season, val_fraction, test_fraction)
    if 1 < season <= max(1, m // 10):
        h0, why_h = season, f"one season ({season})"
    else:
        h0 = max(1, min(12, m // 10))
        why_h = (f"a tenth of the {m} rows{' modelled (one fewer: differenced)' if rows is not None and rows != m else ''}, at most 12" + (f" (one season, {season}, needs {10 * season} rows)" if season > 1 else ""))
    if horizon < h0:
        why_h += f", cut to {horizon} by the val and test splits ({min(s.val, s.test)} rows) or the window"
    w0 = max(2 * season, 16, 2 * horizon)
    why_w = f"two seasons ({2 * season})" if w0 == 2 * season else ("at least 16" if w0 == 16 else "twice the horizon")
    if window < w0:
        why_w += f", cut to {window}: half the training split's {s.train} rows after one horizon"
    return f"window {window}, horizon {horizon}: the horizon {why_h}; the window {why_w}"


def trains(m: int, season: int, window: int, horizon: int, val_fraction: float, test_fraction: float) -> bool:
    """Whether `m` work rows train with this window and horizon: every split long enough, and a
    season shorter than the training split (the seasonal-naive baseline and MASE need one back)."""
    s = split_sizes(m, val_fraction, test_fraction)
    return not _short(s, window, horizon) and (season <= 1 or season < s.train)


def unseasoned(m: int, season: int, window: int, horizon: int, val_fraction: float, test_fraction: float) -> bool:
    """Whether `m` work rows train with this window and horizon only without the season (one
    longer than the training split: a 10-minute series' day of 144 beside 80 training rows): the
    card then recommends task.season = 1, and `train`'s refusal names it."""
    return (season > 1 and not trains(m, season, window, horizon, val_fraction, test_fraction)
            and trains(m, 1, window, horizon, val_fraction, test_fraction))


def min_rows(season: int) -> int:
    """The shortest series the defaults train on: three seasons, or 30 rows without one."""
    return 3 * season if season > 1 else 30


def resolve_window(cfg: TaskConfig, m: int, offset: int, season: int, origin: str) -> tuple[int, int]:
    """task.window / task.horizon where set, the data's defaults where not; a series too short for
    the defaults is one line saying the minimum."""
    if cfg.window is not None and cfg.horizon is not None:
        return int(cfg.window), int(cfg.horizon)
    need = min_rows(season)
    if m + offset < need:
        what = f"three seasons of {season}" if season > 1 else "30 rows for a series without a season"
        w, h = default_window_horizon(m, season, cfg.val_fraction, cfg.test_fraction)
        fits = trains(m, season, w, h, cfg.val_fraction, cfg.test_fraction)
        without = not cfg.season and unseasoned(m, season, w, h, cfg.val_fraction, cfg.test_fraction)
        raise UserError(
            f"{origin}: {m + offset} rows is too short to forecast: at least {need} are needed ({what}); "
            "or set task.window and task.horizon yourself" + (f" (as `rnnlab data` recommends: --set task.window={w} "
                                                              f"--set task.horizon={h}"
                                                              + (" --set task.season=1" if without else "") + ")"
                                                              if fits or without else "")
        )
    window, horizon = default_window_horizon(m, season, cfg.val_fraction, cfg.test_fraction)
    if cfg.horizon is not None:
        horizon = int(cfg.horizon)
        window = max(window, 2 * horizon) if cfg.window is None else window
    if cfg.window is not None:
        window = int(cfg.window)
    return window, horizon


def check_length(m: int, cfg: TaskConfig, origin: str, offset: int, window: Optional[int] = None,
                 horizon: Optional[int] = None) -> Splits:
    """The splits for `m` work rows, or a UserError saying which split is short and what would do."""
    window = int(cfg.window if window is None else window)
    horizon = int(cfg.horizon if horizon is None else horizon)
    s = split_sizes(m, cfg.val_fraction, cfg.test_fraction)
    problems = _short(s, window, horizon)
    if not problems:
        return s
    train_frac = 1.0 - cfg.val_fraction - cfg.test_fraction
    if train_frac <= 0:
        raise UserError(
            f"{origin}: task.val_fraction + task.test_fraction = {cfg.val_fraction + cfg.test_fraction:g} "
            "leaves no training split; keep their sum below 1"
        )
    # Rounding makes each split at most half a row longer than its fraction, so no length below
    # this bound can work; scanning up from it finds the shortest one that does.
    need = max(
        1,
        math.floor((window + horizon - 1) / train_frac),
        math.floor((horizon - 0.5) / cfg.val_fraction),
        math.floor((horizon - 0.5) / cfg.test_fraction),
    )
    while _short(split_sizes(need, cfg.val_fraction, cfg.test_fraction), window, horizon):
        need += 1
    raise UserError(
        f"{origin}: series too short for window {window} and horizon {horizon}: "
        f"{'; '.join(problems)}; it has {m + offset} rows, needs at least {need + offset} "
        "(or a smaller task.window / task.horizon)"
    )
