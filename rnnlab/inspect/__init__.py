"""What looks inside a trained model: `load_run` (the public Python API), the neuron explorer
(per-unit activations, text features, span search) and attention maps.

It uses models/, tasks/ and the checkpoints through `train.session`; the CLI and the TUI call
it (the TUI in a thread worker). This package module itself imports nothing heavy: `loader`,
`activations`, `neurons` and `attention` import torch; `features` and `shade` are numpy (and
Rich text) only, so the lab draws with them on its own thread without paying for torch.
"""
