"""The Sweep screen's reader: one sweep's study, kept open between refreshes.

`rnnlab sweep show` opens the storage, replays the whole journal, reads every run store of the
runs dir and computes importances, each time; at 200 trials that is far too slow to repeat every
two seconds. The reader opens the study once (Optuna's journal storage then reads only the log
lines appended since the last read), takes the trials' run statuses from a `RunLister` (two stats
per unchanged run), and computes importances again only when the number of complete trials
changed. Each `read()` returns `rnnlab sweep show --json`'s object plus `curves` (each trial's
intermediate values) and `importance_trials` (the complete trials the importances rest on).
One thread calls it (the screen's worker). Torch-free.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from rnnlab.sweeps.study import MIN_IMPORTANCE_TRIALS  # one threshold for the screen and `sweep show`


class SweepReader:
    def __init__(self, sweep_dir: Path, min_importance_trials: int = MIN_IMPORTANCE_TRIALS) -> None:
        from rnnlab.runs.listing import RunLister
        from rnnlab.sweeps import record

        self.rec = record.load(Path(sweep_dir))
        self.min_trials = min_importance_trials
        self._study: Any = None
        self._spec: Any = None
        self._lister = RunLister(self.rec.runs_root)
        self._imp: tuple[Optional[int], Optional[dict], str] = (None, None, "")
        self.importance_runs = 0  # how many times importances were computed (tests, benchmark)

    def _open(self) -> None:
        from rnnlab.sweeps import study as studies

        if self._study is None:
            self._study = studies.load(self.rec.storage, self.rec.sweep_id)
            self._spec = studies.spec_of(self._study)

    def read(self) -> dict[str, Any]:
        from rnnlab.sweeps import manage, study as studies

        self._open()
        statuses = {i.trial: i.status for i in self._lister.list()
                    if i.sweep == self.rec.sweep_id and i.trial is not None}
        s = studies.summary(self._study, self._spec, run_status=statuses, with_importances=False)
        trials = studies.counted(self._study.get_trials(deepcopy=False))
        complete = sum(1 for t in trials if t.state.name == "COMPLETE")
        if self._imp[0] != complete:
            imp, how = studies.importances(self._study, trials, self.min_trials)
            self.importance_runs += complete >= self.min_trials  # computed, not refused
            self._imp = (complete, imp, how)
        _, imp, how = self._imp
        ctl = self.rec.controller()
        return {
            "sweep_id": self.rec.sweep_id, "name": self.rec.name, "status": manage.status(self.rec, s),
            **{k: v for k, v in s.items() if k not in ("sweep_id", "name")},
            "importances": imp, "importance_method": how, "importance_trials": complete,
            "pid": self.rec.alive_pid(), "storage": self.rec.storage, "message": ctl.get("message", ""),
            "curves": {t.number: sorted(t.intermediate_values.items()) for t in trials},
        }
