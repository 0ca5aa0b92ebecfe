"""Checked exercises of lecture 08 (recurrent networks on spectrogram sequences)."""

from __future__ import annotations

from functools import cache

import numpy as np

from helpers.exercises import NotYet, close, exercise, expect, integer, number

# The lecture's shapes: 40 mel bands by 501 frames, six scenes.
N_MELS, N_FRAMES, N_CLASSES = 40, 501, 6


def _gru_params(n, u):
    """Parameters of a Keras GRU (reset_after=True): three weight sets and two biases."""
    return 3 * u * (n + u + 2)


# ---- exercise 1: the step of SGD with momentum ----


@exercise(
    1,
    hint=(
        "With momentum m the update is v <- m v - lr g, and the weights move by v. On a "
        "constant gradient g, v settles where it no longer changes: v = m v - lr g. Solve for "
        "v, then divide by the seed's step, 0.001 g."
    ),
    solution=(
        "v = m v - lr g gives v = -lr g / (1 - m) = -0.01 g / 0.1 = -0.1 g: step_ratio = "
        "0.1 / 0.001 = 100. Momentum multiplies the learning rate by 1 / (1 - 0.9) = 10 on a "
        "steady slope. Then train it like the seed's network: `train(recurrent_classifier("
        "L.LSTM(128)), keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), EPOCHS_SHORT)` "
        "and compare its training loss (how far it has got) and validation accuracy with the "
        "diagnosis table's."
    ),
    answer=(100,),
    mistakes={
        "learning rates alone": (10,),
        "divide by the seed": (0.1,),
        "one earlier step": (19,),
        "the other way round": (0.01,),
    },
    wrong=[(1000,), (0.9,), ("100",), (1.0,)],
)
def q1(step_ratio):
    ratio = number(step_ratio, "step_ratio")
    if close(ratio, 10):
        raise NotYet(
            "10 is the ratio of the learning rates alone (0.01 / 0.001). Momentum adds up "
            "the past steps too: on a steady slope the step grows to lr / (1 - momentum)."
        )
    if close(ratio, 0.1):
        raise NotYet(
            "0.1 is the settled step per unit of gradient, lr / (1 - momentum); divide by the "
            "seed's step, 0.001, to get the ratio."
        )
    if close(ratio, 19) or close(ratio, 1.9):
        raise NotYet(
            "You counted the current step and one earlier step (lr (1 + m)). Momentum keeps "
            "every earlier step, shrinking by m each time: lr (1 + m + m^2 + ...)."
        )
    if close(ratio, 0.01):
        raise NotYet("That is the seed's step over the new one: the ratio the other way round.")
    expect(
        close(ratio, 100, rtol=0.01),
        "Not the ratio. Solve v = 0.9 v - 0.01 g for v, and divide its size by 0.001 g.",
    )
    return (
        "Momentum 0.9 at 0.01 takes steps 100 times the seed's on a steady slope: the "
        "seed's SGD at 0.001 barely moved, whatever the size of the network."
    )


# ---- exercise 3: a bidirectional GRU, checked by its parameters and output ----


def _classifier(*layers, steps=N_FRAMES, features=N_MELS):
    import keras

    return keras.Sequential(
        [
            keras.Input((steps, features)),
            *layers,
            keras.layers.Dense(N_CLASSES, activation="softmax"),
        ]
    )


def _bidirectional(**kwargs):
    import keras

    return _classifier(keras.layers.Bidirectional(keras.layers.GRU(64, **kwargs)))


def _one_way():
    import keras

    return (_classifier(keras.layers.GRU(64)),)


def _transposed():
    import keras

    gru = keras.layers.Bidirectional(keras.layers.GRU(64))
    return (_classifier(gru, steps=N_MELS, features=N_FRAMES),)


def _lstm():
    import keras

    return (_classifier(keras.layers.Bidirectional(keras.layers.LSTM(64))),)


BIDIRECTIONAL = 2 * _gru_params(N_MELS, 64) + (2 * 64 + 1) * N_CLASSES  # 41,478
SUMMED = 2 * _gru_params(N_MELS, 64) + (64 + 1) * N_CLASSES  # merge_mode="sum" and the like


@exercise(
    3,
    hint=(
        "`recurrent_classifier(L.Bidirectional(L.GRU(64)))`: the wrapper makes a second GRU "
        "that reads the frames backwards, and joins the two final states."
    ),
    solution=(
        "`bidirectional = recurrent_classifier(L.Bidirectional(L.GRU(64)))`. Two GRUs of "
        f"3 x 64 x (40 + 64 + 2) = {_gru_params(N_MELS, 64):,} parameters each, and the "
        f"output layer now reads 128 numbers: 129 x 6 = 774. In all {BIDIRECTIONAL:,}, "
        f"against {_gru_params(N_MELS, 64) + 65 * N_CLASSES:,} for GRU(64): twice the "
        "recurrent weights, and each epoch costs about twice as much."
    ),
    answer=lambda: (_bidirectional(),),
    mistakes={
        "one direction": _one_way,
        "transpose": _transposed,
        "LSTM": _lstm,
        "return_sequences": lambda: (_bidirectional(return_sequences=True),),
    },
    wrong=[(41478,), ("model",)],
)
def q3(bidirectional):
    expect(
        hasattr(bidirectional, "count_params") and hasattr(bidirectional, "output_shape"),
        "bidirectional should be a Keras model (built with `recurrent_classifier(...)`), not "
        f"a {type(bidirectional).__name__}.",
    )
    shape_in = tuple(bidirectional.input_shape)[1:]
    if shape_in == (N_MELS, N_FRAMES):
        raise NotYet(
            "Its input is (40, 501): 40 time steps of 501 features. Keras reads (time, "
            "features), so transpose: the model takes (501, 40), as `recurrent_classifier` does."
        )
    expect(
        shape_in == (N_FRAMES, N_MELS),
        f"Its input is {shape_in}; the spectrograms reach it as (501 frames, 40 bands).",
    )
    shape_out = tuple(bidirectional.output_shape)[1:]
    if len(shape_out) == 2:
        raise NotYet(
            f"Its output is {shape_out}: one prediction per frame. Leave return_sequences "
            "off in the GRU, so that only its final states reach the output layer."
        )
    expect(shape_out == (N_CLASSES,), f"Its output is {shape_out}; one of 6 scenes: (6,).")
    params = integer(bidirectional.count_params(), "its parameter count")
    one_way = _gru_params(N_MELS, 64) + 65 * N_CLASSES
    if params == one_way:
        raise NotYet(
            f"{params:,} parameters: a GRU(64) reading in one direction only. Wrap it: "
            "`L.Bidirectional(L.GRU(64))`."
        )
    if params == 2 * 4 * 64 * (N_MELS + 64 + 1) + 129 * N_CLASSES:
        raise NotYet(f"{params:,} parameters: that is a bidirectional LSTM(64), not a GRU(64).")
    expect(
        params in (BIDIRECTIONAL, SUMMED),
        f"{params:,} parameters, where a bidirectional GRU(64) and its output layer have "
        f"{BIDIRECTIONAL:,}. Count: two GRUs of {_gru_params(N_MELS, 64):,}, and 129 x 6.",
    )
    joined = "adds" if params == SUMMED else "joins (concatenates)"
    return (
        f"{params:,} parameters: the wrapper {joined} the two directions' final states. "
        "Twice the recurrent weights, for a task where the whole recording is known in advance."
    )


# ---- exercise 4: a median filter along time ----


@cache
def _rolls():
    """Event rolls of 6 recordings x 120 frames: passages of 15-40 frames, 15 % flicker."""
    rng = np.random.default_rng(8)
    truth = np.zeros((6, 120), bool)
    for row in truth:
        start = rng.integers(0, 20)
        while start < 120:
            length = rng.integers(15, 40)
            row[start : start + length] = True
            start += length + rng.integers(15, 40)
    return truth ^ (rng.random(truth.shape) < 0.15)


def _median(size):
    from scipy.ndimage import median_filter

    return lambda roll, width: median_filter(roll.astype(int), size=size(width))


def _same(out, roll, width, size):
    """Whether ``out`` is the median with window ``size(width)``, away from the ends (where
    padding rules differ)."""
    inner = np.s_[:, width:-width]
    return np.array_equal(out[inner], _median(size)(roll, width)[inner])


def _mean_not_thresholded(roll, width):
    from scipy.ndimage import uniform_filter1d

    return uniform_filter1d(roll.astype(float), width, axis=1)


@exercise(
    4,
    hint=(
        "`median_filter(roll.astype(int), size=(1, width))`: the first axis holds the "
        "recordings, the second the frames; the window must stay within one recording."
    ),
    solution=(
        "`def smooth(roll, width): return median_filter(roll.astype(int), size=(1, width))`. "
        "A `size=width` window is square: it would take the median across neighbouring "
        "recordings too. A median of width w removes every on or off run shorter than "
        "(w + 1) / 2 frames; the solution below compares the switch counts for 5, 11 and 21."
    ),
    answer=(_median(lambda w: (1, w)),),
    mistakes={
        "across neighbouring recordings": (_median(lambda w: w),),
        "along the recordings": (_median(lambda w: (w, 1)),),
        "as it was": (lambda roll, width: roll,),
        "threshold": (_mean_not_thresholded,),
    },
    wrong=[(5,), (lambda roll: roll,), (_median(lambda w: (1, w + 6)),)],
)
def q4(smooth):
    expect(callable(smooth), "smooth should be a function of (roll, width), e.g. a def.")
    roll = _rolls()
    for width in (5, 11):
        try:
            out = smooth(roll.copy(), width)
        except TypeError as error:
            raise NotYet(f"smooth(roll, width) failed ({error}): take the two arguments.") from None
        out = np.asarray(out, dtype=float)
        expect(out.shape == roll.shape, f"smooth returned shape {out.shape}, not {roll.shape}.")
        if _same(out, roll, width, lambda w: (1, w)):
            continue
        if _same(out, roll, width, lambda w: w):
            raise NotYet(
                "A window of size=width is square: it takes the median across neighbouring "
                "recordings too. Use size=(1, width): one recording, width frames."
            )
        if _same(out, roll, width, lambda w: (w, 1)):
            raise NotYet(
                "You filtered along the recordings (axis 0), not along time: size=(1, width)."
            )
        if np.array_equal(out, roll):
            raise NotYet("smooth returned the roll as it was: apply the median filter.")
        if not np.isin(out, (0, 1)).all():
            raise NotYet(
                "smooth returned values between 0 and 1: a moving mean needs a threshold at "
                "0.5 (on 0/1 values that is the median), or use median_filter directly."
            )
        raise NotYet(
            f"With width {width} the result is not a median over {width} frames of each "
            "recording. Use median_filter(roll.astype(int), size=(1, width))."
        )
    return (
        "A median over w frames removes flickers shorter than (w + 1) / 2 frames: a fixed "
        "smoothing, where the recurrent detector learns its own."
    )
