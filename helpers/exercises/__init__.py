"""Exercises that check the student's own answer.

Each lecture has a module here (``helpers.exercises.lecture03`` and so on) holding its
checked exercises. In the notebook, under an exercise::

    from helpers.exercises import lecture03 as ex

    kept_weights = ...  # your answer
    ex.q1.check(kept_weights)

Run as it is, the cell says the answer is not filled in yet. Filled in, it says **Correct**
(with a line on why it matters) or **Not yet** with a hint aimed at the likely mistake.
``ex.q1.hint()`` prints a hint, ``ex.q1.solution()`` the worked answer. Nothing is written to
disk, nothing is downloaded, and a wrong answer never raises: it prints.

Writing a new checked exercise (see ``lecture01`` for examples)::

    @exercise(
        4,                                   # the exercise's number in the lecture's list
        hint="Count the pairs ...",          # what ``hint()`` prints
        solution="auc = 12 / 16 = 0.75 ...", # what ``solution()`` prints
        answer=(0.75,),                      # a reference answer (a tuple, or a function
                                             #  returning one: for models built on demand)
        mistakes={"the wrong way round": (0.25,)},  # hint fragment -> an answer triggering it
        wrong=[(0.5,), ("0.75",)],           # further answers that must not pass
    )
    def q4(auc):
        auc = number(auc, "auc")             # not a number: a "Not yet" saying so
        if close(auc, 0.25):
            raise NotYet("That is 1 - AUC: you counted the pairs ranked the wrong way round.")
        expect(close(auc, 0.75, atol=0.005), "Not the AUC of these scores: ...")
        return "Why it matters, in one line."

The judging function raises :class:`NotYet` with a hint, or returns the line printed after
"Correct". ``tests/test_exercises.py`` runs every exercise against its reference answer, its
``mistakes`` (each must print its fragment) and its ``wrong`` answers (none may pass), and
checks that the empty stub says "not filled in".
"""

from __future__ import annotations

import inspect
import math
import numbers
import os
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "all_exercises",
    "Exercise",
    "NotYet",
    "Verdict",
    "as_array",
    "close",
    "exercise",
    "expect",
    "integer",
    "number",
]

NOT_FILLED = "Not filled in yet: replace each `...` with your answer and run the cell again."


class NotYet(Exception):  # noqa: N818 (read as "not yet"; raised by exercise authors)
    """Raised by a judging function: the answer is not right; the message is the hint."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of judging one answer: ``status`` is "correct", "not yet" or "empty"."""

    status: str
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        return self.message


@dataclass
class Exercise:
    """One checked exercise: a judging function with its hint, solution and test answers."""

    number: int
    judge: Callable[..., str | None]
    hint_text: str
    solution_text: str
    answer: tuple | Callable[[], tuple]
    mistakes: dict[str, tuple] = field(default_factory=dict)
    wrong: list[tuple] = field(default_factory=list)

    def verdict(self, *answers: Any) -> Verdict:
        """Judge an answer without printing (what :meth:`check` prints, and what tests use)."""
        if not answers or any(_is_unfilled(a) for a in answers):
            return Verdict("empty", NOT_FILLED)
        names = list(inspect.signature(self.judge).parameters)
        if len(answers) != len(names):
            return Verdict("not yet", f"Not yet. check() takes {len(names)}: {', '.join(names)}.")
        try:
            why = self.judge(*answers)
        except NotYet as hint:
            return Verdict("not yet", f"Not yet. {hint}")
        except (TypeError, ValueError, AttributeError, IndexError, KeyError) as error:
            kind = type(error).__name__
            return Verdict("not yet", f"Not yet. Your answer could not be read ({kind}: {error}).")
        line = "Correct." + (f" {why}" if why else "")
        return Verdict("correct", line)

    def check(self, *answers: Any) -> None:
        """Print whether the answer is correct, or a hint aimed at the mistake.

        With ``$HELPERS_EXERCISES_STRICT=1`` (set by the notebook tests) a "Not yet" raises
        instead: a worked solution that checks itself must pass.
        """
        verdict = self.verdict(*answers)
        if verdict.status == "not yet" and os.environ.get("HELPERS_EXERCISES_STRICT") == "1":
            raise AssertionError(f"exercise {self.number}: {verdict.message}")
        _say(str(verdict))

    def hint(self) -> None:
        """Print a hint."""
        _say(f"Hint: {self.hint_text}")

    def solution(self) -> None:
        """Print the worked answer."""
        _say(f"Solution: {self.solution_text}")

    def reference(self) -> tuple:
        """The reference answer (built on demand when it is a function, e.g. a model)."""
        return self.answer() if callable(self.answer) else self.answer

    def __repr__(self) -> str:
        return f"<exercise {self.number}: .check(...), .hint(), .solution()>"


def exercise(
    number: int,
    *,
    hint: str,
    solution: str,
    answer: tuple | Callable[[], tuple],
    mistakes: dict[str, tuple] | None = None,
    wrong: Sequence[tuple] = (),
) -> Callable[[Callable[..., str | None]], Exercise]:
    """Decorator turning a judging function into an :class:`Exercise` (see the module doc)."""

    def wrap(judge: Callable[..., str | None]) -> Exercise:
        return Exercise(number, judge, hint, solution, answer, dict(mistakes or {}), list(wrong))

    return wrap


# ---- judging tools: each raises NotYet with a clear message, or returns the clean value ----


def expect(condition: bool, hint: str) -> None:
    """Raise :class:`NotYet` with ``hint`` unless ``condition`` holds."""
    if not condition:
        raise NotYet(hint)


def number(value: Any, name: str = "the answer") -> float:
    """A real number from a Python, NumPy or one-element array/tensor value."""
    if isinstance(value, bool):
        raise NotYet(f"{name} should be a number, not True or False.")
    if isinstance(value, str):
        raise NotYet(f"{name} should be a number, not the text {value!r} (drop the quotes).")
    if isinstance(value, numbers.Real):
        result = float(value)
    else:
        try:
            array = np.asarray(_host(value), dtype=float)
        except (TypeError, ValueError):
            raise NotYet(f"{name} should be a number, not a {type(value).__name__}.") from None
        if array.size != 1:
            raise NotYet(f"{name} should be one number, not {array.size} of them.")
        result = float(array.reshape(()))
    if not math.isfinite(result):
        raise NotYet(f"{name} is {result}: something divided by zero or overflowed.")
    return result


def integer(value: Any, name: str = "the answer") -> int:
    """A whole number (``12``, ``12.0`` or ``np.int64(12)``; not ``12.5``)."""
    result = number(value, name)
    if result != round(result):
        raise NotYet(f"{name} should be a whole number, not {result}.")
    return int(round(result))


def as_array(value: Any, name: str = "the answer", shape: tuple | None = None) -> np.ndarray:
    """A float array from a list, NumPy array, pandas object or tensor; ``shape`` checked."""
    if isinstance(value, str):
        raise NotYet(f"{name} should be numbers, not text.")
    try:
        array = np.asarray(_host(value), dtype=float)
    except (TypeError, ValueError):
        raise NotYet(f"{name} should be an array of numbers, not {type(value).__name__}.") from None
    if shape is not None and array.shape != tuple(shape):
        if array.ndim == 2 and array.shape[::-1] == tuple(shape):
            raise NotYet(f"{name} has shape {array.shape}: transposed? Expected {tuple(shape)}.")
        raise NotYet(f"{name} has shape {array.shape}; expected {tuple(shape)}.")
    if not np.all(np.isfinite(array)):
        raise NotYet(f"{name} holds NaN or infinite values.")
    return array


def close(value: float | np.ndarray, target: Any, *, rtol: float = 1e-3, atol: float = 1e-6):
    """True when ``value`` is within the tolerance of ``target`` (element-wise for arrays)."""
    return bool(np.allclose(value, target, rtol=rtol, atol=atol))


# ---- internals ----


def _host(value: Any) -> Any:
    """A tensor on any backend or device as something NumPy reads (a torch CUDA tensor
    cannot be read by ``np.asarray`` directly); other values unchanged."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch
        return value.detach().cpu().numpy()
    return value


def _is_unfilled(value: Any) -> bool:
    if value is Ellipsis:
        return True
    if isinstance(value, (list, tuple)):
        return any(_is_unfilled(v) for v in value)
    if isinstance(value, dict):
        return any(_is_unfilled(v) for v in value.values())
    return False


def _say(text: str) -> None:
    """Print ``text`` wrapped to 88 columns; its own line breaks (code in a solution) stay."""
    lines = text.split("\n")
    wrapped = [
        textwrap.fill(line, width=88, break_long_words=False, break_on_hyphens=False)
        if not line.startswith(" ")
        else line
        for line in lines
    ]
    print("\n".join(wrapped))


def all_exercises() -> dict[str, dict[int, Exercise]]:
    """Every checked exercise, by lecture module name and exercise number (for tests)."""
    import importlib
    import pkgutil

    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("lecture"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            items = [v for v in vars(module).values() if isinstance(v, Exercise)]
            found[info.name] = {item.number: item for item in items}
    return found
