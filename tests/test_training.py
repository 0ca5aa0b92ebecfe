"""helpers.training and the acceleration switches, on tiny Keras models."""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpers import devices, plots

training = pytest.importorskip("helpers.training")
keras = training.keras


def tiny_fit(epochs=3, callbacks=()):
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


class SlowBatches(keras.callbacks.Callback):
    """Makes every batch take at least 20 ms longer: a known floor for each epoch."""

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(0.02)


def test_epoch_timer_measures_every_epoch(capsys):
    timer = training.EpochTimer(n_samples=48)
    start = time.perf_counter()
    tiny_fit(epochs=3, callbacks=[timer, SlowBatches()])
    wall = time.perf_counter() - start
    # 48 training samples in batches of 16: 3 slowed batches, so at least 60 ms per epoch,
    # and the epochs together cannot take longer than the whole fit.
    assert len(timer.seconds) == 3 and min(timer.seconds) >= 0.06
    assert sum(timer.seconds) <= wall
    assert timer.samples_per_second == pytest.approx(48 / timer.steady_seconds)
    assert capsys.readouterr().out.startswith("3 epochs in ")


def test_learning_curves_from_history_and_dict():
    import matplotlib

    matplotlib.use("Agg")
    history = tiny_fit(epochs=2)
    axes = plots.plot_learning_curves(history)
    assert sorted(ax.get_ylabel() for ax in axes) == ["accuracy", "loss"]
    assert len(axes[0].lines) == 2  # training and validation
    axes = plots.plot_learning_curves({"loss": [1.0, 0.5]}, ["loss"])
    assert len(axes[0].lines) == 1
    with pytest.raises(KeyError, match="no 'auc' in the history; it has loss"):
        plots.plot_learning_curves({"loss": [1.0]}, ["auc"])
    with pytest.raises(TypeError, match="expected a keras History"):
        plots.plot_learning_curves([1, 2, 3])


def test_live_curves_update_one_display(monkeypatch):
    import IPython.display
    import matplotlib

    matplotlib.use("Agg")
    calls = {"display": 0, "update": 0}

    class Handle:
        def update(self, obj):
            calls["update"] += 1

    def fake_display(obj, display_id=False):
        calls["display"] += 1
        return Handle()

    monkeypatch.setattr(IPython.display, "display", fake_display)
    live = training.LiveLearningCurves()
    tiny_fit(epochs=3, callbacks=[live])
    assert calls == {"display": 1, "update": 3}  # 3 epochs + the final draw, one display
    assert len(live.logs["loss"]) == 3 and "val_accuracy" in live.logs


def test_acceleration_is_off_on_cpu_and_switchable(monkeypatch):
    if devices.backend_gpus(keras):
        pytest.skip("this test describes the CPU defaults")
    monkeypatch.delenv("HELPERS_MIXED_PRECISION", raising=False)
    monkeypatch.delenv("HELPERS_XLA", raising=False)
    acc = devices.configure_acceleration()
    assert (acc.mixed_precision, acc.xla) == (False, False)
    assert keras.mixed_precision.global_policy().name == "float32"
    try:
        forced = devices.configure_acceleration(mixed_precision=True, xla=True)
        assert keras.mixed_precision.global_policy().name == "mixed_float16"
        assert forced.compile_kwargs() == {"jit_compile": True}
    finally:
        devices.configure_acceleration(mixed_precision=False, xla=False)
    monkeypatch.setenv("HELPERS_XLA", "maybe")
    with pytest.raises(ValueError, match="HELPERS_XLA='maybe': use 1 or 0"):
        devices.configure_acceleration()


def test_gradients_match_the_analytic_derivative():
    ops = keras.ops

    def f(w, x):
        return ops.sum(ops.sigmoid(w * x))

    w, x = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    dw, dx = training.gradients(f, w, x)
    s = 1 / (1 + np.exp(-w * x))
    np.testing.assert_allclose(dw, s * (1 - s) * x, rtol=1e-5)
    np.testing.assert_allclose(dx, s * (1 - s) * w, rtol=1e-5)


class _StubModel:
    def __init__(self):
        self.stop_training = False
        self.weights = 0

    def get_weights(self):
        return self.weights

    def set_weights(self, w):
        self.weights = w


def test_geometric_patience_waits_twice_the_best_epoch():
    stopper = training.GeometricPatience(monitor="val_loss", factor=2, min_epochs=3)
    stopper.set_model(_StubModel())
    stopper.on_train_begin()
    losses = [5, 4, 3, 2.5, 2.4, 2.6, 2.7, 2.8, 2.9, 3.0, 3.1, 3.2]  # best at epoch 5
    epochs_run = 0
    for epoch, loss in enumerate(losses):
        stopper.model.weights = epoch
        stopper.on_epoch_end(epoch, {"val_loss": loss})
        epochs_run += 1
        if stopper.model.stop_training:
            break
    assert stopper.best_epoch == 5 and stopper.patience == 10 and epochs_run == 10
    stopper.on_train_end()
    assert stopper.model.weights == 4  # the weights seen at the best epoch (index 4)


def test_geometric_patience_in_fit_and_bad_monitor():
    stopper = training.GeometricPatience(monitor="val_accuracy", min_epochs=2)
    assert stopper.mode == "max"
    history = tiny_fit(epochs=4, callbacks=[stopper])
    scores = history.history["val_accuracy"]
    assert stopper.best_epoch == int(np.argmax(scores)) + 1  # the first epoch with the best score
    assert stopper.best == pytest.approx(max(scores))
    with pytest.raises(KeyError, match="'val_auc', which is not logged"):
        tiny_fit(epochs=1, callbacks=[training.GeometricPatience(monitor="val_auc")])
    with pytest.raises(ValueError, match="factor must be at least 1"):
        training.GeometricPatience(factor=0.5)
