"""What a lesson is made of, as data: its runs (`Experiment`), its variations to try next
(`Variation`) and the lesson itself (`Lesson`). The lessons themselves are in the `course_*`
modules, assembled in document order by `catalog.py`. Torch-free."""

from __future__ import annotations

from dataclasses import dataclass

from rnnlab.lessons.checks import Expect, Sampling


@dataclass(frozen=True)
class Experiment:
    """One run of a lesson: `preset` with `overrides`; `quick` is added in the reduced mode."""

    label: str
    preset: str
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variation:
    """A "try next" of a lesson: its runs again with `sets` added to every one (after the lesson's
    own), or only the runs labelled in `only`. Launched by one key on the Lessons screen; its runs
    are tagged `lesson<N>-try<K>-<label>`, so they never count for the lesson's own verdict."""

    what: dict[str, str]  # one line: what changes
    sets: tuple[str, ...]
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lesson:
    number: int  # a stable id (run tags carry it); the course lists lessons in document order
    chapter: str  # the source document's sections
    title: dict[str, str]
    text: dict[str, str]  # what the idea is, the equation involved
    look: dict[str, str]  # what to look at and what to expect
    minutes: float  # full size, one after another, on a 2-core CPU (measured, README's table)
    panel: str  # the dashboard panel to watch
    experiments: tuple[Experiment, ...]
    expects: tuple[Expect, ...]
    quick: tuple[str, ...] = ()  # overrides for every run in the reduced mode
    # overrides for every run at full size, applied first: `quick` replaces them in the reduced mode
    sets: tuple[str, ...] = ()
    metric: str = "val_loss"  # the number shown per run
    also: tuple[str, ...] = ()  # more metrics shown per run (lesson 4's recall accuracy)
    # after training: samples from the (one) run's best checkpoint at these settings, measured
    # by lessons/sampling.py; their labels are checked like runs' (metrics distinct_2, own_bpc)
    samplings: tuple[Sampling, ...] = ()
    sample_length: int = 400
    # after training, the next-token distribution of the first run at `probe` (lessons/probe.py)
    probe: str = ""
    # after training, the (one) forecasting run's members and fused forecast (its metrics
    # member_<name>_<metric> and fused_<metric>) checked like runs under their names, beside
    # "member-mean" (the members' mean of each metric: what picking one blindly scores)
    members: bool = False
    view: str = ""  # a screen the lab opens over the dashboard ("anatomy": the cell-anatomy view)
    tries: tuple[Variation, ...] = ()  # "try next", keys 1..3 on the Lessons screen
    question: dict[str, str] = None  # type: ignore[assignment]  # what the tries answer

    @property
    def race(self) -> bool:
        return len(self.experiments) > 1

    @property
    def position(self) -> float:
        """Where the lesson sits in the document: its first section, as a number."""
        return float(self.chapter.split(",")[0])
