"""What looks inside a trained model: `load_run` (the public Python API), the neuron explorer
(per-unit activations, text features, span search) and attention maps.

It uses models/, tasks/ and the checkpoints through `train.session`; the CLI, the TUI and the
lessons open trained runs through it (`loader.open_dir`, `rnnlab.load_run`), never through
`train.session` (a contract in pyproject.toml checks it); the TUI in a thread worker. This
package module itself imports nothing heavy: `loader`, `activations`, `neurons` and `attention`
import torch; `run` (the `Run` type), `features` and `shade` are torch-free (numpy and Rich text
at most), so the lab draws with them on its own thread without paying for torch.
"""
