"""Lessons: each chapter of the source document (`seed/rnn-basics.zh.txt`) as a runnable experiment.

A lesson is data (`catalog.py`): its text in English and Chinese, the experiments to launch (a
preset plus `--set` overrides, one run or a race), the panel to watch, and the expected result
written as checks on the finished runs' metrics (`checks.py`). `runner.py` launches a lesson's runs
in the runs root like any other run (their config name is `lesson<N>-<label>`, so the lab and
`rnnlab runs` show where they came from) and reads the checks back. Torch-free at import time.
"""
