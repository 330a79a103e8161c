"""The run store's public face: one SQLite database per run (WAL, one writer, many readers),
plus the config, checkpoints and worker log beside it. Plain sqlite3 + JSON, no torch.

    StoreWriter  - the worker records metrics, vectors, events, status, heartbeat (writer.py)
    RunReader    - viewers summarise and tail a run (reader.py)
    send_command - any process steers a worker (control.py)
    list_runs    - every run under a root; a damaged database is listed with status "corrupt"
"""

from rnnlab.runs.control import discard_pending, send_command
from rnnlab.runs.reader import (
    HUNG_AFTER_S,
    STALE_AFTER_S,
    Delta,
    Event,
    RunInfo,
    RunReader,
    effective_status,
    list_runs,
    pid_alive,
    read_info,
)
from rnnlab.runs.schema import SCHEMA_VERSION
from rnnlab.runs.writer import COMMANDS, LIVE_STATUSES, STATUSES, StoreWriter

__all__ = [
    "COMMANDS", "Delta", "Event", "HUNG_AFTER_S", "LIVE_STATUSES", "RunInfo", "RunReader", "SCHEMA_VERSION",
    "STALE_AFTER_S", "STATUSES", "StoreWriter", "discard_pending", "effective_status", "list_runs",
    "pid_alive", "read_info", "send_command",
]
