"""A fastai-style training API for Keras models: lr_find, one-cycle, fine_tune.

Keras has the parts (callbacks, optimizers, ``model.fit``) but none of these conveniences.
Each piece here is small and plain Keras underneath:

- :func:`lr_find`: a loop over ``model.train_on_batch`` with a rising learning rate; the model's
  weights and optimizer state are restored afterwards.
- :class:`~helpers.schedules.OneCycle` (from :mod:`helpers.schedules`): warm-up, then
  annealing, of the learning rate and momentum, set before every batch.
- :func:`discriminative`: an optimizer whose update is scaled per variable, so that earlier
  layer groups learn more slowly (Keras has no per-layer learning rate).
- :class:`Learner`: a model, its data and its layer groups, with ``freeze``, ``unfreeze``,
  ``fit_one_cycle`` and ``fine_tune``; every method ends in ``model.compile`` and
  ``model.fit``.

Importing this module imports Keras (quietly, see :func:`helpers.devices.import_keras`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.devices import import_keras
from helpers.plots import plot_lr_find
from helpers.schedules import OneCycle, check_positive, has_rate_schedule
from helpers.training import EpochTimer, leaf_layers

keras = import_keras()


# ------------------------------------------------------------------------ data checks
def _build(model: Any, x: Any) -> int | None:
    """Give a model without weights yet (a ``Sequential`` without a ``keras.Input``) its
    weights by running it, in inference mode, on one sample of ``x``; return the model's
    output width (None for several outputs). A built model is not run: nothing of it changes.
    """
    if model.built and model.weights:
        shape = getattr(model, "output_shape", None)
    else:
        shape = tuple(model(x[:1], training=False).shape)
    if not isinstance(shape, tuple) or not shape or not isinstance(shape[-1], int):
        return None  # several outputs, or a subclassed model that does not say
    return int(shape[-1])


def _check_labels(name: str, y: Any, loss: Any, width: int | None) -> None:
    """For a sparse categorical loss, ``y`` must hold class indices below the model's output
    width: TensorFlow's own error for one outside is a page long (and a GPU gives NaN)."""
    loss_name = loss if isinstance(loss, str) else getattr(loss, "name", "")
    loss_name = loss_name or getattr(loss, "__name__", "")
    if width is None or "sparse_categorical" not in loss_name:
        return
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    labels = np.asarray(y).ravel()
    if labels.dtype.kind in "biuf":
        whole = (labels >= 0) & (labels < width) & (labels % 1 == 0)
        bad = labels[~(whole | (labels == config.get("ignore_class")))]
    else:
        bad = labels
    if len(bad):
        raise ValueError(
            f"{name} must hold class indices 0 to {width - 1} (the model has {width} outputs), "
            f"but holds {bad[:1].tolist()[0]!r}: relabel, or give the last layer one unit per class"
        )


# ------------------------------------------------------------------ learning-rate finder
@dataclass
class LRFinder:
    """The result of :func:`lr_find`.

    Attributes:
        lrs, losses: the learning rate of each mini-batch and its training loss.
        smoothed: the losses after exponential smoothing (with bias correction).
        steepest: the learning rate where the smoothed loss falls fastest, looking only at
            rates below the minimum and past the first tenth of the sweep (noise): the
            book's suggestion.
        minimum: the learning rate of the smallest smoothed loss (divide by 10 to use it).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    steepest: float
    minimum: float

    @property
    def suggestion(self) -> float:
        """The suggested learning rate: the steepest descent of the smoothed loss."""
        return self.steepest

    def plot(self, ax=None):
        """Smoothed loss against learning rate on a log axis, with both rules marked."""
        return plot_lr_find(self.lrs, self.smoothed, self.steepest, self.minimum, ax=ax)


def lr_find(
    model: Any,
    x: Any,
    y: Any,
    *,
    batch_size: int = 64,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    stop_factor: float = 4.0,
    beta: float = 0.98,
    seed: int = 0,
) -> LRFinder:
    """Train on mini-batches with an exponentially rising learning rate; record the loss.

    Stops after ``num_steps`` batches or when the smoothed loss exceeds ``stop_factor`` times
    its best value. The model must be compiled with an optimizer whose learning rate is a
    number (not a schedule). A model without weights yet (a ``Sequential`` without a
    ``keras.Input``) is built from ``x`` first. Its weights, optimizer state and learning rate
    are restored afterwards, even if the sweep fails.

    Raises:
        ValueError: the model is not compiled, its learning rate is a schedule, the arguments
            are out of range, ``y`` holds labels outside the model's classes (sparse
            categorical losses), or the loss diverged within 5 batches.
        TypeError: a learning rate is not a number.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError("compile the model first: model.compile(optimizer=..., loss=...)")
    start_lr, end_lr = check_positive("start_lr", start_lr), check_positive("end_lr", end_lr)
    if not start_lr < end_lr:
        raise ValueError(f"need start_lr < end_lr, got {start_lr} and {end_lr}")
    if num_steps < 5 or len(x) < batch_size:
        raise ValueError(
            f"need num_steps >= 5 and at least one full batch ({batch_size} "
            f"samples), got num_steps={num_steps} and {len(x)} samples"
        )
    if has_rate_schedule(optimizer):
        raise ValueError(
            "lr_find sets the learning rate itself: compile with a number, e.g. "
            "keras.optimizers.Adam(1e-3), not a schedule"
        )
    _check_labels("y", y, model.loss, _build(model, x))
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    saved_weights = model.get_weights()
    saved_state = [v.numpy() for v in optimizer.variables]
    lrs = np.geomspace(start_lr, end_lr, num_steps)
    rng = np.random.default_rng(seed)
    order = np.concatenate(
        [rng.permutation(len(x)) for _ in range(-(-num_steps * batch_size // len(x)))]
    )
    losses: list[float] = []
    smoothed: list[float] = []
    average = 0.0
    try:
        for step, lr in enumerate(lrs):
            batch = order[step * batch_size : (step + 1) * batch_size]
            optimizer.learning_rate = float(lr)
            # Keras before 3.14 (Colab has 3.13) returns the mean loss of every batch since
            # the last reset, whatever train_on_batch's reset_metrics says: reset it ourselves.
            model.reset_metrics()
            loss = model.train_on_batch(x[batch], y[batch])
            loss = float(np.ravel(loss)[0])  # the loss comes first when metrics are compiled
            average = beta * average + (1 - beta) * loss
            losses.append(loss)
            smoothed.append(average / (1 - beta ** (step + 1)))
            if not np.isfinite(smoothed[-1]) or smoothed[-1] > stop_factor * min(smoothed):
                break
    finally:
        model.set_weights(saved_weights)
        for variable, value in zip(optimizer.variables, saved_state, strict=True):
            variable.assign(value)
    n = len(losses)
    if n < 5:
        raise ValueError(f"the loss diverged after {n} batches: lower start_lr ({start_lr})")
    lrs, curve = lrs[:n], np.array(smoothed)
    curve = np.where(np.isfinite(curve), curve, np.nanmax(curve[np.isfinite(curve)]))
    lowest = int(np.argmin(curve))
    slope = np.gradient(curve, np.log(lrs))
    skip = min(len(curve) // 10, lowest)  # the first steps are mostly noise
    steepest = skip + int(np.argmin(slope[skip : lowest + 1]))
    return LRFinder(lrs, np.array(losses), curve, float(lrs[steepest]), float(lrs[lowest]))


# ------------------------------------------------------------ discriminative learning rates
class _ScaledUpdates:
    """Mixin: multiply the learning rate of each variable by its own factor."""

    _scales_by_path: dict[str, float]

    def build(self, variables: Sequence[Any]) -> None:
        paths = {v.path for v in variables}
        unknown = sorted(set(self._scales_by_path) - paths)
        if unknown:
            raise ValueError(
                f"no trainable variable has the path(s) {unknown[:3]}; paths look "
                f"like {sorted(paths)[:2]} (see model.trainable_variables)"
            )
        super().build(variables)  # type: ignore[misc]
        self._scales = [self._scales_by_path.get(v.path, 1.0) for v in variables]

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        scale = self._scales[self._get_variable_index(variable)]  # type: ignore[attr-defined]
        super().update_step(gradient, variable, learning_rate * scale)  # type: ignore[misc]


def discriminative(optimizer: Any, scales: dict[str, float]) -> Any:
    """A copy of ``optimizer`` whose step for each variable is scaled by ``scales[path]``.

    Keras applies one learning rate to every variable. This returns an optimizer of a
    subclass of the same class that multiplies the learning rate by a per-variable factor
    inside ``update_step``, so it works for any optimizer (SGD, Adam, ...) and backend. For
    adaptive optimizers such as Adam, scaling the gradient would do nothing (Adam divides by
    the gradient's size); scaling the learning rate scales the step.

    Args:
        optimizer: the optimizer to copy (its configuration, not its state).
        scales: factor by variable path (``variable.path``, e.g. ``"sequential/dense/kernel"``);
            variables not named get 1.

    Raises:
        TypeError: a factor is not a number.
        ValueError: a factor is not finite and positive; when the optimizer is built, a path
            that is not one of the trainable variables'.
    """
    scales = {path: check_positive(f"scales[{path!r}]", s) for path, s in scales.items()}
    base = type(optimizer)
    cls = type(f"Discriminative{base.__name__}", (_ScaledUpdates, base), {})
    new = cls.from_config(optimizer.get_config())
    new._scales_by_path = dict(scales)
    return new


# ----------------------------------------------------------------------------- learner
class _EpochTable(EpochTimer):
    """One printed line per epoch: losses, metrics and the epoch's seconds (as timed by
    :class:`helpers.training.EpochTimer`)."""

    def __init__(self) -> None:
        super().__init__(verbose=False)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._header = False

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        super().on_epoch_end(epoch, logs)
        logs = {k: v for k, v in (logs or {}).items() if k != "learning_rate"}
        if not self._header:
            print("epoch " + " ".join(f"{k:>12}" for k in logs) + "  seconds")
            self._header = True
        values = " ".join(f"{float(v):12.4f}" for v in logs.values())
        print(f"{epoch + 1:5d} {values}  {self.seconds[-1]:7.1f}")


class _AugmentedBatches(keras.utils.PyDataset):
    """Shuffled mini-batches of (x, y), each augmented on the way to the training step."""

    def __init__(self, x: Any, y: Any, batch_size: int, augment: Callable[..., Any]) -> None:
        super().__init__()
        self.x, self.y, self.batch_size, self.augment = x, y, batch_size, augment
        self.order = np.random.permutation(len(x))

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        batch = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.augment(self.x[batch], training=True), self.y[batch]

    def on_epoch_end(self) -> None:
        self.order = np.random.permutation(len(self.x))


class Learner:
    """A Keras model with its data, loss and layer groups, trained the fastai way.

    Args:
        model: the Keras model (body and head).
        train: ``(x, y)`` training arrays.
        valid: ``(x, y)`` validation arrays, or None.
        loss, metrics: as for ``model.compile``.
        groups: the body's layers in groups from input to output (e.g. ``Backbone.groups``);
            every other layer with weights forms the last group, the head.
        optimizer: a function returning a fresh optimizer (default ``keras.optimizers.Adam``).
        batch_size: mini-batch size for every fit.
        jit_compile: passed to ``model.compile`` (see ``helpers.devices.configure_acceleration``);
            None: on with JAX (whose compiled step is XLA's), off otherwise.
        augment: a function of a batch of training images (and ``training=True``) that returns
            augmented copies, applied to every batch before the compiled training step, as an
            input pipeline would (e.g. ``helpers.training.FlipZoom``); None: no augmentation.

    A model without weights yet (a ``Sequential`` without a ``keras.Input``) is built from the
    training data. Learning rates are checked before anything is compiled or trained.

    Raises:
        ValueError: the labels of ``train`` or ``valid`` are not class indices of the model's
            outputs (with a sparse categorical loss).
    """

    def __init__(
        self,
        model: Any,
        train: tuple[Any, Any],
        valid: tuple[Any, Any] | None = None,
        *,
        loss: Any,
        metrics: Sequence[Any] = (),
        groups: Sequence[Sequence[Any]] = (),
        optimizer: Callable[[], Any] | None = None,
        batch_size: int = 64,
        jit_compile: bool | None = None,
        augment: Callable[..., Any] | None = None,
    ) -> None:
        if jit_compile is None:
            jit_compile = keras.backend.backend() == "jax"
        self.model, self.train, self.valid = model, train, valid
        self.loss, self.metrics = loss, list(metrics)
        self.make_optimizer = optimizer or keras.optimizers.Adam
        self.batch_size, self.jit_compile = batch_size, jit_compile
        self.augment = augment
        width = _build(model, train[0])
        for name, data in (("train", train), ("valid", valid)):
            if data is not None:
                _check_labels(f"{name}[1]", data[1], loss, width)
        body = [list(group) for group in groups]
        in_body = {id(layer) for group in body for layer in group}
        head = [layer for layer in leaf_layers(model) if id(layer) not in in_body and layer.weights]
        self.groups = [*body, head] if head else body
        self.histories: list[Any] = []
        self.freeze()  # a new head on a pretrained body; with no body groups, all is head

    # -- freezing
    def freeze_to(self, n: int) -> None:
        """Make groups before ``n`` untrainable and the rest trainable (compiled next fit)."""
        for k, group in enumerate(self.groups):
            for layer in group:
                layer.trainable = k >= n

    def freeze(self) -> None:
        """Train only the last group (the head)."""
        self.freeze_to(len(self.groups) - 1)

    def unfreeze(self) -> None:
        """Train every group."""
        self.freeze_to(0)

    # -- learning rates
    def group_rates(self, lr: float | tuple[float, float], *, name: str = "lr") -> list[float]:
        """Learning rate per group: one number for all, or (first, last) spread geometrically.

        Raises:
            TypeError: a rate is not a number.
            ValueError: a rate is not finite and positive, or ``lr`` is a tuple other than
                (first, last) with first <= last (``name`` is the argument named).
        """
        if isinstance(lr, (tuple, list)):
            if len(lr) != 2:
                raise ValueError(f"{name}=(first, last) needs two rates, got {lr!r}")
            low, high = (check_positive(f"{name}[{k}]", rate) for k, rate in enumerate(lr))
            if not low <= high:
                raise ValueError(f"need first <= last in {name}=(first, last), got {lr}")
            return list(np.geomspace(low, high, len(self.groups)))
        return [check_positive(name, lr)] * len(self.groups)

    def compile(self, lr: float | tuple[float, float] = 1e-3) -> None:
        """Compile with a fresh optimizer and the group learning rates for ``lr``.

        Raises:
            TypeError, ValueError: a bad ``lr`` (see :meth:`group_rates`).
        """
        rates = self.group_rates(lr)
        top = max(rates)
        scales = {
            v.path: rate / top
            for group, rate in zip(self.groups, rates, strict=True)
            for layer in group
            for v in layer.trainable_weights
        }
        optimizer = self.make_optimizer()
        optimizer.learning_rate = top
        if any(s != 1 for s in scales.values()):
            optimizer = discriminative(optimizer, scales)
        self.model.compile(
            optimizer=optimizer, loss=self.loss, metrics=self.metrics, jit_compile=self.jit_compile
        )

    # -- training
    def lr_find(self, **kwargs: Any) -> LRFinder:
        """:func:`lr_find` on the training data, with the layers trainable as they are now."""
        self.compile()
        return lr_find(self.model, *self.train, batch_size=self.batch_size, **kwargs)

    def fit(
        self,
        epochs: int,
        lr: float | tuple[float, float] = 1e-3,
        *,
        callbacks: Sequence[Any] = (),
        verbose: bool = True,
    ) -> Any:
        """Plain ``model.fit`` at a constant learning rate (per group).

        Raises:
            TypeError, ValueError: a bad ``lr`` (see :meth:`group_rates`).
        """
        self.compile(lr)
        return self._fit(epochs, list(callbacks), verbose)

    def fit_one_cycle(
        self,
        epochs: int,
        lr_max: float | tuple[float, float],
        *,
        pct_start: float = 0.25,
        div: float = 25.0,
        callbacks: Sequence[Any] = (),
        verbose: bool = True,
    ) -> Any:
        """``model.fit`` with a :class:`OneCycle` callback; ``lr_max=(a, b)`` spreads the peak
        rate from ``a`` (first group) to ``b`` (head). The callback is kept as
        ``self.one_cycle``.

        Raises:
            TypeError, ValueError: a bad ``lr_max`` (see :meth:`group_rates`), ``pct_start``
                or ``div`` (see :func:`helpers.schedules.one_cycle`).
        """
        top = max(self.group_rates(lr_max, name="lr_max"))
        self.one_cycle = OneCycle(top, pct_start=pct_start, div=div)
        self.compile(lr_max)
        return self._fit(epochs, [self.one_cycle, *callbacks], verbose)

    def fine_tune(
        self,
        epochs: int,
        base_lr: float = 2e-3,
        *,
        freeze_epochs: int = 1,
        lr_mult: float = 100.0,
        verbose: bool = True,
    ) -> Any:
        """Transfer learning in two stages, as fastai's ``fine_tune``.

        1. Head only (body frozen): ``freeze_epochs`` of one cycle at ``base_lr``.
        2. Everything: ``epochs`` of one cycle at half that rate for the head and
           ``lr_mult`` times less for the first group, geometric in between.

        Returns:
            The second stage's ``History`` (both are in ``self.histories``).

        Raises:
            TypeError, ValueError: ``base_lr`` or ``lr_mult`` is not a finite positive number.
        """
        base_lr, lr_mult = check_positive("base_lr", base_lr), check_positive("lr_mult", lr_mult)
        if freeze_epochs > 0:
            self.freeze()
            if verbose:
                print(f"stage 1: head only, {freeze_epochs} epoch(s) at {base_lr:.1e}")
            self.fit_one_cycle(freeze_epochs, base_lr, pct_start=0.99, verbose=verbose)
        base_lr /= 2
        self.unfreeze()
        lr = (base_lr / lr_mult, base_lr)
        if verbose:
            rates = ", ".join(f"{r:.1e}" for r in self.group_rates(lr))
            print(f"stage 2: all {len(self.groups)} groups, {epochs} epoch(s), peak rates {rates}")
        return self.fit_one_cycle(epochs, lr, pct_start=0.3, div=5.0, verbose=verbose)

    def _fit(self, epochs: int, callbacks: list[Any], verbose: bool) -> Any:
        x, y = self.train
        if self.augment is not None:  # batches augmented before the step, reshuffled each epoch
            x, y = _AugmentedBatches(x, y, self.batch_size, self.augment), None
        history = self.model.fit(
            x,
            y,
            validation_data=self.valid,
            epochs=epochs,
            batch_size=None if y is None else self.batch_size,
            verbose=0,
            callbacks=[*callbacks, *([_EpochTable()] if verbose else [])],
        )
        self.histories.append(history)
        return history
