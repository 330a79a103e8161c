"""A run's threads follow the cores other processes leave it (rnnlab/train/threadshare.py): the
arithmetic on the machine's readings, and the count set in torch."""

from __future__ import annotations

import time

import torch

from rnnlab.train.threadshare import ThreadShare


def _readings(rows):
    """Samples as /proc/stat and os.times give them: (seconds, idle jiffies, all jiffies, own CPU seconds)."""
    it = iter(rows)
    return lambda: next(it)


def test_threads_drop_when_a_neighbour_takes_a_core_and_climb_back_when_it_leaves():
    before = torch.get_num_threads()
    t0 = time.monotonic() - 10  # readings in the past: every tick is due
    # 2 cores, 200 jiffies a second. Alone: the machine busy 2 cores, all of them ours.
    # Then a neighbour: busy 2 cores, ours 1 (it has the other). Then it leaves.
    rows = [(t0, 0, 0, 0.0),
            (t0 + 2, 0, 400, 4.0),        # busy 2.0, own 2.0: others 0 -> stays 2
            (t0 + 4, 0, 800, 6.0),        # busy 2.0, own 1.0: others 1.0 -> 1 thread
            (t0 + 6, 40, 1200, 7.8),      # busy 1.8, own 0.9: others 0.9 -> stays 1
            (t0 + 8, 80, 1600, 9.6),      # busy 1.8, own 0.9 ...
            (t0 + 10, 200, 2000, 11.5),   # busy 1.4, own 0.95: others 0.45 -> stays 1 (back at 0.3 or less)
            (t0 + 12, 400, 2400, 13.4)]   # busy 1.0, own 0.95: others 0.05 -> back to 2
    try:
        share = ThreadShare(2, cores=2, every_s=0.0, machine=2, sample=_readings(rows))
        assert share.tick() is None and share.now == 2 and share.used_by_others == 0.0
        assert share.tick() == 1 and torch.get_num_threads() == 1 and share.previous == 2
        assert abs(share.used_by_others - 1.0) < 1e-9
        assert share.tick() is None and share.tick() is None and share.tick() is None and share.now == 1
        assert share.tick() == 2 and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_one_thread_or_no_proc_stat_is_left_alone():
    assert ThreadShare(1, cores=2, every_s=0.0, sample=_readings([])).tick() is None  # never reads
    share = ThreadShare(2, cores=2, every_s=0.0, sample=_readings([None]))
    assert share.tick() is None and share.now == 2


def test_a_neighbour_between_the_lines_flips_nothing_and_only_our_cpus_are_read():
    t0 = time.monotonic() - 10
    # others at 0.5 of a core, then 0.69: two threads stay (down at 0.7); readings 2 s apart
    rows = [(t0, 0, 0, 0.0), (t0 + 2, 0, 400, 3.0), (t0 + 4, 0, 800, 5.62)]
    share = ThreadShare(2, cores=2, every_s=0.0, machine=2, sample=_readings(rows))
    assert share.tick() is None and share.tick() is None and share.now == 2
    assert abs(share.used_by_others - 0.69) < 1e-9
    # the CPUs of this process's affinity: their own lines of /proc/stat, no more than the machine's
    from rnnlab.train import threadshare

    mine, machine = threadshare.cpu_times({0}), threadshare.cpu_times(set())
    assert mine is not None and machine is not None and 0 < mine[2] <= machine[2]
