"""Checked exercises of lecture 14 (multi-label classification and image regression)."""

from __future__ import annotations

from functools import cache

import numpy as np

from helpers.exercises import NotYet, close, exercise, expect, number

# ---- exercise 1: what a softmax cannot do on mosaics with two or more classes ----

# Share of test mosaics with two or more classes: 0.940 (quick profile, 500 mosaics), 0.923
# (full, 4,000), 0.945 (smoke, 200); 0.924 expected from the construction.
SHARE_LOW, SHARE_HIGH = 0.90, 0.965


@exercise(
    1,
    hint=(
        "Softmax probabilities sum to 1. If two classes both got more than 0.5, what would "
        "the sum be? Then count the test mosaics showing two or more classes: "
        "`(ym_test.sum(axis=1) >= 2).mean()`."
    ),
    solution=(
        "Each of two classes can get at most 0.5 (`max_both = 0.5`), and `probs > 0.5` then "
        "holds for neither; a softmax predicts at most one class at threshold 0.5. Every "
        "mosaic with two or more classes is wrong before any training: "
        "`share_lost = (ym_test.sum(axis=1) >= 2).mean()`, 0.94 in the quick profile (about "
        "0.92 in the full one)."
    ),
    answer=(0.5, 0.94),
    mistakes={
        "sum to 1": (1.0, 0.94),
        "can get right": (0.5, 0.06),
        "three or four": (0.5, 0.306),
        "between 0 and 1": (0.5, 94.0),
    },
    wrong=[(0.25, 0.94), (0.5, 1.0), (0.5, 0.5), ("0.5", 0.94), (0.5, 0.8)],
)
def q1(max_both, share_lost):
    both = number(max_both, "max_both")
    if close(both, 1.0):
        raise NotYet(
            "Softmax outputs sum to 1 over the ten classes: if one class gets 1, the other "
            "gets 0. How much can each of two classes get at once?"
        )
    expect(
        close(both, 0.5, atol=1e-3),
        f"max_both = {both} is not the most each of two classes can get: split a total of 1 "
        "equally between them.",
    )
    share = number(share_lost, "share_lost")
    if 1 < share <= 100:
        raise NotYet(f"Give share_lost as a share between 0 and 1, not {share} per cent.")
    if 0.03 <= share <= 0.09:
        raise NotYet(
            "That is the share of mosaics with one class, the share a softmax can get right. "
            "share_lost is the rest."
        )
    if 0.25 <= share <= 0.4:
        raise NotYet(
            "That counts mosaics with exactly two classes; mosaics with three or four classes "
            "cannot be right either."
        )
    expect(
        SHARE_LOW <= share <= SHARE_HIGH,
        f"{share:.3f} is not the share of test mosaics with two or more classes: count them "
        "in `ym_test` (`ym_test.sum(axis=1)` is the number of classes per mosaic).",
    )
    return (
        "A softmax makes classes compete for one unit of probability: right for one label per "
        "image, wrong for several."
    )


# ---- exercise 2: the threshold for macro F1, chosen on the data given ----

THRESHOLDS = np.linspace(0.05, 0.95, 29)


@cache
def _scored_labels(seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Multi-label targets with rare and common classes, and sigmoid-like scores for them."""
    rng = np.random.default_rng(seed)
    targets = (rng.random((n, 10)) < np.linspace(0.05, 0.5, 10)).astype("float32")
    logits = rng.normal(0, 1, (n, 10)) + np.linspace(0.5, 2.5, 10) * (2 * targets - 1) - 1
    return (1 / (1 + np.exp(-logits))).astype("float32"), targets


def _scores(probs, targets, threshold, average):
    from sklearn.metrics import f1_score

    if average == "accuracy":
        return float(((probs > threshold) == (targets == 1)).mean())
    return float(f1_score(targets, probs > threshold, average=average, zero_division=0))


def _best(probs, targets, average):
    return float(THRESHOLDS[np.argmax([_scores(probs, targets, t, average) for t in THRESHOLDS])])


def _choose_by(average):
    return lambda probs, targets: _best(probs, targets, average)


def _index_of_best(probs, targets):
    return int(np.argmax([_scores(probs, targets, t, "macro") for t in THRESHOLDS]))


def _worst(probs, targets):
    return float(THRESHOLDS[np.argmin([_scores(probs, targets, t, "macro") for t in THRESHOLDS])])


@exercise(
    2,
    hint=(
        "Loop over the 29 `thresholds`, compute "
        "`f1_score(targets, probs > t, average='macro', zero_division=0)` for each (or "
        "`keras.metrics.F1Score(average='macro', threshold=t)`), and return the threshold "
        "with the highest score, not its index."
    ),
    solution=(
        "`def choose_threshold(probs, targets): f1 = [f1_score(targets, probs > t, "
        "average='macro', zero_division=0) for t in thresholds]; return "
        "float(thresholds[int(np.argmax(f1))])`, called on `valid_probs` and `ym_valid`. The "
        "best threshold for macro F1 is lower than for accuracy: accuracy counts the many "
        "correct 'absent' answers, F1 only the present labels, so finding more of them pays."
    ),
    answer=(_choose_by("macro"),),
    mistakes={
        "maximises accuracy": (_choose_by("accuracy"),),
        "micro": (_choose_by("micro"),),
        "an index": (_index_of_best,),
        "the worst": (_worst,),
    },
    wrong=[(lambda p, y: 0.5,), (lambda p, y: 0.3392857,), (0.34,), (_choose_by("samples"),)],
)
def q2(choose_threshold):
    expect(
        callable(choose_threshold),
        "choose_threshold should be a function of (probs, targets) returning a threshold.",
    )
    for seed in (2, 1):
        probs, targets = _scored_labels(seed)
        threshold = number(choose_threshold(probs.copy(), targets.copy()), "the threshold")
        if threshold >= 1 and threshold == round(threshold):
            raise NotYet(
                f"Your function returns {threshold:g}, an index into the thresholds; return "
                "the threshold itself, e.g. `thresholds[best]`."
            )
        best = _best(probs, targets, "macro")
        reached = _scores(probs, targets, threshold, "macro")
        if reached >= _scores(probs, targets, best, "macro") - 1e-9:
            continue
        if close(threshold, _best(probs, targets, "accuracy")):
            raise NotYet(
                "Your function returns the threshold that maximises accuracy; score each "
                "threshold by macro F1 instead."
            )
        if close(threshold, _best(probs, targets, "micro")):
            raise NotYet(
                "That threshold maximises micro F1 (all labels pooled); macro F1 averages the "
                "F1 of each class, so rare classes count as much as common ones: "
                "`average='macro'`."
            )
        if close(reached, min(_scores(probs, targets, t, "macro") for t in THRESHOLDS)):
            raise NotYet("Your function picks the worst threshold: argmax, not argmin.")
        raise NotYet(
            f"On test scores of the checker, your threshold {threshold:.3f} gives macro F1 "
            f"{reached:.3f}, but {best:.3f} gives more. Score every threshold with macro F1 "
            "on the probabilities and labels passed in, and keep the best."
        )
    return (
        "The threshold depends on the metric: choose it for the metric you report, on "
        "validation data."
    )


# ---- exercise 3: a Flatten and Dense(2) head on the body ----


def _location_models():
    """Reference and mistaken regression models on an untrained Fashion body (48x48)."""
    from helpers.backbones import fashion_body
    from helpers.devices import import_keras

    keras = import_keras()
    layers = keras.layers

    def build(*head):
        inputs = keras.Input((48, 48, 1))
        x = fashion_body()(inputs)
        for layer in head:
            x = layer(x)
        return keras.Model(inputs, x)

    return {
        "flatten": lambda: build(layers.Flatten(), layers.Dense(2)),
        "no flatten": lambda: build(layers.Dense(2)),
        "pooled": lambda: build(layers.GlobalAveragePooling2D(), layers.Dense(2)),
        "one output": lambda: build(layers.Flatten(), layers.Dense(1)),
        "hidden": lambda: build(layers.Flatten(), layers.Dense(16), layers.Dense(2)),
        "soft argmax": lambda: build(
            layers.Conv2D(1, 1),
            layers.Reshape((144,)),
            layers.Softmax(),
            layers.Dense(2, use_bias=False, trainable=False),
        ),
    }


def _model(kind):
    return lambda: (_location_models()[kind](),)


@exercise(
    3,
    hint=(
        "Keep the body as one layer, as `location_model` does, and put `Flatten()` and "
        "`Dense(2)` after it. The head's parameters are then 2 per feature of the flattened "
        "map, plus 2 biases."
    ),
    solution=(
        "`inputs = keras.Input((CANVAS, CANVAS, 1)); x = keras.layers.Flatten()"
        "(body.model(inputs)); flat_model = keras.Model(inputs, keras.layers.Dense(2)(x))`. "
        "The Fashion body's 12x12x64 map flattens to 9,216 features, so the head has "
        "9,216 x 2 + 2 = 18,434 parameters (the soft-argmax head: 65). Each output must "
        "learn on its own which of 144 positions means which coordinate, so it learns far "
        "more slowly from the same epochs."
    ),
    answer=_model("flatten"),
    mistakes={
        "every position": _model("no flatten"),
        "pooling": _model("pooled"),
        "two numbers": _model("one output"),
        "soft-argmax": _model("soft argmax"),
    },
    wrong=[_model("hidden"), (18434,), (None,)],
)
def q3(flat_model):
    from helpers.devices import import_keras

    keras = import_keras()
    expect(
        isinstance(flat_model, keras.Model),
        f"flat_model should be a Keras model, not {type(flat_model).__name__}.",
    )
    bodies = [layer for layer in flat_model.layers if isinstance(layer, keras.Model)]
    expect(
        len(bodies) == 1,
        "Use the pretrained body as one layer of the model (`body.model(inputs)`), as "
        "location_model does.",
    )
    shape = [48 if d is None else d for d in flat_model.input_shape[1:]]
    images = np.zeros((2, *shape), "float32")
    out = keras.ops.convert_to_numpy(flat_model(images, training=False))
    if out.ndim == 4:
        raise NotYet(
            f"The output has shape {out.shape}: Dense(2) was applied at every position of "
            "the feature map. Flatten it first, so that one Dense layer sees all positions."
        )
    if out.shape == (2, 1):
        raise NotYet("One output per image: the centre is two numbers, row and column.")
    expect(out.shape == (2, 2), f"The output has shape {out.shape}; expected (batch, 2).")
    features = int(np.prod(keras.ops.shape(bodies[0](images, training=False))[1:]))
    head = flat_model.count_params() - bodies[0].count_params()
    expected = 2 * features + 2
    if head < 2 * features // 10:
        pooled = "global pooling" if head < 2 * features // 50 else "a smaller map"
        if any(isinstance(layer, keras.layers.Softmax) for layer in flat_model.layers):
            raise NotYet(
                f"That is the soft-argmax head ({head} parameters); the exercise replaces it "
                "with Flatten and Dense(2)."
            )
        raise NotYet(
            f"The head has {head} parameters, far fewer than Flatten and Dense(2) need "
            f"({expected:,}): {pooled}? Pooling averages away where the item is; Flatten "
            "keeps every position."
        )
    expect(
        head == expected,
        f"The head has {head:,} parameters; Flatten and Dense(2) on the body's "
        f"{features:,} features have {expected:,} (two weights per feature and two biases).",
    )
    return (
        f"{expected:,} parameters against the soft-argmax head's 65: each position's weights "
        "must be learnt, where the soft argmax knows the geometry."
    )
