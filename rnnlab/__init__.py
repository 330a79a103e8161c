"""rnnlab: a terminal lab for recurrent neural networks."""

__version__ = "0.1.0"


def load_run(run, device: str = "cpu", runs_dir=None, which: str = "best"):
    """A trained run for notebooks and outside checks: `.config`, `.task`, `.model` (eval mode),
    `.encode`/`.decode` for text runs. See `rnnlab.inspect.loader`; torch is imported here, on
    first call, so `import rnnlab` stays light."""
    from rnnlab.inspect.loader import load_run as _load_run

    return _load_run(run, device=device, runs_dir=runs_dir, which=which)


__all__ = ["__version__", "load_run"]
