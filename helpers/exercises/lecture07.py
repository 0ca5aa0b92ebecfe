"""Checked exercises of lecture 07 (training tricks)."""

from __future__ import annotations

from functools import cache

import numpy as np

from helpers.exercises import NotYet, as_array, close, exercise, expect, number


def _mlp(order="after", bias=True, width=256):
    """The lecture's 2 x 256 ReLU network with batch norm before/after the activation."""
    import keras

    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    for _ in range(2):
        layers.append(keras.layers.Dense(width, use_bias=bias))
        if order == "before":
            layers.append(keras.layers.BatchNormalization())
        layers.append(keras.layers.Activation("relu"))
        if order == "after":
            layers.append(keras.layers.BatchNormalization())
    return keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])


# Keras layers that are an activation themselves (they hold no ``activation`` attribute).
ACTIVATION_LAYERS = {"ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax"}


def _is_nonlinear(layer) -> bool:
    if type(layer).__name__ in ACTIVATION_LAYERS:
        return True
    activation = getattr(layer, "activation", None)
    return activation is not None and getattr(activation, "__name__", "") != "linear"


@exercise(
    2,
    hint=(
        "Copy `mlp` and move `layers.append(keras.layers.BatchNormalization())` below the "
        "Activation. Think again about `use_bias=not batch_norm`: the bias was dropped because "
        "batch norm's shift β replaces it, which holds only when the normalization comes "
        "before the activation."
    ),
    solution=(
        "For each hidden width: `Dense(width)` (with its bias), `Activation('relu')`, "
        "`BatchNormalization()`; then `Dense(10, activation='softmax')`. 271,370 parameters "
        "(each batch norm holds 4 x 256: a trained scale and shift per unit, and a moving "
        "mean and variance that are not trained). The bias must come "
        "back: batch norm after the ReLU cannot move the ReLU's threshold, so without a bias "
        "every unit switches at exactly 0."
    ),
    answer=lambda: (_mlp("after"),),
    mistakes={
        "before the activation": lambda: (_mlp("before", bias=False),),
        "bias": lambda: (_mlp("after", bias=False),),
        "no BatchNormalization": lambda: (_mlp(None),),
        "not a Keras model": (271_370,),
    },
    wrong=[lambda: (_mlp("after", width=128),), lambda: (_mlp("before", bias=True),)],
)
def q2(bn_after):
    expect(
        hasattr(bn_after, "layers") and hasattr(bn_after, "count_params"),
        "bn_after is not a Keras model: build the network (e.g. with keras.Sequential), "
        "then pass it.",
    )
    layers = list(bn_after.layers)
    kinds = [type(layer).__name__ for layer in layers]
    norms = [k for k, kind in enumerate(kinds) if kind == "BatchNormalization"]
    expect(bool(norms), "There is no BatchNormalization layer: add one per hidden layer.")
    for k in norms:
        expect(
            k > 0 and _is_nonlinear(layers[k - 1]),
            "A BatchNormalization layer comes before the activation (it follows a linear "
            "Dense layer): put it after the Activation layer.",
        )
    hidden = [layer for layer, kind in zip(layers, kinds) if kind == "Dense"][:-1]
    expect(
        all(getattr(layer, "use_bias", True) for layer in hidden),
        "Batch norm is after the activation, but the hidden Dense layers have no bias. "
        "`use_bias=not batch_norm` drops it only because a batch norm before the activation "
        "shifts by its learned β; after the ReLU nothing moves the ReLU's threshold.",
    )
    import warnings

    images = np.random.default_rng(0).uniform(size=(4, 28, 28, 1)).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probabilities = np.asarray(bn_after.predict(images, verbose=0), dtype=float)
    expect(
        probabilities.shape == (4, 10) and close(probabilities.sum(axis=1), 1, atol=1e-4),
        f"For 4 images the network should give 4 x 10 class probabilities (a softmax); it "
        f"gives shape {probabilities.shape}.",
    )
    params = bn_after.count_params()
    expect(
        params == 271_370,
        f"{params:,} parameters, expected 271,370 for two hidden layers of 256 with their "
        "biases and one batch norm each (4 x 256 parameters).",
    )
    return "Batch norm after the ReLU normalizes what the next layer sees; the bias stays."


def _zca(pixels, epsilon):
    centred = pixels - pixels.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    return centred @ vectors @ np.diag(1 / np.sqrt(values.clip(0) + epsilon)) @ vectors.T


def _pca(pixels, epsilon):
    centred = pixels - pixels.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    return centred @ vectors / np.sqrt(values.clip(0) + epsilon)


def _not_centred(pixels, epsilon):
    values, vectors = np.linalg.eigh(np.cov(pixels, rowvar=False))
    return pixels @ vectors @ np.diag(1 / np.sqrt(values + epsilon)) @ vectors.T


def _no_root(pixels, epsilon):
    centred = pixels - pixels.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    return centred @ vectors @ np.diag(1 / (values + epsilon)) @ vectors.T


def _epsilon_outside(pixels, epsilon):
    centred = pixels - pixels.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    return centred @ vectors @ np.diag(1 / (np.sqrt(values) + epsilon)) @ vectors.T


@cache
def _test_pixels() -> np.ndarray:
    """Correlated data with an offset: 500 samples of 4 features (a small stand-in)."""
    rng = np.random.default_rng(0)
    mixing = np.array([[1.0, 0.8, 0.6, 0.2], [0, 0.5, 0.4, 0.1], [0, 0, 0.3, 0.2], [0, 0, 0, 0.1]])
    return rng.normal(size=(500, 4)) @ mixing + np.array([0.5, 0.4, 0.3, 0.2])


def _whiten(function, pixels, epsilon, name="zca_whiten"):
    try:
        result = function(pixels.copy(), epsilon)
    except TypeError as error:
        raise NotYet(
            f"{name}(pixels, epsilon) failed ({error}): it should take the data and epsilon."
        ) from None
    return as_array(result, f"{name}(pixels, epsilon)", shape=pixels.shape)


@exercise(
    3,
    hint=(
        "Centre the data, take the eigenvalues and eigenvectors of its covariance "
        "(`np.linalg.eigh(np.cov(centred, rowvar=False))`), then multiply by V diag(1 / "
        "sqrt(λ + ε)) Vᵀ: rotate onto the principal axes, scale each to unit variance, "
        "rotate back."
    ),
    solution=(
        "`def zca_whiten(pixels, epsilon): centred = pixels - pixels.mean(axis=0); values, "
        "vectors = np.linalg.eigh(np.cov(centred, rowvar=False)); return centred @ vectors @ "
        "np.diag(1 / np.sqrt(values.clip(0) + epsilon)) @ vectors.T`. On Fashion-MNIST "
        "(epsilon 1e-2) the whitened images look like edge maps: ZCA removes the strong "
        "correlation of neighbouring pixels, which carries most of the variance, and keeps "
        "the pixels in place (no rotation), so what is left are the edges."
    ),
    answer=(_zca,),
    mistakes={
        "PCA whitening": (_pca,),
        "centre": (_not_centred,),
        "square root": (_no_root,),
        "inside the square root": (_epsilon_outside,),
        "still correlated": (lambda p, e: (p - p.mean(axis=0)) / p.std(axis=0),),
        "a function": (np.zeros((500, 4)),),
    },
    wrong=[(lambda p, e: p,), (lambda p: p,), (lambda p, e: _zca(p, e).T,)],
)
def q3(zca_whiten):
    expect(
        callable(zca_whiten),
        "zca_whiten should be a function of (pixels, epsilon) returning the whitened data.",
    )
    pixels = _test_pixels()
    out = _whiten(zca_whiten, pixels, 1e-6)
    expect(
        close(out.mean(axis=0), 0, atol=1e-6),
        "The whitened data should have mean 0 in every column: centre the data (subtract "
        "each feature's mean) before whitening.",
    )
    cov = np.cov(out, rowvar=False)
    if not close(cov, np.eye(4), atol=0.02):
        expect(
            not close(out, _no_root(pixels, 1e-6), rtol=1e-2, atol=1e-3),
            "You divide by the eigenvalues; divide by their square root, so that each "
            "principal axis gets unit variance (standard deviation sqrt(λ)).",
        )
        corr = np.corrcoef(out, rowvar=False)
        expect(
            np.abs(corr - np.eye(4)).max() < 0.1,
            "The features are still correlated (that is what standardizing does): rotate "
            "onto the covariance's eigenvectors before scaling.",
        )
        raise NotYet("The covariance of the result should be the identity: it is not.")
    expect(
        close(out, _zca(pixels, 1e-6), rtol=1e-2, atol=1e-3),
        "Uncorrelated with unit variance, but rotated: that is PCA whitening. ZCA rotates "
        "back with the eigenvectors' transpose, `@ vectors.T`, so each column stays a pixel.",
    )
    big = _whiten(zca_whiten, pixels, 0.1)
    expect(
        close(big, _zca(pixels, 0.1), rtol=1e-2, atol=1e-3),
        "Right with a tiny epsilon, not with epsilon = 0.1: add epsilon to each eigenvalue, "
        "inside the square root, 1 / sqrt(λ + ε).",
    )
    return "ZCA leaves only what neighbouring pixels do not share: the edges."


PRIOR = np.array([0.5, 0.3, 0.2])


@exercise(
    6,
    hint=(
        "The best constant answer predicts the class frequencies, p = (0.5, 0.3, 0.2), for "
        "every image. The mean cross-entropy is then the average of -ln p_true over the "
        "images: 50 % of them cost -ln 0.5, 30 % cost -ln 0.3, 20 % cost -ln 0.2."
    ),
    solution=(
        "-(0.5 ln 0.5 + 0.3 ln 0.3 + 0.2 ln 0.2) = 0.347 + 0.361 + 0.322 = 1.030, the "
        "entropy of the class prior in nats (natural logarithms, as Keras' loss uses). It is "
        "below ln 3 = 1.099, the loss of the same failure on three balanced classes: the "
        "prior alone already tells something."
    ),
    answer=(float(-(PRIOR * np.log(PRIOR)).sum()),),
    mistakes={
        "balanced": (float(np.log(3)),),
        "natural logarithm": (float(-(PRIOR * np.log2(PRIOR)).sum()),),
        "negative": (float((PRIOR * np.log(PRIOR)).sum()),),
        "majority class": (float(-np.log(0.5)),),
    },
    wrong=[(0.0,), (1.0,), (2.303,), ("1.03",)],
)
def q6(stuck_loss):
    loss = number(stuck_loss, "stuck_loss")
    entropy = float(-(PRIOR * np.log(PRIOR)).sum())
    expect(loss >= 0, "A cross-entropy is never negative: it is a mean of -ln p, and p <= 1.")
    expect(
        not close(loss, np.log(3), atol=5e-3),
        "ln 3 is the loss when the classes are balanced (or of predicting 1/3 each): the best "
        "constant here predicts the frequencies 0.5, 0.3, 0.2.",
    )
    expect(
        not close(loss, -(PRIOR * np.log2(PRIOR)).sum(), atol=5e-3),
        "That is the entropy in bits: Keras' cross-entropy uses the natural logarithm.",
    )
    expect(
        not close(loss, -np.log(0.5), atol=5e-3),
        "-ln 0.5 is the loss on the majority class's images only: average over all images, "
        "weighting each class's -ln p by its frequency.",
    )
    expect(
        close(loss, entropy, atol=5e-3),
        "Not the loss of the best constant answer: average -ln p_true over the images, with "
        "the predicted p equal to the class frequencies.",
    )
    return "A loss stuck at the prior's entropy means the network predicts the class shares."
