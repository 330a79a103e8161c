"""One BLAS thread for the statistics of this package (numpy's OpenBLAS, not torch's threads).

Everything numpy and statsmodels do here is small linear algebra: ADF's regression on at most
5,000 rows, the KPSS and ACF of a training split, Holt-Winters and ARIMA fits on a few hundred
rows. At those sizes OpenBLAS's worker threads cost more than they save, and on a shared box
they cost a lot more: a threaded call waits for every one of its threads, and a thread the
scheduler has parked stalls the call for a time slice. Measured on the 2-core lab box at load
average ~9: statsmodels' ADF autolag on 5,000 rows took 7.3-14.3 s with OpenBLAS's 2 threads
and 0.27 s with one (issue 17 item 8, benchmarks/ts_read.py).

`one_thread()` sets numpy's OpenBLAS to one thread for the rest of the process (threadpoolctl,
user_api="blas"): torch's CPU threads are OpenMP/MKL and are not touched. `OPENBLAS_NUM_THREADS`
or a limit a user set already win; calling it again is free.
"""

from __future__ import annotations

import os

_done = False


def one_thread() -> None:
    """Limit numpy's BLAS to one thread, once per process (a no-op when the user chose a count)."""
    global _done
    if _done:
        return
    _done = True
    if os.environ.get("OPENBLAS_NUM_THREADS"):
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an install without it only loses speed
        return
    threadpool_limits(1, user_api="blas")


__all__ = ["one_thread"]
