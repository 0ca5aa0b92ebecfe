"""Hyperparameters that change from batch to batch: one callback, schedules as functions.

A schedule is a function of training progress, ``0.0`` at the first batch of ``fit`` and
``1.0`` at the last, that returns a value. :class:`ParamScheduler` calls one per
hyperparameter before every batch and sets it on the optimizer. The usual schedules are then
a line each (the idea and the names follow fastai's ``ParamScheduler``)::

    ParamScheduler(learning_rate=cosine(1e-2, 1e-5))                     # cosine annealing
    ParamScheduler(learning_rate=cyclic(1e-4, 1e-2, cycles=4))            # cyclical (CLR)
    ParamScheduler(learning_rate=sgdr(1e-2, cycle_lengths=(1, 2, 4)))      # SGDR
    OneCycle(1e-2)                                                       # one cycle

:class:`OneCycle` is a ``ParamScheduler`` with the two schedules of :func:`one_cycle`.
Importing this module imports Keras (quietly, see :func:`helpers.devices.import_keras`).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from helpers.devices import import_keras
from helpers.plots import plot_schedule

keras = import_keras()

Schedule = Callable[[float], float]


# --------------------------------------------------------------------------- checks
def check_positive(name: str, value: Any, *, zero: bool = False) -> float:
    """``value`` as a float, if it is a finite number above 0 (at least 0 with ``zero=True``).

    Every hyperparameter set here is such a number; ``name`` is the argument to blame.

    Raises:
        TypeError: ``value`` is not a number.
        ValueError: it is NaN, infinite, negative, or zero where zero is not allowed.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {value!r}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not zero):
        wanted = "a finite number >= 0" if zero else "a finite positive number"
        raise ValueError(f"{name} must be {wanted}, not {value}")
    return float(value)


def _checked_values(name: str, schedule: Schedule, steps: int) -> list[float]:
    """What ``schedule`` gives each of ``steps`` batches, each checked to be a finite number
    >= 0 (the error names the batch and its progress)."""
    values = []
    for step in range(steps):
        progress = step / max(steps - 1, 1)
        where = f"{name} at progress {progress:.3f} (batch {step + 1} of {steps})"
        value = schedule(progress)
        values.append(check_positive(f"{where}: the schedule's value", value, zero=True))
    return values


# -------------------------------------------------------------------------- schedules
def linear(start: float, end: float) -> Schedule:
    """From ``start`` to ``end`` in a straight line (both finite and >= 0)."""
    start, end = check_positive("start", start, zero=True), check_positive("end", end, zero=True)
    return lambda progress: start + (end - start) * progress


def cosine(start: float, end: float) -> Schedule:
    """From ``start`` to ``end`` along half a cosine: flat at both ends, steep in the middle
    (both finite and >= 0)."""
    start, end = check_positive("start", start, zero=True), check_positive("end", end, zero=True)
    return lambda progress: end + (start - end) * (1 + np.cos(np.pi * progress)) / 2


def exponential(start: float, end: float) -> Schedule:
    """From ``start`` to ``end`` by a constant factor per step (a straight line on a log axis);
    both ends finite and positive."""
    start, end = check_positive("start", start), check_positive("end", end)
    return lambda progress: start * (end / start) ** progress


def triangle(low: float, high: float) -> Schedule:
    """Up from ``low`` to ``high`` in a straight line and back down (Smith's triangular rate)."""
    return combine([1, 1], [linear(low, high), linear(high, low)])


def combine(lengths: Sequence[float], schedules: Sequence[Schedule]) -> Schedule:
    """Phases: run ``schedules[i]`` over a share of training proportional to ``lengths[i]``.

    Each schedule sees its own progress, from 0 to 1 over its phase. ``combine([1, 3], [a,
    b])`` runs ``a`` over the first quarter of the batches and ``b`` over the rest.
    """
    lengths = np.asarray(lengths, dtype=float)
    if len(lengths) != len(schedules) or len(lengths) == 0 or not np.all(lengths > 0):
        raise ValueError(
            f"need one positive length per schedule, got lengths {lengths.tolist()} for "
            f"{len(schedules)} schedules"
        )
    shares = lengths / lengths.sum()
    starts = np.concatenate([[0.0], np.cumsum(shares)[:-1]])

    def schedule(progress: float) -> float:
        phase = int(np.searchsorted(starts, progress, side="right")) - 1
        phase = min(max(phase, 0), len(schedules) - 1)
        return schedules[phase](min((progress - starts[phase]) / shares[phase], 1.0))

    return schedule


def repeat(cycles: int, schedule: Schedule) -> Schedule:
    """``schedule`` run ``cycles`` times in a row (warm restarts, cyclical rates)."""
    if isinstance(cycles, bool) or not isinstance(cycles, numbers.Integral) or cycles < 1:
        raise ValueError(f"cycles must be a whole number >= 1, not {cycles!r}")
    return combine([1] * cycles, [schedule] * cycles)


def cyclic(low: float, high: float, cycles: int) -> Schedule:
    """Smith's cyclical learning rate (CLR, "triangular" mode): ``cycles`` triangles between
    ``low`` and ``high``, each up in a straight line and down again."""
    if cycles < 1 or not 0 <= low < high:
        raise ValueError(f"need cycles >= 1 and 0 <= low < high, got {cycles}, {low}, {high}")
    return repeat(cycles, triangle(low, high))


def sgdr(
    lr_max: float, cycle_lengths: Sequence[float] = (1, 2, 4), lr_min: float = 0.0
) -> Schedule:
    """Cosine annealing with warm restarts (Loshchilov and Hutter's SGDR): one cosine from
    ``lr_max`` down to ``lr_min`` per cycle, the cycles as long as ``cycle_lengths`` says.

    With ``fit(epochs=sum(cycle_lengths))`` and the default (1, 2, 4), the rate restarts after
    epochs 1 and 3, as in the course's image competition.
    """
    lr_max, lr_min = check_positive("lr_max", lr_max), check_positive("lr_min", lr_min, zero=True)
    if len(cycle_lengths) == 0:
        raise ValueError("cycle_lengths is empty: give one length per cycle, e.g. (1, 2, 4)")
    return combine(cycle_lengths, [cosine(lr_max, lr_min)] * len(cycle_lengths))


def one_cycle(
    lr_max: float,
    *,
    pct_start: float = 0.25,
    div: float = 25.0,
    final_div: float = 1e4,
    moms: tuple[float, float] = (0.95, 0.85),
) -> tuple[Schedule, Schedule]:
    """The learning-rate and momentum schedules of one-cycle training.

    The rate rises from ``lr_max / div`` to ``lr_max`` over the first ``pct_start`` of
    training and falls to ``lr_max / (div * final_div)`` over the rest, along half cosines;
    the momentum does the opposite, from ``moms[0]`` down to ``moms[1]`` and back up.

    Raises:
        TypeError, ValueError: a rate or divisor that is not a finite positive number,
            ``pct_start`` outside (0, 1), or ``moms`` not two momenta in [0, 1).
    """
    lr_max, div = check_positive("lr_max", lr_max), check_positive("div", div)
    final_div = check_positive("final_div", final_div)
    if not 0 < pct_start < 1:
        raise ValueError(f"need 0 < pct_start < 1, got {pct_start}")
    if len(moms) != 2 or not all(0 <= m < 1 for m in moms):
        raise ValueError(f"moms must be two momenta in [0, 1), got {moms!r}")
    phases = [pct_start, 1 - pct_start]
    low, end = lr_max / div, lr_max / (div * final_div)
    learning_rate = combine(phases, [cosine(low, lr_max), cosine(lr_max, end)])
    momentum = combine(phases, [cosine(*moms), cosine(moms[1], moms[0])])
    return learning_rate, momentum


def sample(schedule: Schedule, steps: int) -> np.ndarray:
    """The values ``schedule`` gives to each of ``steps`` batches (what the callback sets)."""
    if steps < 2:
        raise ValueError(f"need at least 2 steps, got {steps}")
    return np.array([float(schedule(step / (steps - 1))) for step in range(steps)])


# ------------------------------------------------------------------------- the callback
def inner_optimizer(optimizer: Any) -> Any:
    """The optimizer that holds the hyperparameters (under a mixed-precision loss scaler)."""
    return getattr(optimizer, "inner_optimizer", optimizer)


def has_rate_schedule(optimizer: Any) -> bool:
    """Whether the optimizer was compiled with a Keras ``LearningRateSchedule``."""
    rate = getattr(inner_optimizer(optimizer), "_learning_rate", None)
    return isinstance(rate, keras.optimizers.schedules.LearningRateSchedule)


class ParamScheduler(keras.callbacks.Callback):
    """Before every batch, set each named optimizer hyperparameter from its schedule.

    ``ParamScheduler(learning_rate=cosine(1e-2, 1e-5), weight_decay=...)``: the names are the
    optimizer's hyperparameters (``learning_rate``, ``weight_decay``, ``beta_1``, ...), and
    ``momentum`` means Adam's ``beta_1`` where the optimizer has one. The number of batches is
    read from ``fit`` (epochs x steps per epoch). The values set are kept in ``history``.

    A hyperparameter other than the learning rate is a Python float that the compiled training
    step bakes in as a constant; it is turned into a variable at the start of training, and the
    step is rebuilt, so that the new value is read at every batch. Keras' SGD branches on its
    momentum in Python, so that one cannot change during ``fit``.

    Every value is computed and checked when training begins, before anything changes.

    Raises:
        TypeError: a schedule is not a function; (when training begins) it gives a value
            that is not a number.
        ValueError: (when training begins) the optimizer has no such hyperparameter, or a
            schedule gives a value that is not finite and >= 0 (the error names the
            hyperparameter and the progress where it happened).
    """

    def __init__(self, **schedules: Schedule) -> None:
        super().__init__()
        if not schedules:
            raise ValueError("name at least one schedule, e.g. learning_rate=cosine(1e-2, 1e-5)")
        for name, schedule in schedules.items():
            if not callable(schedule):
                raise TypeError(
                    f"{name} must be a schedule, a function of progress (e.g. cosine(1e-2, "
                    f"1e-5)), not {schedule!r}; for a constant, lambda progress: {schedule!r}"
                )
        self.schedules = schedules
        self.history: dict[str, list[float]] = {name: [] for name in schedules}

    def on_train_begin(self, logs: dict | None = None) -> None:
        steps = self.params.get("steps")
        if not steps:
            raise ValueError(
                f"{type(self).__name__} needs the number of batches: pass arrays to fit, or "
                "steps_per_epoch with a generator"
            )
        self._total, self._step = self.params["epochs"] * steps, 0
        self._values = {
            name: _checked_values(name, schedule, self._total)
            for name, schedule in self.schedules.items()
        }
        self.history = {name: [] for name in self.schedules}
        if not self.model.optimizer.built:  # build with the floats, as Keras expects
            self.model.optimizer.build(self.model.trainable_variables)
        optimizer = inner_optimizer(self.model.optimizer)
        self._attributes = {name: self._attribute(optimizer, name) for name in self.schedules}
        rebuild = False
        for attribute in self._attributes.values():
            value = getattr(optimizer, attribute)
            if attribute != "learning_rate" and not isinstance(value, keras.Variable):
                variable = keras.Variable(float(value), dtype="float32", trainable=False)
                setattr(optimizer, attribute, variable)
                rebuild = True
        if rebuild:
            self.model.make_train_function(force=True)

    def _attribute(self, optimizer: Any, name: str) -> str:
        kind = type(optimizer).__name__
        if name == "learning_rate" and has_rate_schedule(optimizer):
            raise ValueError(
                f"{type(self).__name__} sets the learning rate itself: compile with a number, "
                "e.g. keras.optimizers.Adam(1e-3), not a LearningRateSchedule"
            )
        if name == "momentum" and hasattr(optimizer, "beta_1"):
            return "beta_1"
        if name == "momentum" and isinstance(optimizer, keras.optimizers.SGD):
            raise ValueError(
                "Keras' SGD cannot change its momentum during fit (it tests it with a Python "
                "if); schedule Adam's momentum (beta_1) instead, or leave momentum out"
            )
        if getattr(optimizer, name, None) is None or callable(getattr(optimizer, name)):
            raise ValueError(
                f"{kind} has no hyperparameter {name!r} to schedule (or it is switched off: "
                f"pass {name}=... to the optimizer)"
            )
        return name

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        step = min(self._step, self._total - 1)
        optimizer = inner_optimizer(self.model.optimizer)
        for name, values in self._values.items():
            value = values[step]
            attribute = self._attributes[name]
            if attribute == "learning_rate":
                optimizer.learning_rate = value
            else:
                getattr(optimizer, attribute).assign(value)
            self.history[name].append(value)
        self._step += 1

    def plot(self, axes=None):
        """The values that were set, batch by batch: one panel per hyperparameter."""
        return plot_schedule(self.history, title=type(self).__name__, axes=axes)


class OneCycle(ParamScheduler):
    """One-cycle training (:func:`one_cycle`) as a :class:`ParamScheduler`.

    ``model.fit(..., callbacks=[OneCycle(lr_max)])``. The momentum is cycled where the
    optimizer has an Adam-style ``beta_1``; Keras' SGD keeps its constant momentum. The rates
    and momenta set are also in ``lrs`` and ``moms``.
    """

    def __init__(
        self,
        lr_max: float,
        *,
        pct_start: float = 0.25,
        div: float = 25.0,
        final_div: float = 1e4,
        moms: tuple[float, float] = (0.95, 0.85),
    ) -> None:
        learning_rate, momentum = one_cycle(
            lr_max, pct_start=pct_start, div=div, final_div=final_div, moms=moms
        )
        super().__init__(learning_rate=learning_rate, momentum=momentum)
        self._cycle = dict(self.schedules)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.schedules = dict(self._cycle)
        if not hasattr(inner_optimizer(self.model.optimizer), "beta_1"):
            del self.schedules["momentum"]
        super().on_train_begin(logs)

    @property
    def lrs(self) -> list[float]:
        return self.history["learning_rate"]

    @property
    def moms(self) -> list[float]:
        return self.history.get("momentum", [])
