"""The lessons, in the order of the source document, as data.

Each lesson (`lesson.Lesson`): its sections and title and texts in English and Chinese
(`RNNLAB_LANG=zh`), the minutes it takes at full size on a 2-core CPU (measured, see README), the
experiments (preset + overrides; more than one is a race), the panel to watch, the checks that
state the expected result, and two or three variations to try next. `quick` overrides shrink a
lesson for the test suite: the direction of each effect must hold there too. The lessons
themselves live in `course_cells.py` (ch. 1-3), `course_text.py` (ch. 4), `course_series.py`
(ch. 5-6) and `course_forecast.py` (the forecaster's practice, 5.2, 5.3); their numbers are stable ids (run tags carry them), the course is listed in the
document's order.
"""

from __future__ import annotations

import os

from rnnlab.lessons.lesson import Experiment, Lesson, Variation

__all__ = ["Experiment", "Lesson", "Variation", "LESSONS", "get", "lang", "pick"]

LANGS = ("en", "zh")
LOOK = {"en": "Look", "zh": "观察"}  # the label before a lesson's `look` text
TRY = {"en": "Try next", "zh": "接着试试"}  # the label before a lesson's variations
ASK = {"en": "Question", "zh": "问题"}  # ... and before the question they answer


def lang() -> str:
    """The language of lesson texts: $RNNLAB_LANG (`zh` or `en`), English by default."""
    v = os.environ.get("RNNLAB_LANG", "en").strip().lower()
    return "zh" if v.startswith("zh") else "en"


def pick(texts: dict[str, str], language: str | None = None) -> str:
    return texts.get(language or lang()) or texts["en"]


def _course() -> tuple[Lesson, ...]:
    from rnnlab.lessons import course_cells, course_forecast, course_series, course_text

    every = (*course_cells.CELLS, *course_text.TEXT, *course_text.ARCHITECTURE, *course_cells.GRADIENTS,
             course_cells.GATES, *course_cells.TRAINING, course_cells.SCHEDULES,
             *course_series.SERIES, course_forecast.PREPARE, course_series.METRICS, course_forecast.COMBINE,
             *course_series.BEYOND)
    # the document's order by first section; a tie keeps the order above
    return tuple(sorted(every, key=lambda x: x.position))


LESSONS: tuple[Lesson, ...] = _course()


def get(number: int) -> Lesson:
    from rnnlab.errors import UserError

    for lesson in LESSONS:
        if lesson.number == number:
            return lesson
    raise UserError(f"no lesson {number}; lessons are {', '.join(str(n) for n in sorted(x.number for x in LESSONS))} (see `rnnlab lessons`)")
