"""Run statuses: the one list the store, the CLI and the lab read (torch-free).

A worker records one of `RECORDED`. Readers may report three more: "crashed" for a live record
whose worker is gone (see reader.effective_status), "corrupt" for a database that cannot be
read (reader.list_runs), and "busy" for one another process keeps locked longer than a listing
waits (read again on the next listing). Anything that styles, filters or explains statuses takes them from here.
"""

from __future__ import annotations

# "pruned": a sweep's pruner stopped the trial early (rnnlab/sweeps); its checkpoint is kept.
RECORDED = ("queued", "running", "paused", "finished", "stopped", "pruned", "failed", "diverged", "crashed")
LIVE = ("queued", "running", "paused")
# Ended without a result worth reading (a lesson's check, `rnnlab train`'s exit status).
FAILED = ("failed", "diverged", "crashed")
CORRUPT = "corrupt"  # never recorded: only a reader that could not open the database says it
BUSY = "busy"  # never recorded: a listing found the database locked (a stopped or hung writer)
ALL = (*RECORDED, CORRUPT, BUSY)

# A run in one of these continues from its newest checkpoint on `rnnlab resume` (or `r` in the
# lab); "failed" and "diverged" only with a checkpoint (a disk that was full, a bug fixed since; a
# clip set on resume), since a run that failed or diverged before its first one has nothing to
# continue from: a diverged one trained again from step 0 under the same name and lost the record
# of its divergence (an outside trial).
RESUMABLE = ("stopped", "pruned", "crashed", "diverged", "failed")
NEEDS_CHECKPOINT = ("failed", "diverged")

# Statuses whose message says why the run is not going (the dashboard header shows it).
EXPLAINED = ("stopped", "pruned", "failed", "diverged", "crashed", CORRUPT, BUSY)

# Rich styles for the lab's status cells and header.
STYLE = {
    "queued": "yellow",
    "running": "bold green",
    "paused": "bold yellow",
    "finished": "bold",
    "stopped": "yellow",
    "pruned": "magenta",
    "failed": "bold red",
    "diverged": "bold red",
    "crashed": "bold red",
    CORRUPT: "bold magenta",
    BUSY: "dim",
}
assert set(STYLE) == set(ALL), "every status has one style"
