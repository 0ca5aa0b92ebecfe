"""Checked exercises of lecture 13 (image classification in practice)."""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises import NotYet, as_array, close, exercise, expect, integer, number

# ---- exercise 3: the one-cycle schedule over 200 batches, lr_max 1e-3, div 25 ----


@exercise(
    3,
    hint=(
        "`pct_start` is the share of the batches spent warming up: the rate peaks after that "
        "share of the 200 batches. It starts at `lr_max / div` (`div` is 25 by default)."
    ),
    solution=(
        "`rates = sample(one_cycle(1e-3, pct_start=p)[0], 200)`, then `rates.argmax()`: batch "
        "20 for pct_start 0.1 (0.1 x 199 = 19.9) and batch 99 for 0.5 (99 and 100 tie, either "
        "side of 0.5 x 199 = 99.5). Both start at 1e-3 / 25 = 4e-05 and end at "
        "1e-3 / (25 x 1e4) = 4e-09. A short warm-up leaves most of training for annealing."
    ),
    answer=(20, 99, 4e-5),
    mistakes={
        "a share of the batches": (0.1, 0.5, 4e-5),
        "swapped": (99, 20, 4e-5),
        "lr_max / div": (20, 99, 1e-3),
        "where it ends": (20, 99, 4e-9),
    },
    wrong=[(10, 50, 4e-5), (20, 99, 1e-4), (200, 200, 4e-5), (20, 99, "4e-5")],
)
def q3(peak_batch_01, peak_batch_05, first_rate):
    peaks = [number(peak_batch_01, "peak_batch_01"), number(peak_batch_05, "peak_batch_05")]
    if all(0 < p < 1 for p in peaks):
        raise NotYet(
            "Those are the shares pct_start itself; the question asks for the batch (of 200) "
            "where the rate peaks: a share of the batches, times 200."
        )
    if close(peaks[0], 99.5, atol=1.6) and close(peaks[1], 20, atol=1.1):
        raise NotYet("The two peaks are swapped: pct_start 0.1 peaks early, 0.5 in the middle.")
    peak_01, peak_05 = (
        integer(peak_batch_01, "peak_batch_01"),
        integer(peak_batch_05, "peak_batch_05"),
    )
    expect(
        abs(peak_01 - 20) <= 1,
        f"Batch {peak_01} is not where pct_start 0.1 peaks: the warm-up covers 0.1 of the "
        "batches from the first (0) to the last (199).",
    )
    expect(
        abs(peak_05 - 99.5) <= 1.5,
        f"Batch {peak_05} is not where pct_start 0.5 peaks: the warm-up covers half of the "
        "batches.",
    )
    first = number(first_rate, "first_rate")
    if close(first, 1e-3):
        raise NotYet("1e-3 is the peak. The warm-up starts lower, at lr_max / div.")
    if close(first, 4e-9, rtol=0.01, atol=0):
        raise NotYet("4e-9 is where it ends (lr_max / (div x final_div)); it starts higher.")
    expect(
        close(first, 4e-5, rtol=0.01),
        f"{first:.1e} is not the first rate: it is lr_max / div with the default div = 25.",
    )
    return "A short warm-up (0.1) leaves most batches for annealing, where the weights settle."


# ---- exercise 5: Smith's triangular learning rate ----


def _smith(iteration, base_lr, max_lr, step_size):
    cycle = math.floor(1 + iteration / (2 * step_size))
    x = abs(iteration / step_size - 2 * cycle + 1)
    return base_lr + (max_lr - base_lr) * max(0.0, 1 - x)


def _rates_of(triangular_lr, base_lr, max_lr, step_size, n):
    return np.array([number(triangular_lr(k, base_lr, max_lr, step_size)) for k in range(n)])


@exercise(
    5,
    hint=(
        "The rate climbs in a straight line from base_lr to max_lr over step_size batches, "
        "falls back to base_lr over the next step_size, and repeats: a cycle is 2 x step_size "
        "batches. Batch 0 is at base_lr."
    ),
    solution=(
        "Smith's own three lines: `cycle = np.floor(1 + iteration / (2 * step_size))`, "
        "`x = np.abs(iteration / step_size - 2 * cycle + 1)`, "
        "`return base_lr + (max_lr - base_lr) * np.maximum(0, 1 - x)`. As a callback, set "
        "`model.optimizer.learning_rate` to it in `on_train_batch_begin`; with "
        "helpers.schedules it is `ParamScheduler(learning_rate=repeat(2, triangle(lo, hi)))`."
    ),
    answer=(_smith,),
    mistakes={
        "starts at max_lr": (lambda k, lo, hi, s: _smith(k + s, lo, hi, s),),
        "half a cycle": (lambda k, lo, hi, s: _smith(k, lo, hi, s / 2),),
        "sawtooth": (lambda k, lo, hi, s: lo + (hi - lo) * (k % (2 * s)) / (2 * s),),
        "straight lines": (
            lambda k, lo, hi, s: lo + (hi - lo) * (1 - math.cos(math.pi * k / s)) / 2,
        ),
    },
    wrong=[
        (lambda k, lo, hi, s: lo,),
        (lambda k, lo, hi, s: hi,),
        (lambda k, lo, hi, s: _smith(k, lo, hi, 2 * s),),
        (0.001,),
    ],
)
def q5(triangular_lr):
    expect(
        callable(triangular_lr),
        "triangular_lr should be a function of (iteration, base_lr, max_lr, step_size).",
    )
    base_lr, max_lr, step_size, n = 1e-4, 1e-3, 10, 60
    got = _rates_of(triangular_lr, base_lr, max_lr, step_size, n)
    want = np.array([_smith(k, base_lr, max_lr, step_size) for k in range(n)])
    if close(got[0], max_lr) and close(got[step_size], base_lr):
        raise NotYet(
            "Your rate starts at max_lr and falls first (or base_lr and max_lr are swapped). "
            "Smith's cycle starts at base_lr at batch 0 and climbs."
        )
    if close(got, [_smith(k, base_lr, max_lr, step_size / 2) for k in range(n)]):
        raise NotYet(
            "Your cycle is step_size batches long. In Smith's paper step_size is half a cycle: "
            "step_size batches up, step_size down."
        )
    if np.any(np.diff(got) < -0.5 * (max_lr - base_lr)):
        raise NotYet(
            "Your rate drops back to base_lr in one step: a sawtooth. The triangle comes down "
            "as it went up, in a straight line over step_size batches."
        )
    rising = np.diff(got[: step_size + 1])
    if close(got[[0, step_size]], [base_lr, max_lr]) and np.ptp(rising) > 1e-3 * max_lr:
        raise NotYet(
            "The ends are right but not the path between them: the triangular policy runs in "
            "straight lines (a constant change per batch), not along a curve."
        )
    expect(
        close(got, want, rtol=1e-4, atol=1e-9),
        f"With base_lr {base_lr}, max_lr {max_lr} and step_size {step_size}, batches 0, 5, 10 "
        f"and 20 should get {want[0]:.2e}, {want[5]:.2e}, {want[10]:.2e} and {want[20]:.2e}; "
        f"yours gives {got[0]:.2e}, {got[5]:.2e}, {got[10]:.2e} and {got[20]:.2e}.",
    )
    other = _rates_of(triangular_lr, 2e-3, 5e-2, 7, 50)
    expect(
        close(other, [_smith(k, 2e-3, 5e-2, 7) for k in range(50)], rtol=1e-4, atol=1e-9),
        "Right for base_lr 1e-4, max_lr 1e-3, step_size 10, but not for other values: use the "
        "arguments, not constants.",
    )
    return "A cyclical rate needs no decay schedule to tune: only the two bounds and the cycle."


# ---- exercise 6: the discriminative rates of fine_tune's second stage ----

RATES_LR_MULT_10 = np.geomspace(1e-4, 1e-3, 4)  # base_lr 2e-3 halved, first group 10x lower


@exercise(
    6,
    hint=(
        "Read `fine_tune`'s source: after the first stage it halves base_lr, gives that to the "
        "head, base_lr / lr_mult to the first group, and spreads the four rates geometrically "
        "(`np.geomspace`) in between."
    ),
    solution=(
        "The head gets 2e-3 / 2 = 1e-3 and the first group 1e-3 / 10 = 1e-4; geometrically in "
        "between, each group's rate is 10 ** (1/3) = 2.15 times the one before: 1.0e-4, "
        "2.2e-4, 4.6e-4, 1.0e-3 (`np.geomspace(1e-4, 1e-3, 4)`)."
    ),
    answer=(RATES_LR_MULT_10,),
    mistakes={
        "halves base_lr": (np.geomspace(2e-4, 2e-3, 4),),
        "geometrically": (np.linspace(1e-4, 1e-3, 4),),
        "first group to the head": (RATES_LR_MULT_10[::-1],),
        "lr_mult=10": (np.geomspace(1e-5, 1e-3, 4),),
    },
    wrong=[
        (np.full(4, 1e-3),),
        (np.geomspace(1e-4, 1e-3, 3),),
        (np.geomspace(2e-5, 2e-3, 4),),
        (1e-3,),
    ],
)
def q6(group_rates):
    rates = as_array(group_rates, "group_rates").ravel()
    expect(
        rates.size == 4,
        f"group_rates has {rates.size} values: give one per layer group, the body's three "
        "and the head, first group first.",
    )
    expect(np.all(rates > 0), "Learning rates are positive numbers.")
    if close(rates, RATES_LR_MULT_10[::-1], rtol=0.02):
        raise NotYet("Right rates, reversed: list them from the first group to the head.")
    if close(rates, 2 * RATES_LR_MULT_10, rtol=0.02):
        raise NotYet("Twice too high: the second stage halves base_lr before spreading the rates.")
    if close(rates, np.linspace(1e-4, 1e-3, 4), rtol=0.02):
        raise NotYet(
            "Evenly spaced: the rates are spread geometrically, a constant factor from one "
            "group to the next."
        )
    if close(rates[[0, -1]], [1e-5, 1e-3], rtol=0.02):
        raise NotYet("That spreads them a hundredfold, the default; here lr_mult=10.")
    expect(
        close(rates, RATES_LR_MULT_10, rtol=0.02),
        f"Not the rates fine_tune uses. Yours run from {rates[0]:.1e} to {rates[-1]:.1e}: "
        "what does the head get after the halving, and what the first group?",
    )
    return "The first group moves ten times more slowly than the head; lr_mult sets the spread."
