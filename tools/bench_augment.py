"""Where lecture 09's augmentation runs, timed: Keras layers inside the model (and so inside
the compiled training step) against `helpers.training.FlipZoom` applied to each batch before
the step by `Learner(augment=...)`, and no augmentation, on whichever backend KERAS_BACKEND
names. Lecture 09's competition model (the Fashion body, a dense head), 1,836 images of 28x28,
batches of 64, three epochs; the first epoch includes compilation.

Usage: KERAS_BACKEND=jax python tools/bench_augment.py
"""

from __future__ import annotations

import time

import numpy as np

import helpers

helpers.setup(keras=True)
import keras  # noqa: E402

from helpers.backbones import fashion_body  # noqa: E402
from helpers.learner import Learner  # noqa: E402
from helpers.training import FlipZoom  # noqa: E402

L = keras.layers


class EpochSeconds(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self.start)


def epoch_seconds(in_model: bool, augment: FlipZoom | None) -> list[float]:
    rng = np.random.default_rng(0)
    x = rng.random((1836, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 2, len(x))
    keras.utils.set_random_seed(0)
    layers = [keras.Input((28, 28, 1))]
    if in_model:
        layers.append(keras.Sequential([L.RandomFlip("horizontal"), L.RandomZoom(0.05)]))
    head = [L.Flatten(), L.Dense(2, activation="softmax")]
    model = keras.Sequential([*layers, fashion_body(), *head])
    learn = Learner(model, (x, y), loss="sparse_categorical_crossentropy", augment=augment)
    learn.unfreeze()
    timer = EpochSeconds()
    learn.fit(3, 1e-3, callbacks=[timer], verbose=False)
    return timer.seconds


if __name__ == "__main__":
    print(f"Keras {keras.__version__} on {keras.backend.backend()}")
    print("| augmentation | epoch 1 (s, with compilation) | epochs 2 and 3 (s) |")
    print("| --- | ---: | ---: |")
    for name, in_model, augment in (
        ("none", False, None),
        ("Keras layers in the model", True, None),
        ("FlipZoom before the step", False, FlipZoom(0.05)),
    ):
        first, *rest = epoch_seconds(in_model, augment)
        print(f"| {name} | {first:.2f} | {', '.join(f'{s:.2f}' for s in rest)} |", flush=True)
