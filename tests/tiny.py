"""Small builders the helpers tests share: toy data, tiny models, a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

LOSS = "sparse_categorical_crossentropy"


def blobs(n=256, seed=0):
    """Three Gaussian blobs in 6 dimensions: (x, y) for a tiny classifier."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.normal(size=(n, 6)).astype("float32") + 2.0 * np.eye(6, dtype="float32")[y]
    return x, y


def three_layers(seed=0, *, with_input=True):
    """A 6-8-8-3 classifier with named layers ("first", "second", "head"); without
    ``keras.Input`` (``with_input=False``) it has no weights until it first sees data."""
    from helpers.devices import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            *([keras.Input((6,))] if with_input else []),
            keras.layers.Dense(8, activation="relu", name="first"),
            keras.layers.Dense(8, activation="relu", name="second"),
            keras.layers.Dense(3, activation="softmax", name="head"),
        ],
        name="net",
    )


def tiny_fit(epochs=3, callbacks=()):
    """Fit a one-unit logistic regression with a validation split; returns the History."""
    from helpers.devices import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return model.fit(
        x,
        y,
        validation_split=0.25,
        epochs=epochs,
        batch_size=16,
        verbose=0,
        callbacks=list(callbacks),
    )


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter (imports and C++ logging start from scratch)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        check=False,
    )
