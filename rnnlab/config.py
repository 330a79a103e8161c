"""The experiment configuration: typed, validated, loaded from TOML presets with `--set` overrides.

A config has four sections, `[model]`, `[task]`, `[train]` and `[probes]`, plus optional top-level
`name` and `description`. Unknown keys are rejected with a did-you-mean (as nanoGPT's
configurator does), values are type- and range-checked, and every failure becomes one
`UserError` line naming the file and key. The resolved config is saved with every run
(`to_toml`) so a run directory describes itself.

This module imports neither torch nor textual: the TUI validates forms with it.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

import tomllib

from rnnlab import metricnames
from rnnlab.errors import UserError
from rnnlab.separators import as_delimiter

CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru", "transformer")
TASKS = ("text", "timeseries", "adding", "copy")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULES = ("constant", "step", "cosine")
TS_PATIENCE = 3  # train.patience of a forecasting run that sets neither steps nor patience


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)  # lr = nan: "a finite number"


class ModelConfig(_Section):
    """`[model]`: the network."""

    cell: Literal["rnn_tanh", "rnn_relu", "lstm", "gru", "transformer"] = "lstm"
    hidden_size: int = Field(128, ge=1, le=16384)
    num_layers: int = Field(1, ge=1, le=32)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    backend: Literal["auto", "fused", "reference"] = "auto"
    attention: bool = False
    # Real-valued inputs (adding, time series) feed the first layer as they are (its input size is
    # their feature count, as `nn.LSTM(2, H)`); true puts a Linear(features -> embedding_size or
    # hidden_size) in front, which only adds parameters and an input matmul (benchmarks/process.py).
    # Tokens always have an embedding; the Transformer always projects.
    input_projection: bool = False
    # Token embedding width for text (and the projection's width with input_projection); defaults to hidden_size.
    embedding_size: Optional[int] = Field(None, ge=1, le=16384)
    # Transformer only.
    num_heads: int = Field(4, ge=1, le=64)
    # With [task] condition: learn one embedding per style, added to the input at every step.
    # false keeps the same data, splits and per-style metrics but does not tell the model the
    # style: the unconditioned run to compare a conditioned one with.
    style_embedding: bool = True


class SyntheticConfig(_Section):
    """`[task.synthetic]`: the seeded time-series generator (`source = "builtin:synthetic"`)."""

    length: int = Field(2000, ge=50, le=10_000_000)
    level: float = 10.0
    trend: float = Field(0.002, description="slope per step")
    # Pairs of [period, amplitude].
    seasonalities: list[tuple[float, float]] = Field(default_factory=lambda: [(24.0, 2.0), (168.0, 1.0)])
    noise: float = Field(0.3, ge=0.0)
    missing_fraction: float = Field(0.02, ge=0.0, lt=0.5)
    level_shifts: int = Field(1, ge=0, le=100)
    level_shift_size: float = 2.0
    seed: int = 0


class TaskConfig(_Section):
    """`[task]`: what is learned. Keys that do not apply to `kind` are ignored."""

    kind: Literal["text", "timeseries", "adding", "copy"] = "text"
    # text: a file, folder, glob or builtin:python-stdlib; timeseries: a CSV or builtin:synthetic.
    source: Optional[str] = None
    # text: BPTT chunk length; adding: T; copy: the delay T.
    seq_len: int = Field(100, ge=1, le=100_000)

    # --- text ---
    batching: Literal["tbptt", "random"] = "tbptt"
    val_fraction: float = Field(0.1, gt=0.0, lt=0.9)
    max_chars: Optional[int] = Field(2_000_000, ge=1000)
    prime: str = "\n"
    # 0 means greedy decoding: always the likeliest character
    temperature: float = Field(0.8, ge=0.0, le=10.0)
    top_k: int = Field(0, ge=0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    sample_length: int = Field(200, ge=1, le=100_000)
    # "char": one token per character; "word": words, runs of spaces, newlines and punctuation
    # marks each one token (so decoding gives the text back), the `vocab_size` commonest kept.
    unit: Literal["char", "word"] = "char"
    # word unit: the vocabulary's size including `<unk>`, which stands for every rarer word.
    vocab_size: int = Field(10_000, ge=2, le=1_000_000)
    # A style label per source file ("file") or per sub-folder of a folder source ("folder"); the
    # model learns one embedding per style, added to its input at every step. Unset: no styles.
    condition: Optional[Literal["file", "folder"]] = None

    # --- timeseries ---
    column: Optional[str] = None
    time_column: Optional[str] = None
    # Long format (one row per series and time): the column naming each series; one global model
    # then trains on all of them, each scaled by its own training split. Columns `unique_id, ds, y`
    # (statsforecast / Darts) need no key. `wide`: a time column, then one column per series, each
    # numeric column a series of that one model. Unset / false: one series.
    id_column: Optional[str] = Field(None, min_length=1)
    wide: bool = False
    delimiter: Annotated[Optional[str], BeforeValidator(as_delimiter)] = Field(None, min_length=1, max_length=1)  # one character or tab, semicolon ...; unset: detected
    # Unset: from the data, as `rnnlab data` recommends (a window of two seasons, a horizon of
    # one, within what the splits hold; tasks/timeseries/data.py default_window_horizon).
    window: Optional[int] = Field(None, ge=2, le=100_000)
    horizon: Optional[int] = Field(None, ge=1, le=10_000)
    fill: Literal["interpolate", "ffill"] = "interpolate"
    # "auto": first differences when ADF or KPSS calls the training split non-stationary.
    difference: Union[bool, Literal["auto"]] = "auto"
    # P > 0: model x[t] - x[t-P] (before any first difference); inverted exactly for scoring.
    seasonal_difference: int = Field(0, ge=0)
    scale: Literal["standard", "minmax", "none"] = "standard"
    # What windows are measured from: "none" (levels), "last" value, "ets" forecast (ES-RNN-like; data.py).
    relative: Literal["none", "last", "ets"] = "none"
    # Known periods (in steps) to encode as sin/cos features; unset = from the time column's
    # frequency (hourly [24, 168], daily [7, 365.25], weekly [52.18], monthly [12]) or detected.
    periods: Optional[list[float]] = None
    # Hour / day of week / time of year as sin/cos, those that vary at the series' frequency.
    calendar_features: bool = True
    # Seasonal-naive's and MASE's season; 0 = the frequency's (24 hourly, 7 daily, 52 weekly ...).
    season: int = Field(0, ge=0)
    test_fraction: float = Field(0.2, gt=0.0, lt=0.9)
    # Other CSV columns as inputs: `covariates` are observed up to the forecast origin (e.g.
    # yesterday's temperature); `future_covariates` are known ahead (prices, schedules), so each
    # input row also carries their next `horizon` values, and `forecast --future` needs them.
    covariates: list[str] = Field(default_factory=list)
    future_covariates: list[str] = Field(default_factory=list)
    # The forecast's head: "none" (point forecasts, MSE), "gaussian" (mean and spread, NLL) or
    # "quantile" (one output per `quantiles` entry, pinball loss; 0.5 is the point forecast).
    likelihood: Literal["none", "gaussian", "quantile"] = "none"
    quantiles: list[float] = Field(default_factory=lambda: [0.025, 0.1, 0.5, 0.9, 0.975])
    # A country's public holidays (`holidays` code, "US") as features; daily or finer data only.
    holidays: Optional[str] = None
    holiday_subdivision: Optional[str] = None
    synthetic: SyntheticConfig = Field(default_factory=SyntheticConfig)

    @field_validator("difference", mode="before")
    @classmethod
    def _difference(cls, v: Any) -> Any:
        # one message for the union (pydantic would report the bool branch's failure alone)
        if isinstance(v, bool) or v == "auto":
            return v
        raise ValueError('expected true, false or "auto" (difference when ADF/KPSS call the series non-stationary)')

    @model_validator(mode="after")
    def _defaults_by_kind(self) -> "TaskConfig":
        if self.source is None and self.kind in ("text", "timeseries"):
            object.__setattr__(
                self, "source", "builtin:python-stdlib" if self.kind == "text" else "builtin:synthetic"
            )
        return self


# The task kinds each [task] key applies to (keys not named here apply to every kind).
TASK_KEY_KINDS: dict[str, tuple[str, ...]] = {
    "source": ("text", "timeseries"),
    "seq_len": ("text", "adding", "copy"),
    "val_fraction": ("text", "timeseries"),
    **{k: ("text",) for k in ("batching", "max_chars", "prime", "temperature", "top_k", "top_p", "sample_length",
                              "unit", "vocab_size", "condition")},
    **{k: ("timeseries",) for k in (
        "column", "time_column", "id_column", "wide", "delimiter", "window", "horizon", "fill", "difference",
        "seasonal_difference", "scale", "relative", "periods", "calendar_features", "season", "test_fraction",
        "synthetic", "holidays", "holiday_subdivision", "covariates", "future_covariates", "likelihood", "quantiles")},
}


class TrainConfig(_Section):
    """`[train]`: optimisation, evaluation, checkpoints, device."""

    steps: int = Field(1000, ge=1, le=100_000_000)
    batch_size: int = Field(32, ge=1, le=1_000_000)
    optimizer: Literal["sgd", "adam", "adamw", "rmsprop", "adagrad"] = "adam"
    lr: float = Field(2e-3, gt=0.0, le=100.0)
    momentum: float = Field(0.9, ge=0.0, lt=1.0)
    nesterov: bool = False
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = Field(0.0, ge=0.0)
    schedule: Literal["constant", "step", "cosine"] = "constant"
    warmup_steps: int = Field(0, ge=0)
    # step schedule: multiply lr by `gamma` every `step_size` steps.
    step_size: int = Field(1000, ge=1)
    gamma: float = Field(0.5, gt=0.0, le=1.0)
    # cosine schedule: decay to lr * min_lr_ratio.
    min_lr_ratio: float = Field(0.1, ge=0.0, le=1.0)
    # 0 turns clipping off. Pascanu et al. 2013: c = 1 is the common default.
    clip_norm: float = Field(1.0, ge=0.0)
    clip_value: float = Field(0.0, ge=0.0)
    # Truncated BPTT inside each training sequence: gradients flow back at most this many steps
    # (the state still flows forward; see train/tbptt.py). 0 = through the whole sequence.
    bptt: int = Field(0, ge=0, le=100_000)
    eval_every: int = Field(100, ge=1)
    eval_batches: int = Field(8, ge=1)
    checkpoint_every: int = Field(500, ge=1)
    # Keep the checkpoint with the best primary val metric (checkpoints/best/) beside the last:
    # the model a user keeps is the best one seen, not whatever the final step left.
    keep_best: bool = True
    # The val metric it (and patience) follows, and which way is better (unset: the primary, its name's way):
    best_metric: Optional[str] = Field(None, min_length=1)
    best_direction: Optional[Literal["minimize", "maximize"]] = None
    # Early stopping: end the run after this many evaluations without a new best (0: off).
    patience: int = Field(0, ge=0)
    log_every: int = Field(10, ge=1)
    device: str = "auto"
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    # CPU threads for torch; 0 = the cores this run can have: all of them alone, an even share
    # when $RNNLAB_SLOTS runs train at once, no more than are idle at start (OMP_NUM_THREADS,
    # when set, wins). More threads than free cores make small recurrent steps crawl.
    threads: int = Field(0, ge=0, le=1024)
    seed: int = 1337

    @model_validator(mode="after")
    def _check_device(self) -> "TrainConfig":
        d = self.device
        ok = d in ("auto", "cpu", "cuda", "mps") or (
            d.startswith("cuda:") and d[5:].isdigit()
        )
        if not ok:
            raise ValueError(f"device {d!r} is not one of auto, cpu, cuda, cuda:N, mps")
        return self


class ProbesConfig(_Section):
    """`[probes]`: how often each probe runs (in steps; 0 turns it off)."""

    layers_every: int = Field(10, ge=0)
    # each of these costs ~1/5 of a training step: every 100 steps keeps the lab under 1%
    grad_flow_every: int = Field(100, ge=0)
    gates_every: int = Field(100, ge=0)
    hidden_every: int = Field(100, ge=0)
    output_every: int = Field(100, ge=0)
    probe_batch_size: int = Field(8, ge=1, le=1024)


class LogConfig(_Section):
    """`[log]`: where else a run's numbers go while it trains (the store always has them)."""

    # event files in <run>/tensorboard/ as the run trains (needs `pip install 'rnnlab[tensorboard]'`)
    tensorboard: bool = False


class Config(_Section):
    """A whole experiment."""

    name: Optional[str] = None
    description: str = ""
    model: ModelConfig = Field(default_factory=ModelConfig)
    task: TaskConfig = Field(default_factory=TaskConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    probes: ProbesConfig = Field(default_factory=ProbesConfig)
    log: LogConfig = Field(default_factory=LogConfig)

    @model_validator(mode="after")
    def _forecasting_stops_early(self) -> "Config":
        # short series peak at step 100-200 of 1,000; the best is kept anyway (BENCHMARKS ts-default)
        if self.task.kind == "timeseries" and not {"steps", "patience"} & self.train.model_fields_set:
            self.train.patience = TS_PATIENCE
        return self

    @model_validator(mode="after")
    def _bptt_needs_recurrence(self) -> "Config":
        if self.train.bptt and self.model.cell == "transformer":
            raise ValueError(
                "[train] bptt truncates a recurrence; the transformer has none (set [train] bptt = 0 "
                "or pick cell = lstm, gru, rnn_tanh or rnn_relu)"
            )
        return self

    @model_validator(mode="after")
    def _best_metric_is_recorded(self) -> "Config":
        metricnames.check_best(self.task.kind, self.train.best_metric, self.train.best_direction)  # ValueError
        return self

    def to_dict(self) -> dict[str, Any]:
        """A TOML-ready dict (None values dropped, tuples as lists), whose [task] holds only the
        keys of its own kind: a forecasting run's config.toml has no `prime` or `top_p`."""
        data = _drop_none(self.model_dump(mode="json"))
        kind = self.task.kind
        data["task"] = {k: v for k, v in data["task"].items() if kind in TASK_KEY_KINDS.get(k, TASKS)}
        return data

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict())


def _drop_none(obj: Any) -> Any:
    if isinstance(obj, (dict, list)):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None} if isinstance(obj, dict) else [_drop_none(v) for v in obj]
    return obj


# ---------------------------------------------------------------- loading and validation


def _keys_of(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _section_model(loc: tuple) -> type[BaseModel]:
    """The pydantic model that owns the field at `loc[:-1]`."""
    m: type[BaseModel] = Config
    for part in loc[:-1]:
        if isinstance(part, int):
            return m
        field = m.model_fields.get(str(part))
        if field is None:
            return m
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            m = ann
        else:
            return m
    return m


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    return f"[{'.'.join(parts[:-1])}] {parts[-1]}" if len(parts) >= 2 else (f"[{parts[0]}]" if parts else "config")


def _format_error(err: ValidationError, origin: str) -> str:
    e = err.errors()[0]
    loc = tuple(e["loc"])
    # Drop pydantic's tagged-union/function-validator location noise.
    loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
    kind = e["type"]
    where = _where(loc) if loc else "config"
    if kind == "extra_forbidden":
        owner = _section_model(loc)
        name = str(loc[-1])
        close = difflib.get_close_matches(name, _keys_of(owner), n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        valid = ", ".join(_keys_of(owner))
        section = f"[{'.'.join(str(p) for p in loc[:-1])}]" if len(loc) > 1 else "top level"
        return f"{origin}: unknown key '{name}' in {section}{hint}; valid keys: {valid}"
    if kind == "literal_error":
        expected = e.get("ctx", {}).get("expected", "")
        got = e.get("input")
        options = [o.strip().strip("'") for o in str(expected).replace(" or ", ", ").split(",")]
        close = difflib.get_close_matches(str(got), options, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"{origin}: {where} = {got!r} is not allowed{hint}; expected one of {expected}"
    msg = e["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    got = e.get("input")
    shown = "" if isinstance(got, dict) else f" = {got!r}"
    return f"{origin}: {where}{shown}: {msg}"


def _parse_value(text: str) -> Any:
    """Parse a `--set` value as a TOML value, falling back to a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(data: dict[str, Any], assignment: str) -> None:
    """Apply one `section.key=value` override to a raw config dict (in place)."""
    if "=" not in assignment:
        raise UserError(f"--set {assignment!r}: expected section.key=value, e.g. --set train.lr=0.001")
    key, _, raw = assignment.partition("=")
    path = [p.strip() for p in key.strip().split(".") if p.strip()]
    if not path:
        raise UserError(f"--set {assignment!r}: missing key before '='")
    target = data
    for part in path[:-1]:
        nxt = target.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise UserError(f"--set {assignment!r}: '{part}' is a value, not a section")
        target = nxt
    target[path[-1]] = _parse_value(raw.strip())


def validate(data: dict[str, Any], origin: str = "config") -> Config:
    """Turn a raw dict into a `Config`, or raise one `UserError` line naming `origin`."""
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise UserError(_format_error(err, origin)) from None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; a config is a TOML file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory; expected a TOML file") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"{path}: invalid TOML: {err}") from None


def _data_sizes(data: dict[str, Any], preset_source: Any, overrides: list[str] | tuple[str, ...]) -> None:
    """A preset's forecasting window and horizon belong to its builtin series: with another
    source named on the command line and no window / horizon of the user's own, they are left
    unset, so the run takes them from the data (what `rnnlab data` recommends)."""
    task = data.get("task") or {}
    if task.get("kind") != "timeseries" or not str(preset_source or "").startswith("builtin:"):
        return
    if task.get("source") == preset_source:
        return
    given = {item.split("=", 1)[0].strip() for item in overrides}
    for key in ("window", "horizon"):
        if f"task.{key}" not in given:
            task.pop(key, None)


def load(preset_or_file: str | None = None, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """A preset, TOML or CSV (a forecast of it on the data's defaults) or None (defaults), plus `--set`s."""
    from rnnlab import presets

    if preset_or_file is None:
        data: dict[str, Any] = {}
        origin = "defaults"
    else:
        path = presets.resolve(preset_or_file)
        data = {"task": {"kind": "timeseries", "source": str(path)}} if path.suffix.lower() in (".csv", ".tsv") else read_toml(path)
        origin = str(path)
        data.setdefault("name", path.stem)
    preset_source = (data.get("task") or {}).get("source")
    for item in overrides:
        apply_override(data, item)
    _data_sizes(data, preset_source, overrides)
    if overrides:
        origin = f"{origin} (with --set)"
    cfg = validate(data, origin)
    src = cfg.task.source
    if src and not src.startswith("builtin:") and not Path(src).expanduser().is_absolute():
        # workers run elsewhere: a relative path means relative to where the user typed it
        cfg.task.source = str(Path.cwd() / Path(src).expanduser())
    return cfg
