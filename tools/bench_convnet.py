"""Training throughput of the lecture-06 MNIST convnet, with the GPU switches on and off.

Trains the slides' network (two 5x5 convolutions with 32 maps, 2x2 max pooling, a dense layer
of 128, softmax over 10) for a fixed number of steps on random 28x28 inputs (speed does not
depend on pixel values) and reports training samples per second:

- ``defaults``: what helpers.devices.configure_acceleration() picks (mixed precision and XLA on
  a GPU, both off on a CPU);
- ``switches off``: float32, no XLA;
- on a GPU also each switch alone.

Usage: ``make bench-convnet`` or ``python tools/bench_convnet.py --steps 200 --batch 128``.
Runs with any Keras backend (``KERAS_BACKEND=jax`` where TensorFlow is absent). Appends a
table to benchmarks/convnet.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # also where helpers is not installed (a GPU machine)

from helpers.devices import backend_gpus, configure_acceleration, import_keras, keras_report  # noqa: E402 (after the path)

keras = import_keras()


def mnist_convnet():
    """The slides' MNIST convnet (lecture 06), built fresh."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 5, activation="relu"),
            keras.layers.Conv2D(32, 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax", dtype="float32"),
        ]
    )


def samples_per_second(
    mixed_precision: bool | None, xla: bool | None, steps: int, batch: int, repeats: int = 3
) -> tuple[float, str]:
    acc = configure_acceleration(mixed_precision, xla)
    keras.utils.set_random_seed(0)
    model = mnist_convnet()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", **acc.compile_kwargs())
    rng = np.random.default_rng(0)
    x = rng.random((steps * batch, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, size=steps * batch)
    model.fit(x[: 5 * batch], y[: 5 * batch], batch_size=batch, epochs=1, verbose=0)  # warm up
    rates = []
    for _ in range(repeats):  # the median of several timed epochs resists passing load
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        rates.append(steps * batch / (time.perf_counter() - start))
    return float(np.median(rates)), str(acc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()
    gpu = backend_gpus(keras) > 0
    configs = {"defaults": (None, None), "switches off": (False, False)}
    if gpu:
        configs |= {"mixed precision only": (True, False), "XLA only": (False, True)}
    rows = []
    for name, (mp, xla) in configs.items():
        rate, settings = samples_per_second(mp, xla, args.steps, args.batch)
        rows.append(f"| {name} | {settings} | {rate:,.0f} |")
        print(rows[-1], flush=True)
    header = (
        f"\n### {date.today()}: {keras_report(keras)}; {platform.machine()}, "
        f"{args.steps} steps of batch {args.batch}, median of 3 epochs\n\n"
        "| configuration | settings | training samples/s |\n| --- | --- | ---: |\n"
    )
    out = ROOT / "benchmarks" / "convnet.md"
    out.parent.mkdir(exist_ok=True)
    if not out.exists():
        out.write_text("# Lecture-06 convnet training throughput (`make bench-convnet`)\n")
    with out.open("a") as f:
        f.write(header + "\n".join(rows) + "\n")
    print(f"appended to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
