"""New experiment: a form over the typed config, from a preset or from scratch. Every change is
validated with `rnnlab.config.validate`, and the field it names is flagged in place; a corpus or
CSV path that does not exist is flagged too, before anything is launched. The status line gives
the model's exact parameter count: for text and time series a thread worker reads the data once
(vocabulary, feature count; torch is imported there) and any problem it finds is shown in place.
Launching creates the run and starts its worker process, then opens its dashboard. A race
launches one run per chosen cell (same seed and data) and opens the compare view; seeds N > 1
launch a seed group (rnnlab/runs/seedgroup.py, as `rnnlab train --seeds N`) and open compare,
which draws the group's mean and band."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from rich.text import Text
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, SelectionList, Static

from rnnlab import confine
from rnnlab.config import CELLS, OPTIMIZERS, SCHEDULES, TASKS, Config, read_toml, validate
from rnnlab.errors import UserError
from rnnlab.sweeps.spec import PRUNERS, SAMPLERS
from rnnlab.tui.newform import (
    FIELDS, LABELS, TASK_ONLY, FieldError, cuda_devices, data_field, data_key, field_for, form_config, names_text,
    race_configs, seed_count, source_problem,
)
from rnnlab.tui.i18n import t, tf
from rnnlab.tui.i18n_errors import translate
from rnnlab.tui.params import config_params, known_io
from rnnlab.tui.widgets.datacard import DataCard
from rnnlab.tui.widgets.forminput import FormInput
from rnnlab.tui.widgets.toggles import TextCheckbox, TextSelectionList

SCRATCH = "(scratch)"
READ_AFTER_S = 0.6  # the form must be still this long before the data is read for the count


class NewExperiment(Screen):
    """Configure and launch a run (or a race of cells)."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+l", "launch", "Launch"),
        Binding("ctrl+o", "browse", "Browse file"),
    ]

    @dataclass
    class Launched(Message):
        run_dirs: list
        race: bool
        sweep: bool = False  # run_dirs holds the sweep's folder

    @dataclass
    class LaunchFailed(Message):
        error: str

    @dataclass
    class DataRead(Message):
        """What reading the task's data found: its (input, output) sizes, or the problem."""

        key: str
        io: Optional[tuple[int, int]]
        error: Optional[str]

    def __init__(self, root: Path, preset: Optional[str] = None) -> None:
        super().__init__()
        self.root = root
        self.preset = preset
        self.base: dict[str, Any] = {}
        self.cfg: Optional[Config] = None
        self._filling = False
        # data key -> (input, output) sizes, or the error reading the data gave
        self._data: dict[str, tuple[int, int] | str] = {}
        self.reading: Optional[str] = None  # the data key a worker is reading now
        self._read_timer: Any = None
        self.seeds = 1  # the seeds field, once valid

    def compose(self) -> ComposeResult:
        """Two columns of one-row fields (compact inputs, selects and checkboxes), so that every
        field shows at 120x40; the task, the path, the data card and the cell list span both columns."""
        from rnnlab import presets

        names, row, one = list(presets.available()), self._row, {"compact": True}
        with VerticalScroll(id="form"), Grid(id="form-grid"):
            yield row("preset", Select([(SCRATCH, SCRATCH)] + [(n, n) for n in names], value=SCRATCH, allow_blank=False, id="preset", **one))
            yield row("name", FormInput(placeholder=t("optional, e.g. lstm-adding-1"), id="name", **one))
            yield row("cell", Select([(c, c) for c in CELLS], value="lstm", allow_blank=False, id="cell", **one))
            yield row("attention", TextCheckbox(t("causal attention over past states"), id="attention", **one))
            yield row("layers", FormInput(id="layers", **one))
            yield row("hidden", FormInput(id="hidden", **one))
            yield row("task", Select([(t, t) for t in TASKS], value="text", allow_blank=False, id="task", **one)).add_class("wide")  # the path under it: whole at 80x24
            with Horizontal(classes="field wide", id="row-source"):
                yield Label(t(LABELS["source"]), classes="label")
                yield FormInput(placeholder=t("builtin default"), id="source", **one)
                yield Button(t("Browse"), id="browse", **one)
            yield row("seq_len", FormInput(id="seq_len", **one))
            yield row("column", FormInput(placeholder=t("the only numeric column"), id="column", **one))
            yield row("time_column", FormInput(placeholder=t("none (dates, years or steps)"), id="time_column", **one))
            yield row("covariates", FormInput(placeholder=t("other CSV columns, e.g. temp, price"), id="covariates", **one)).add_class("wide")
            yield row("future_covariates", FormInput(placeholder=t("columns known ahead, e.g. promo, price"), id="future_covariates", **one)).add_class("wide")
            yield DataCard(id="data-card", classes="wide")
            yield row("window", FormInput(id="window", placeholder=t("from the data"), **one))
            yield row("horizon", FormInput(id="horizon", placeholder=t("from the data"), **one))
            yield row("optimizer", Select([(o, o) for o in OPTIMIZERS], value="adam", allow_blank=False, id="optimizer", **one))
            yield row("lr", FormInput(id="lr", **one))
            yield row("schedule", Select([(s, s) for s in SCHEDULES], value="constant", allow_blank=False, id="schedule", **one))
            yield row("clip", FormInput(id="clip", **one))
            yield row("steps", FormInput(id="steps", **one))
            yield row("batch", FormInput(id="batch", **one))
            self.devices = ["auto", "cpu"] + cuda_devices()
            yield row("device", Select([(d, d) for d in self.devices], value="auto", allow_blank=False, id="device", **one))
            yield row("seeds", FormInput(value="1", id="seeds", **one))
            yield row("race", TextCheckbox(t("race: one run per cell below"), id="race", **one))
            with Horizontal(classes="field wide", id="row-race-cells"):
                yield Label(t("race cells"), classes="label")
                yield TextSelectionList(*[(c, c, c in ("rnn_tanh", "lstm", "gru")) for c in CELLS], id="race-cells", **one)
            yield row("match", TextCheckbox(t("match parameter counts (vary hidden size)"), id="match", **one))
            yield row("sweep", TextCheckbox(Content(t("sweep: LOW..HIGH [log] or A, B, C")), id="sweep", **one))
            yield row("sweep_trials", FormInput(value="8", id="sweep_trials", **one))
            yield row("sweep_parallel", FormInput(value="2", id="sweep_parallel", **one))
            yield row("sweep_sampler", Select([(x, x) for x in SAMPLERS], value="tpe", allow_blank=False, id="sweep_sampler", **one))
            yield row("sweep_pruner", Select([(x, x) for x in PRUNERS], value="median", allow_blank=False, id="sweep_pruner", **one))
        yield Static(id="form-status")
        with Horizontal(id="form-buttons"):
            yield Button(t("Launch (ctrl+l)"), id="launch", variant="primary")
            yield Button(t("Cancel (esc)"), id="cancel")
        yield Footer()

    def _row(self, key: str, widget: Any) -> Horizontal:
        return Horizontal(Label(t(LABELS.get(key, key)), classes="label"), widget, classes="field", id=f"row-{key}")

    def relabel(self) -> None:
        """Say the labels, buttons and status again in the interface language (the lab's switch)."""
        for row in self.query(".field"):
            key = (row.id or "").removeprefix("row-")
            if key in LABELS:
                row.query_one(Label).update(t(LABELS[key]))
        self.query_one("#launch", Button).label = t("Launch (ctrl+l)")
        self.query_one("#cancel", Button).label = t("Cancel (esc)")
        self._validate()

    def on_mount(self) -> None:
        if self.preset:
            self.query_one("#preset", Select).value = self.preset
        self._load_base(self.preset)
        self.query_one("#preset", Select).focus()

    # ------------------------------------------------------------------ filling and reading

    def _load_base(self, preset: Optional[str]) -> None:
        from rnnlab import presets

        if preset and preset != SCRATCH:
            path = presets.available().get(preset)
            self.base = read_toml(path) if path else {}
            self.base.setdefault("name", preset)
        else:
            self.base = {}
        try:
            cfg = validate(self.base, preset or "defaults")
        except UserError as err:
            self._show_error(str(err))
            return
        self._fill(cfg)

    def _fill(self, cfg: Config) -> None:
        self._filling = True
        try:
            d = cfg.model_dump()
            for fid, (section, key, kind) in FIELDS.items():
                value = d[section][key]
                w = self.query_one(f"#{fid}")
                if kind == "bool":
                    w.value = bool(value)
                elif kind == "choice":
                    if fid == "device" and value not in self.devices:
                        self.devices.append(value)
                        w.set_options([(d, d) for d in self.devices])
                    w.value = value
                elif kind == "names":
                    w.value = names_text(value)
                else:
                    w.value = "" if value is None or (fid == "source" and str(value).startswith("builtin:")) else str(value)
        finally:
            self._filling = False
        self._validate()
        self._update_card()

    def raw(self) -> dict[str, Any]:
        """The raw config dict the form describes (the preset's keys plus the form's values);
        `self.space` gets the fields written as sweep ranges or choices."""
        values = {fid: self.query_one(f"#{fid}").value for fid in FIELDS}
        data, self.space = form_config(self.base, values, self._sweeping())
        name = self.query_one("#name", Input).value.strip()
        if name:
            data["name"] = name
        return data

    def _validate(self) -> Optional[Config]:
        for w in self.query(".-invalid"):
            w.remove_class("-invalid")
        task = self.query_one("#task", Select).value
        for fid, tasks in TASK_ONLY.items():
            self.query_one(f"#row-{fid}").display = task in tasks
        race = self.query_one("#race", Checkbox).value
        self.query_one("#row-match").display = race
        sweeping = self._sweeping()
        for fid in ("sweep_trials", "sweep_parallel", "sweep_sampler", "sweep_pruner"):
            self.query_one(f"#row-{fid}").display = sweeping
        self.query_one("#row-race-cells").display = race or sweeping
        self.query_one("#row-race-cells Label", Label).update("sweep cells" if sweeping else t("race cells"))
        self.spec = None
        try:
            self.seeds = seed_count(self.query_one("#seeds", Input).value, race, sweeping)
            data = self.raw()
            cfg = validate(data, "form")
            if sweeping:
                self.spec = self._sweep_spec(data)
        except FieldError as err:
            self._flag(err.field)
            self._show_error(err.message)
            return None
        except UserError as err:
            self._flag(field_for(str(err)))
            self._show_error(str(err).removeprefix("form: "))
            return None
        problem = source_problem(cfg)
        if problem:
            self._flag("source")
            self._show_error(problem)
            return None
        found = self._data.get(data_key(cfg)) if known_io(cfg.task) is None else None
        if isinstance(found, str):
            self._flag(data_field(found, cfg.task))  # the path, or the (future) covariates naming a column the CSV lacks
            self._show_error(found)
            return None
        self.cfg = cfg
        self._show_ok(cfg, found)
        if self.spec is not None:
            st = self.query_one("#form-status", Static)
            st.update(tf("✓ sweep of {n} trials over {keys}, {direction} {metric}", n=self.spec.trials,
                         keys=", ".join(d.key for d in self.spec.space), direction=t(self.spec.direction),
                         metric=self.spec.metric))
        return cfg

    def _sweeping(self) -> bool:
        return bool(self.query_one("#sweep", Checkbox).value) and not self.query_one("#race", Checkbox).value

    def _sweep_spec(self, data: dict[str, Any]):
        """The form as a sweep spec: the fields written as ranges or choices, plus the cells
        checked below when there are two or more."""
        from rnnlab.sweeps.spec import build

        space = dict(self.space)
        cells = list(self.query_one("#race-cells", SelectionList).selected)
        if len(cells) >= 2:
            space["model.cell"] = cells
        if not space:
            raise FieldError("sweep", t("sweep: write a field as LOW..HIGH (add `log` for a log scale) or A, B, C, or check two cells"))
        settings: dict[str, Any] = {"space": space, "sampler": self.query_one("#sweep_sampler", Select).value,
                                    "pruner": self.query_one("#sweep_pruner", Select).value}
        for fid, key in (("sweep_trials", "trials"), ("sweep_parallel", "parallel")):
            text = self.query_one(f"#{fid}", Input).value.strip()
            if not text.isdigit() or int(text) < 1:
                raise FieldError(fid, tf("{field}: {text!r} is not a whole number of at least 1", field=t(LABELS[fid]), text=text))
            settings[key] = int(text)
        if settings["sampler"] == "grid":
            settings.pop("trials")  # a grid's size
        return build(settings, data, "form")

    # ------------------------------------------------------------------ the data card

    def _card_key(self) -> Optional[tuple]:
        """(path, column, time column, mtime) when the form names an existing CSV for a
        time-series task, else None."""
        if self.query_one("#task", Select).value != "timeseries":
            return None
        text = self.query_one("#source", Input).value.strip()
        path = Path(text).expanduser() if text else None
        if path is None or not path.is_file() or not confine.inside(path):
            return None
        column = self.query_one("#column", Input).value.strip() or None
        time_column = self.query_one("#time_column", Input).value.strip() or None
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        return (str(path), column, time_column, mtime)

    def _update_card(self) -> None:
        self.query_one("#data-card", DataCard).show_for(self._card_key())

    def _flag(self, fid: Optional[str]) -> None:
        if fid:
            self.query_one(f"#{fid}").add_class("-invalid")

    def _show_error(self, text: str) -> None:
        self.cfg = None
        st = self.query_one("#form-status", Static)
        st.update(Text(f"✗ {translate(text)}"))  # plain text: "[train] lr" is not markup; a UserError in zh
        st.add_class("-error")

    def _show_ok(self, cfg: Config, io: Optional[tuple[int, int]] = None) -> None:
        exact = io is not None or known_io(cfg.task) is not None
        n = config_params(cfg, io)
        if exact:
            size = tf("{n} parameters", n=f"{n:,}")
        else:
            size = tf("≈{n} parameters (reading the data for the exact count)", n=f"{n:,}")
            # once the form is still: reading a corpus (and importing torch) while keys are
            # typed would make the form lag on a small machine
            if self._read_timer is not None:
                self._read_timer.stop()
            self._read_timer = self.set_timer(READ_AFTER_S, lambda: self._read_data(cfg))
        st = self.query_one("#form-status", Static)
        group = tf(", a seed group of {n} (seeds {a}..{b})", n=self.seeds, a=cfg.train.seed,
                   b=cfg.train.seed + self.seeds - 1) if self.seeds > 1 else ""
        st.update(tf("✓ {cell} on {task}, {size}, {steps} steps", cell=cfg.model.cell, task=cfg.task.kind, size=size,
                     steps=cfg.train.steps) + group)
        st.remove_class("-error")

    def _read_data(self, cfg: Config) -> None:
        key = data_key(cfg)
        if self.reading != key:
            self.reading = key
            self.read_data(cfg, key)

    @work(thread=True, group="data", exclusive=True, exit_on_error=False)
    def read_data(self, cfg: Config, key: str) -> None:
        try:
            from rnnlab.tasks import make_task

            task = make_task(cfg.task, seed=cfg.train.seed, batch_size=cfg.train.batch_size)
            self.post_message(self.DataRead(key, (task.input_size, task.output_size), None))
        except UserError as err:
            self.post_message(self.DataRead(key, None, str(err)))
        except Exception as err:  # a bug is shown, not swallowed; the run would hit it too
            self.post_message(self.DataRead(key, None, f"{type(err).__name__}: {err}"))

    def on_new_experiment_data_read(self, msg: DataRead) -> None:
        self._data[msg.key] = msg.io if msg.io is not None else str(msg.error)
        if self.reading == msg.key:
            self.reading = None
        if self.cfg is None or data_key(self.cfg) == msg.key:
            self._validate()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(SelectionList.SelectedChanged)
    def _changed(self, event: Any) -> None:
        if not self._filling:
            self._validate()
            self._update_card()

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        if self._filling:
            return
        if event.select.id == "preset":
            self._load_base(str(event.value))
        else:
            self._validate()
        self._update_card()

    # ------------------------------------------------------------------ actions

    @on(Button.Pressed, "#browse")
    def action_browse(self) -> None:
        from rnnlab.tui.screens.modals import FilePicker

        def picked(path: Optional[Path]) -> None:
            if path is not None:
                self.query_one("#source", Input).value = str(path)

        self.app.push_screen(FilePicker(Path.cwd(), t("Corpus file or folder, or CSV")), picked)

    @on(Button.Pressed, "#cancel")
    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#launch")
    def action_launch(self) -> None:
        cfg = self._validate()
        if cfg is None:
            self.notify(t("fix the flagged field first"), severity="error")
            return
        configs = [cfg]
        race = self.query_one("#race", Checkbox).value
        if race:
            cells = list(self.query_one("#race-cells", SelectionList).selected)
            if len(cells) < 2:
                self.notify(t("a race needs at least two cells"), severity="error")
                return
            configs = race_configs(cfg, cells, self.query_one("#match", Checkbox).value)
        name = self.query_one("#name", Input).value.strip() or None
        self.query_one("#launch", Button).disabled = True
        if self.spec is not None:
            self.launch_sweep(self.spec, name)
            return
        self.launch(configs, name, race, self.seeds)

    @work(thread=True, group="launch", exclusive=True, exit_on_error=False)
    def launch_sweep(self, spec: Any, name: Optional[str]) -> None:
        from rnnlab.sweeps import controller, manage

        try:
            rec = manage.start(spec, self.root, name=name)
            controller.spawn(rec)
        except Exception as err:
            self.post_message(self.LaunchFailed(str(err)))
            return
        self.post_message(self.Launched([rec.dir], False, sweep=True))

    @work(thread=True, group="launch", exclusive=True, exit_on_error=False)
    def launch(self, configs: list[Config], name: Optional[str], race: bool, seeds: int = 1) -> None:
        from rnnlab.runs.launch import create_run, spawn
        from rnnlab.runs.seedgroup import create_group

        try:
            if seeds > 1:  # a seed group, exactly as `rnnlab train --seeds N` makes it
                dirs = create_group(configs[0], seeds, self.root, name, where="run name").dirs
            else:
                dirs = [create_run(cfg, self.root, f"{name}-{cfg.model.cell}" if name and race else name) for cfg in configs]
            for run_dir in dirs:
                spawn(run_dir)
        except Exception as err:
            self.post_message(self.LaunchFailed(str(err)))
            return
        self.post_message(self.Launched(dirs, race or seeds > 1))  # compare: the race, or the group's band

    def on_new_experiment_launched(self, msg: Launched) -> None:
        self.app.pop_screen()
        if msg.sweep:
            self.app.open_sweep(msg.run_dirs[0])
        elif msg.race:
            self.app.open_compare(msg.run_dirs)
        else:
            self.app.open_run(msg.run_dirs[0])

    def on_new_experiment_launch_failed(self, msg: LaunchFailed) -> None:
        self.query_one("#launch", Button).disabled = False
        self._show_error(tf("launch failed: {error}", error=msg.error))
