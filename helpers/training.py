"""Training utilities for Keras models: epoch timing, live curves, gradients, patience, TTA.

Everything here is a plain Keras callback or a small function; the figures are drawn by
:mod:`helpers.plots`. A notebook shows
``model.fit(..., callbacks=[EpochTimer()])`` and a student sees exactly what runs. Importing
this module imports Keras (quietly, see :func:`helpers.devices.import_keras`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers.devices import import_keras
from helpers.plots import plot_learning_curves

keras = import_keras()


class EpochTimer(keras.callbacks.Callback):
    """Measure seconds per epoch and training samples per second.

    After ``fit``, ``timer.seconds`` holds one duration per epoch and ``timer.summary()`` a
    one-line report. The first epoch includes tracing and compilation, so the report uses the
    median of the later epochs where there are any.

    Args:
        n_samples: training samples per epoch (needed for samples per second).
        verbose: print the summary when training ends.
    """

    def __init__(self, n_samples: int | None = None, verbose: bool = True) -> None:
        super().__init__()
        self.n_samples = n_samples
        self.verbose = verbose
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.verbose and self.seconds:
            print(self.summary())

    @property
    def steady_seconds(self) -> float:
        """Seconds per epoch after the first (the first includes compilation)."""
        later = self.seconds[1:] or self.seconds
        return float(np.median(later))

    @property
    def samples_per_second(self) -> float | None:
        return self.n_samples / self.steady_seconds if self.n_samples else None

    def summary(self) -> str:
        text = (
            f"{len(self.seconds)} epochs in {sum(self.seconds):.1f} s: "
            f"first {self.seconds[0]:.2f} s, then {self.steady_seconds:.2f} s per epoch"
        )
        if self.samples_per_second:
            text += f" ({self.samples_per_second:,.0f} samples/s)"
        return text


class LiveLearningCurves(keras.callbacks.Callback):
    """Redraw the learning curves after every epoch, in place.

    In JupyterLab the figure updates while the model trains. Where nobody watches (a book
    build, nbval, a script), the same display is updated in place, so the saved notebook holds
    one final static figure rather than one per epoch.

    Args:
        metrics: metrics to draw (default: all, as :func:`plot_learning_curves`).
        every: redraw every this many epochs.
    """

    def __init__(self, metrics: Sequence[str] | None = None, every: int = 1) -> None:
        super().__init__()
        self.metrics = metrics
        self.every = max(1, int(every))
        self.logs: dict[str, list[float]] = {}
        self._handle = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.logs = {}
        self._handle = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self.logs.setdefault(key, []).append(float(value))
        if (epoch + 1) % self.every == 0:
            self._draw()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.logs:
            self._draw()

    def _draw(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        axes = plot_learning_curves(self.logs, self.metrics)
        fig = axes[0].figure
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        plt.close(fig)


def gradients(fn, *args: Any) -> list[np.ndarray]:
    """Gradients of a scalar function by the Keras backend's automatic differentiation.

    Keras 3 has no backend-neutral "differentiate this function" call; this fills the gap for
    small demonstrations (a backprop example checked by autodiff). ``fn`` must compute with
    ``keras.ops`` so that every backend can trace it.

    Args:
        fn: a function of the arrays in ``args`` returning a scalar.
        *args: numpy arrays (or numbers) to differentiate with respect to.

    Returns:
        One numpy array per argument: d fn / d arg.
    """
    backend = keras.backend.backend()
    values = [np.asarray(a, dtype="float32") for a in args]
    if backend == "tensorflow":
        import tensorflow as tf

        variables = [tf.Variable(v) for v in values]
        with tf.GradientTape() as tape:
            out = fn(*variables)
        return [g.numpy() for g in tape.gradient(out, variables)]
    if backend == "jax":
        import jax

        grads = jax.grad(fn, argnums=tuple(range(len(values))))(*values)
        return [np.asarray(g) for g in grads]
    if backend == "torch":
        import torch

        tensors = [torch.tensor(v, requires_grad=True) for v in values]
        fn(*tensors).backward()
        return [t.grad.numpy() for t in tensors]
    raise NotImplementedError(f"gradients() does not support the {backend!r} backend")


class GeometricPatience(keras.callbacks.EarlyStopping):
    """Early stopping whose patience grows with the best epoch so far ("geometric patience").

    When the monitored value is best at epoch b (counted from 1), training runs on until epoch
    ``factor * b`` at least and stops there if nothing better has come. Early improvements
    thus buy little time, late ones a lot, which suits learning curves that flatten slowly.
    Everything else is Keras' ``EarlyStopping``: the best value and epoch (``best``,
    ``best_epoch``, counted from 0), ``stopped_epoch``, and ``restore_best_weights``, which
    ends training with the weights of the best epoch.

    Args:
        monitor: the logged quantity to watch, e.g. ``"val_loss"`` or ``"val_accuracy"``.
        factor: how far beyond the best epoch to wait (the tutorial suggests 2).
        min_epochs: never stop before this many epochs.
        mode: ``"min"``, ``"max"``, or ``"auto"`` (Keras' guess from the name).
        restore_best_weights: put back the weights of the best epoch when training ends.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 2.0,
        min_epochs: int = 5,
        mode: str = "auto",
        restore_best_weights: bool = True,
    ) -> None:
        if factor < 1:
            raise ValueError(f"factor must be at least 1, not {factor}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', not {mode!r}")
        super().__init__(monitor, mode=mode, restore_best_weights=restore_best_weights)
        self.factor, self.min_epochs = factor, min_epochs

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        self.stop_epoch = self.min_epochs  # the epoch (from 1) that training runs to at least

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self.monitor not in logs:  # EarlyStopping would only warn, and never stop
            raise KeyError(
                f"GeometricPatience monitors {self.monitor!r}, which is not logged; "
                f"logged: {', '.join(logs)} (pass validation data for val_ metrics)"
            )
        super().on_epoch_end(epoch, logs)
        # EarlyStopping stops once `patience` epochs have passed without a new best.
        self.stop_epoch = max(self.min_epochs, int(np.ceil(self.factor * (self.best_epoch + 1))))
        self.patience = self.stop_epoch - (self.best_epoch + 1)


def _check_not_empty(name: str, x: Any) -> None:
    """Refuse inputs without a single sample (Keras would fail inside, or do nothing)."""
    if len(x) == 0:
        raise ValueError(f"{name} is empty (shape {np.shape(x)}): pass at least one sample")


def _check_batch_size(batch_size: int) -> None:
    whole = isinstance(batch_size, (int, np.integer)) and not isinstance(batch_size, bool)
    if not whole or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")


def leaf_layers(model: Any) -> list[Any]:
    """The layers of ``model``, with nested models replaced by their own layers."""
    out = []
    for layer in model.layers:
        out.extend(leaf_layers(layer) if hasattr(layer, "layers") else [layer])
    return out


def reestimate_batch_norm(model: Any, x: np.ndarray, *, batch_size: int = 256) -> int:
    """Set every batch-normalization layer's moving mean and variance to the statistics of
    ``x``, changing no weight (PyTorch's ``update_bn``).

    A pretrained network fine-tuned for a few hundred steps keeps moving averages that still
    remember the data it was pretrained on (momentum 0.99 forgets 1 % per step), and at
    inference it normalises with those. Frozen layers are updated too. Returns how many
    layers were updated.

    Raises:
        ValueError: ``x`` is empty, or ``batch_size`` is below 1.
    """
    _check_not_empty("x", x)
    _check_batch_size(batch_size)
    layers = [
        layer for layer in leaf_layers(model) if isinstance(layer, keras.layers.BatchNormalization)
    ]
    saved = [(layer.momentum, layer.trainable) for layer in layers]
    try:
        for layer in layers:
            layer.trainable = True  # a frozen batch norm would run in inference mode
        for k, start in enumerate(range(0, len(x), batch_size), start=1):
            for layer in layers:
                layer.momentum = (k - 1) / k  # a running average over the batches
            model(x[start : start + batch_size], training=True)
    finally:
        for layer, (momentum, trainable) in zip(layers, saved):
            layer.momentum, layer.trainable = momentum, trainable
    return len(layers)


def cached_features(body: Any, x: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """The frozen body's output for every input, computed once (inference mode).

    Training a new head on these is much faster than running the body at every epoch. But
    random augmentation layers act only in training mode, so they do nothing here: cached
    features are those of the unchanged images, however often the head sees them. Augment
    only once the body runs inside the training loop again (fine-tuning).

    Raises:
        ValueError: ``x`` is empty.
    """
    _check_not_empty("x", x)
    return np.asarray(body.predict(x, batch_size=batch_size, verbose=0))


class FlipZoom:
    """Random horizontal flips and zooms of a batch of images, in NumPy and SciPy on the CPU.

    The same augmentation as ``keras.layers.RandomFlip("horizontal")`` followed by
    ``keras.layers.RandomZoom(zoom)`` (bilinear, reflecting at the border), for the input
    pipeline rather than the model: give it to ``Learner(augment=...)``, which applies it to
    each batch before the compiled training step. Inside that step Keras' ``RandomZoom`` is
    slow on JAX (benchmarks/gpu_lecture09_jax.md); here it costs the same on every backend.

    Args:
        zoom: the largest zoom in or out, a fraction of the image size (0.05: up to 5 %).
        flip: whether to flip half of the images left to right.

    The random draws come from NumPy's global generator, which ``keras.utils.set_random_seed``
    seeds: the same seed, the same images.

    Raises:
        ValueError: ``zoom`` is outside [0, 1).
    """

    def __init__(self, zoom: float = 0.05, *, flip: bool = True) -> None:
        if not 0 <= zoom < 1:
            raise ValueError(f"zoom is a fraction of the image size in [0, 1), not {zoom}")
        self.zoom, self.flip = zoom, flip

    def __call__(self, images: Any, training: bool = True) -> np.ndarray:
        """Augmented copies of ``images`` (batch, height, width[, channels]); the images
        themselves outside training, like a Keras augmentation layer."""
        from scipy.ndimage import affine_transform

        images = np.asarray(images)
        if not training:
            return images
        out = np.empty_like(images)
        height, width = images.shape[1:3]
        centre = np.array([(height - 1) / 2, (width - 1) / 2])
        for i, image in enumerate(images):
            scale = 1 + np.random.uniform(-self.zoom, self.zoom)  # > 1: zoom out
            if self.flip and np.random.uniform() < 0.5:
                image = image[:, ::-1]
            matrix = np.diag([scale, scale] + [1] * (image.ndim - 2))
            offset = np.concatenate([centre - scale * centre, np.zeros(image.ndim - 2)])
            out[i] = affine_transform(image, matrix, offset, order=1, mode="reflect")
        return out


def predict_tta(
    model: Any, x: np.ndarray, augment: Any, *, n: int = 4, seed: int = 0, batch_size: int = 256
) -> np.ndarray:
    """Test-time augmentation: the mean prediction over the images themselves and ``n``
    randomly augmented copies of them.

    Args:
        model: a trained Keras model that outputs probabilities.
        x: the inputs.
        augment: a Keras layer (or model) of random augmentations, applied with
            ``training=True`` so that it actually transforms.
        n: how many augmented copies to average with the original.
        seed: makes the augmented copies reproducible: the same seed, the same copies.

    Raises:
        ValueError: ``n`` is negative or ``x`` is empty.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more augmented copies, not {n}")
    _check_not_empty("x", x)
    keras.utils.set_random_seed(seed)
    if isinstance(augment, keras.layers.Layer):
        # A random layer's generator keeps its state from call to call, so reseeding alone
        # would not repeat the copies; a fresh copy of the layer, made now, does.
        augment = augment.__class__.from_config(augment.get_config())
    versions = [x] + [keras.ops.convert_to_numpy(augment(x, training=True)) for _ in range(n)]
    predictions = [model.predict(v, batch_size=batch_size, verbose=0) for v in versions]
    return np.mean(predictions, axis=0)


class SWA(keras.callbacks.Callback):
    """Stochastic weight averaging (Izmailov et al. 2018), with the batch-norm statistics
    recomputed for the averaged weights.

    At the end of every epoch from ``start_epoch`` on (counted from 1), the model's weights
    join a running mean: points along one training run, collected while a cyclical or high
    constant rate keeps it moving (averaging independently trained networks would not work:
    their units are in different orders). When training ends the model gets the mean, and,
    since a batch-norm layer's moving statistics belong to the weights they were measured
    with, those are re-estimated on ``x`` (:func:`reestimate_batch_norm`).

    Args:
        start_epoch: the first epoch (1-based) whose weights are averaged.
        x: training inputs for the batch-norm pass (None: the model has no batch norm).
        keep_snapshots: keep each averaged snapshot in ``self.snapshots`` (for checking).
        batch_size: the batch-norm pass's batch size. The pass runs the model eagerly, one call
            a batch, and each call costs a fixed overhead on top of its arithmetic (on JAX, 10,240
            texts through two LSTM layers took 38 s in batches of 256 and 8 s in batches of
            2,048, on 2 CPU cores), so larger batches are faster where memory allows; they also
            estimate the variance a little better.

    Raises:
        ValueError: ``start_epoch`` or ``batch_size`` is below 1, or ``x`` is empty.
    """

    def __init__(
        self,
        start_epoch: int,
        x: np.ndarray | None = None,
        *,
        keep_snapshots: bool = False,
        batch_size: int = 256,
    ):
        super().__init__()
        if start_epoch < 1:
            raise ValueError(f"start_epoch counts from 1, got {start_epoch}")
        if x is not None:
            _check_not_empty("x", x)
        _check_batch_size(batch_size)
        self.start_epoch, self.x, self.keep_snapshots = start_epoch, x, keep_snapshots
        self.batch_size = batch_size
        self.mean: list[np.ndarray] | None = None
        self.count = 0
        self.snapshots: list[list[np.ndarray]] = []

    def on_train_begin(self, logs=None):
        self.mean, self.count, self.snapshots = None, 0, []

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 < self.start_epoch:
            return
        weights = [np.array(w, dtype=np.float64) for w in self.model.get_weights()]
        self.count += 1
        if self.mean is None:
            self.mean = weights
        else:  # a running mean: mean += (w - mean) / n
            self.mean = [m + (w - m) / self.count for m, w in zip(self.mean, weights)]
        if self.keep_snapshots:
            self.snapshots.append(weights)

    def on_train_end(self, logs=None):
        if self.mean is None:
            print(f"SWA: training ended before epoch {self.start_epoch}; weights left as they are")
            return
        dtypes = [w.dtype for w in self.model.get_weights()]
        self.model.set_weights([m.astype(d) for m, d in zip(self.mean, dtypes)])
        layers = (
            0
            if self.x is None
            else reestimate_batch_norm(self.model, self.x, batch_size=self.batch_size)
        )
        print(
            f"SWA: averaged {self.count} epochs' weights; {layers} batch-norm layers re-estimated"
        )
