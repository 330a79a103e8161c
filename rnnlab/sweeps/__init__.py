"""Hyperparameter sweeps on Optuna: the spec, the study and its storage, this host's record of a
sweep, and the controller process that runs trials as ordinary runs. Torch-free."""
