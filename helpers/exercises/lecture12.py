"""Checked exercises of lecture 12 (text classification: the deep pipeline).

The counts are those of the lecture on the tweets (``load_text_competition()`` without a CSV):
the training tweets hold 15,832 distinct words, so the vocabulary, with the padding and the
unknown word, has 15,834 entries, fewer than the cap ``MAX_WORDS`` = 20,000.
"""

from __future__ import annotations

import numpy as np

from helpers.exercises import NotYet, exercise, expect, integer

MAXLEN, DIM, VOCAB = 40, 384, 15_834  # the lecture's sequence length, vector size, len(vocab)
TABLE = VOCAB * DIM  # 6,080,256 numbers in the embedding table
GRU_DIRECTION = 3 * (DIM * 64 + 64 * 64 + 2 * 64)  # 86,400: three gates, two bias vectors
BASELINE = 2 * GRU_DIRECTION + (2 * 64 * 16 + 16) + (16 + 1)  # 174,881 with the table frozen


@exercise(
    2,
    hint=(
        "Unfreezing makes the embedding table trainable: one row of DIM numbers per entry of "
        "the vocabulary. How many entries has `vocab` on the tweets (`len(vocab)`)?"
    ),
    solution=(
        "The table has `len(vocab)` = 15,834 rows (15,832 words, the padding and the unknown "
        "word: the tweets have fewer distinct words than MAX_WORDS) of 384 numbers: "
        "15,834 x 384 = 6,080,256 more parameters, 35 times the frozen baseline's 174,881, "
        "learned from 10,000 tweets. Unfreeze at a low rate (e.g. `Adam(1e-4)`) after two "
        "frozen epochs, and recompile, since `trainable` takes effect at compile time. Whether "
        "so many more numbers help on so few tweets is for the test period's F1 to say, read "
        "with its standard error."
    ),
    answer=(TABLE,),
    mistakes={
        "MAX_WORDS": (20_000 * DIM,),
        "only the table": (TABLE + BASELINE,),
        "padding row": ((VOCAB - 1) * DIM,),
    },
    wrong=[(VOCAB,), (DIM,), (300 * VOCAB,), ("6080256",), (6_080_256.5,)],
)
def q2(added_parameters):
    added = integer(added_parameters, "added_parameters")
    if added == 20_000 * DIM:
        raise NotYet(
            "MAX_WORDS = 20,000 is a cap: the training tweets have fewer distinct words, so "
            "the table has `len(vocab)` rows, not 20,000."
        )
    if added == TABLE + BASELINE:
        raise NotYet(
            f"That is every trainable parameter once unfrozen; the question asks what "
            f"unfreezing adds, which is only the table (the other {BASELINE:,} were trained "
            "already)."
        )
    if added == (VOCAB - 1) * DIM:
        raise NotYet(
            "The padding row is part of the table and becomes trainable with it (its "
            "gradient is zero, since the mask hides it, but it is still a parameter)."
        )
    expect(
        added == TABLE,
        f"Not the size of the embedding table: it has one row per entry of `vocab` "
        f"({VOCAB:,} on the tweets) and DIM = {DIM} columns.",
    )
    return (
        "Unfreezing multiplies the trained parameters by about 36, for 10,000 tweets: the "
        "reason to unfreeze late, at a low rate, and to compare on held-out tweets."
    )


def _layer_answer(kind: str, rate: float = 0.2):
    def build():
        import keras

        if kind == "words":
            return (keras.layers.Dropout(rate, noise_shape=(None, MAXLEN, 1)),)
        if kind == "channels":
            return (keras.layers.SpatialDropout1D(rate),)
        if kind == "channel shape":
            return (keras.layers.Dropout(rate, noise_shape=(None, 1, DIM)),)
        return (keras.layers.Dropout(rate),)

    return build


def _apply(layer, x, training: bool) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(layer(x, training=training)), dtype=float)


@exercise(
    3,
    hint=(
        "Ordinary `Dropout` zeroes single numbers. Give it a `noise_shape` of (batch, time, "
        "channels) with 1 where one random draw should cover the whole axis: 1 along the "
        "channels drops a word's whole vector, at every channel at once."
    ),
    solution=(
        "`word_dropout = L.Dropout(0.2, noise_shape=(None, MAXLEN, 1))`: one draw per text "
        "and time step, broadcast over the 384 channels, so a dropped word is zeroed "
        "entirely and the kept words are scaled by 1/0.8. `SpatialDropout1D(0.2)` is the same "
        "with noise_shape (None, 1, channels): one draw per channel for the whole text. In "
        "`final_model`, put `word_dropout` where `L.SpatialDropout1D(0.2)` is and compare the "
        "validation F1 with its bootstrap standard error."
    ),
    answer=_layer_answer("words"),
    mistakes={
        "channels": _layer_answer("channels"),
        "single numbers": _layer_answer("plain"),
        "rate": _layer_answer("words", 0.5),
    },
    wrong=[_layer_answer("channel shape"), _layer_answer("words", 0.05), ("Dropout(0.2)",), (0.2,)],
)
def q3(word_dropout):
    import keras

    expect(
        isinstance(word_dropout, keras.layers.Layer),
        f"word_dropout should be a Keras layer, such as `L.Dropout(...)`, not a "
        f"{type(word_dropout).__name__}.",
    )
    x = np.ones((64, MAXLEN, DIM), "float32")  # 64 texts of MAXLEN words, DIM channels
    out = _apply(word_dropout, x, training=True)
    expect(out.shape == x.shape, f"The layer turns {x.shape} into {out.shape}: keep the shape.")
    expect(
        np.allclose(_apply(word_dropout, x, training=False), x),
        "At prediction time (training=False) dropout must pass its input through unchanged.",
    )
    dropped = out == 0
    expect(dropped.any(), "The layer dropped nothing in training: is its rate 0?")
    if not (out == out[:, :, :1]).all():
        if (out == out[:, :1, :]).all():
            raise NotYet(
                "Your layer drops channels: one channel is zeroed at every time step of a "
                "text, as SpatialDropout1D does. Drop words: noise_shape=(None, MAXLEN, 1)."
            )
        raise NotYet(
            "Your layer drops single numbers, each on its own, as plain Dropout does: a word "
            "keeps most of its vector. Add noise_shape=(None, MAXLEN, 1)."
        )
    rate = dropped[:, :, 0].mean()  # the share of words dropped, over 2,560 of them
    expect(
        abs(rate - 0.2) < 0.06,
        f"Whole words are dropped, but {rate:.0%} of them: the rate should be the report's "
        "0.2, like the spatial dropout it replaces.",
    )
    kept = out[~dropped]
    expect(
        np.allclose(kept, kept[0]) and abs(kept[0] - 1.25) < 0.01,
        "The kept words should be scaled by 1 / (1 - 0.2) = 1.25, as Dropout does.",
    )
    return (
        "Word dropout removes whole words, so the model cannot lean on any single one; "
        "spatial dropout removes the same embedding channel from every word."
    )


@exercise(
    6,
    hint=(
        "A GRU has three gates, each with an input kernel (DIM x units), a recurrent kernel "
        "(units x units) and, in Keras (`reset_after=True`), two bias vectors of `units`. "
        "Bidirectional doubles that, and the dense layer reads both directions' outputs."
    ),
    solution=(
        "Per direction 3 x (384 x 64 + 64 x 64 + 2 x 64) = 3 x 28,800 = 86,400, both "
        "directions 172,800; the dense layer (128 + 1) x 16 = 2,064 (it reads the 2 x 64 "
        "joined outputs); the output 16 + 1 = 17. Total 174,881, the table's 'trainable "
        "parameters' for the frozen vectors. The frozen embedding adds none."
    ),
    answer=(BASELINE,),
    mistakes={
        "two bias vectors": (2 * 3 * (DIM * 64 + 64 * 64 + 64) + 2064 + 17,),
        "both directions": (GRU_DIRECTION + (64 * 16 + 16) + 17,),
        "frozen": (BASELINE + TABLE,),
    },
    wrong=[(172_800,), (2 * 3 * (DIM * 64 + 64 * 64) + 2064 + 17,), (174_880,), ("174881",)],
)
def q6(n_baseline):
    n = integer(n_baseline, "n_baseline")
    if n == BASELINE + TABLE:
        raise NotYet(
            "That counts the embedding table, which is frozen (trainable=False): its "
            f"{TABLE:,} numbers are not trained. Count the other layers."
        )
    if n == 2 * 3 * (DIM * 64 + 64 * 64 + 64) + 2064 + 17:
        raise NotYet(
            "Close: Keras' GRU has `reset_after=True` by default, with two bias vectors per "
            "gate (one for the input, one for the recurrent part), not one."
        )
    if n == GRU_DIRECTION + (64 * 16 + 16) + 17:
        raise NotYet(
            "That is one GRU: Bidirectional runs one in both directions, each with its own "
            "weights, and joins their outputs, so the dense layer reads 128 numbers."
        )
    expect(
        n == BASELINE,
        f"Not {n:,}. Count per GRU direction: 3 gates x (input kernel 384 x 64 + recurrent "
        "kernel 64 x 64 + two biases of 64); then the dense layer on the 128 joined outputs, "
        "and the output unit.",
    )
    return (
        "Counting by hand tells you where a model's capacity is: here in the GRU's input "
        "kernels, 384 x 192 numbers per direction."
    )
