"""Screens of the lab: runs (home), new experiment, run dashboard, sampling playground,
compare, help, and small modals."""
