"""helpers.training: epoch timing, live curves, gradients and geometric patience."""

from __future__ import annotations

import time

import numpy as np
import pytest
from tiny import tiny_fit

training = pytest.importorskip("helpers.training")
keras = training.keras


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
    # Best at the fifth epoch (index 4): training runs to epoch 10 and stops there.
    assert stopper.best_epoch == 4 and stopper.stop_epoch == 10 and epochs_run == 10
    stopper.on_train_end()
    assert stopper.model.weights == 4  # the weights seen at the best epoch


def test_geometric_patience_never_stops_before_min_epochs():
    stopper = training.GeometricPatience(monitor="val_loss", factor=2, min_epochs=6)
    stopper.set_model(_StubModel())
    stopper.on_train_begin()
    for epoch, loss in enumerate([1.0, 2, 3, 4, 5, 6, 7]):
        stopper.on_epoch_end(epoch, {"val_loss": loss})
        if stopper.model.stop_training:
            break
    assert epoch + 1 == 6  # best at epoch 1 would allow 2, but min_epochs is 6


def test_geometric_patience_in_fit_and_bad_monitor():
    stopper = training.GeometricPatience(monitor="val_accuracy", min_epochs=2)
    history = tiny_fit(epochs=4, callbacks=[stopper])
    scores = history.history["val_accuracy"]  # "auto" mode: higher is better for accuracy
    assert stopper.best_epoch == int(np.argmax(scores))  # the first epoch with the best score
    assert stopper.best == pytest.approx(max(scores))
    with pytest.raises(KeyError, match="'val_auc', which is not logged"):
        tiny_fit(epochs=1, callbacks=[training.GeometricPatience(monitor="val_auc")])
    with pytest.raises(ValueError, match="factor must be at least 1"):
        training.GeometricPatience(factor=0.5)
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'"):
        training.GeometricPatience(mode="minimum")


def tiny_image_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def test_tta_is_the_mean_over_the_original_and_its_augmented_copies():
    x = np.random.default_rng(0).random((10, 8, 8, 1)).astype("float32")
    model = tiny_image_model()
    flip, copies = keras.layers.RandomFlip("horizontal"), []

    def recorded_flip(images, training=False):  # the augmentation, keeping what it made
        copies.append(keras.ops.convert_to_numpy(flip(images, training=training)))
        return copies[-1]

    averaged = training.predict_tta(model, x, recorded_flip, n=3, seed=5)
    assert len(copies) == 3
    by_hand = np.mean([model.predict(c, verbose=0) for c in [x, *copies]], axis=0)
    np.testing.assert_allclose(averaged, by_hand, rtol=1e-5)
    assert not np.allclose(averaged, model.predict(x, verbose=0))  # the copies did change
    np.testing.assert_allclose(
        training.predict_tta(model, x, flip, n=0), model.predict(x, verbose=0)
    )
    with pytest.raises(ValueError, match="n must be 0 or more"):
        training.predict_tta(model, x, flip, n=-1)


def test_tta_draws_the_same_copies_for_the_same_seed():
    """A Keras random layer keeps its generator's state between calls; predict_tta must still
    repeat itself for a seed (it failed before it rebuilt the layer)."""
    x = np.random.default_rng(0).random((16, 8, 8, 1)).astype("float32")
    model = tiny_image_model()
    augment = keras.Sequential(
        [keras.layers.RandomFlip("horizontal"), keras.layers.RandomZoom(0.2)]
    )
    first = training.predict_tta(model, x, augment, n=2, seed=3)
    np.testing.assert_array_equal(first, training.predict_tta(model, x, augment, n=2, seed=3))
    assert not np.allclose(first, training.predict_tta(model, x, augment, n=2, seed=4))


def test_cached_features_ignore_augmentation():
    """Augmentation layers act in training only: features cached from a body that contains
    one are those of the unchanged images."""
    x = np.random.default_rng(0).random((6, 8, 8, 1)).astype("float32")
    keras.utils.set_random_seed(0)
    plain = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3)])
    augmented = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.RandomFlip("horizontal"), plain.layers[0]]
    )
    np.testing.assert_allclose(training.cached_features(augmented, x), plain.predict(x, verbose=0))
    trained_view = keras.ops.convert_to_numpy(augmented(x, training=True))
    assert not np.allclose(trained_view, plain.predict(x, verbose=0))  # in training it flips


def test_reestimated_batch_norm_statistics_are_those_of_the_data():
    rng = np.random.default_rng(0)
    x = (3 + 2 * rng.normal(size=(600, 4))).astype("float32")
    keras.utils.set_random_seed(0)
    norm = keras.layers.BatchNormalization()
    inner = keras.Sequential([keras.Input((4,)), norm])
    model = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dense(2)])
    inner.trainable = False  # frozen, as a pretrained body is
    weights = [w.copy() for w in model.get_weights() if w.shape != (4,)]
    gamma = norm.gamma.numpy().copy()
    assert training.reestimate_batch_norm(model, x, batch_size=200) == 1
    np.testing.assert_allclose(norm.moving_mean.numpy(), x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(norm.moving_variance.numpy(), x.var(axis=0), rtol=0.02)
    assert norm.momentum == 0.99 and not norm.trainable
    np.testing.assert_array_equal(norm.gamma.numpy(), gamma)  # no weight changed
    for a, b in zip(weights, [w for w in model.get_weights() if w.shape != (4,)]):
        np.testing.assert_array_equal(a, b)


def _batch_norm_net(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def test_swa_weights_are_the_mean_of_the_snapshots(capsys):
    from tiny import LOSS, blobs

    x, y = blobs()
    model = _batch_norm_net()
    model.compile(keras.optimizers.SGD(0.1), LOSS)
    swa = training.SWA(start_epoch=3, x=x, keep_snapshots=True, batch_size=64)
    model.fit(x, y, epochs=5, batch_size=32, verbose=0, callbacks=[swa])
    assert swa.count == 3 and len(swa.snapshots) == 3  # epochs 3, 4 and 5
    bn = model.layers[1]
    trainable = {id(w) for w in model.trainable_weights}
    for weight, *snaps in zip(model.weights, *swa.snapshots):
        if id(weight) in trainable:  # kernels, biases, gamma, beta: the mean of the snapshots
            np.testing.assert_allclose(weight.numpy(), np.mean(snaps, axis=0), rtol=1e-5)
    # The moving statistics are those of the averaged weights on x, not an average.
    h = keras.ops.convert_to_numpy(model.layers[0](x))
    np.testing.assert_allclose(bn.moving_mean.numpy(), h.mean(axis=0), rtol=1e-4, atol=1e-5)
    # In the pass's batches of 64: the variance is the mean of the four batches' variances.
    by_batch = h.reshape(4, 64, -1).var(axis=1).mean(axis=0)
    np.testing.assert_allclose(bn.moving_variance.numpy(), by_batch, rtol=1e-4, atol=1e-5)
    assert "averaged 3 epochs' weights; 1 batch-norm layers re-estimated" in capsys.readouterr().out


def test_swa_before_its_start_changes_nothing(capsys):
    from tiny import LOSS, blobs

    x, y = blobs()
    model = _batch_norm_net()
    model.compile(keras.optimizers.SGD(0.1), LOSS)
    swa = training.SWA(start_epoch=5)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[swa])
    assert swa.count == 0 and "training ended before epoch 5" in capsys.readouterr().out
    with pytest.raises(ValueError, match="counts from 1"):
        training.SWA(start_epoch=0)


def test_a_batch_size_below_one_is_refused_before_training():
    """Zero failed in range() after all the training; a negative size re-estimated nothing
    and said it had."""
    x = np.zeros((4, 6), "float32")
    for bad in (0, -256, 2.5):
        with pytest.raises(ValueError, match="batch_size must be a whole number of at least 1"):
            training.SWA(start_epoch=1, x=x, batch_size=bad)
        with pytest.raises(ValueError, match="batch_size must be a whole number of at least 1"):
            training.reestimate_batch_norm(_batch_norm_net(), x, batch_size=bad)


def test_empty_input_is_one_clear_line():
    """Without a sample, batch-norm re-estimation changed nothing but reported success, and
    Keras' predict failed with an UnboundLocalError."""
    empty = np.zeros((0, 8, 8, 1), "float32")
    model = tiny_image_model()
    for call in (
        lambda: training.reestimate_batch_norm(model, empty),
        lambda: training.predict_tta(model, empty, keras.layers.RandomFlip("horizontal")),
        lambda: training.cached_features(model, empty),
        lambda: training.SWA(start_epoch=1, x=empty),
    ):
        with pytest.raises(ValueError, match=r"^x is empty \(shape \(0, 8, 8, 1\)\)"):
            call()


def test_flip_zoom_flips_and_zooms_like_the_keras_layers():
    images = np.random.default_rng(0).random((64, 12, 10, 1)).astype("float32")
    flip = training.FlipZoom(0.0)
    keras.utils.set_random_seed(0)
    flipped = flip(images)
    mirrored = np.array([np.array_equal(a, b[:, ::-1]) for a, b in zip(flipped, images)])
    same = np.array([np.array_equal(a, b) for a, b in zip(flipped, images)])
    assert (mirrored ^ same).all() and 10 < mirrored.sum() < 54  # each one or the other
    zoomed = training.FlipZoom(0.2, flip=False)(images)
    assert zoomed.shape == images.shape and zoomed.dtype == images.dtype
    assert not np.allclose(zoomed, images)
    # A zoom about the centre keeps the centre pixel's neighbourhood, not the corners.
    centre = np.abs(zoomed[:, 5:7, 4:6] - images[:, 5:7, 4:6]).mean()
    assert centre < np.abs(zoomed[:, :2, :2] - images[:, :2, :2]).mean()
    np.testing.assert_array_equal(training.FlipZoom(0.2)(images, training=False), images)


def test_flip_zoom_repeats_for_a_seed_and_rejects_a_bad_zoom():
    images = np.random.default_rng(1).random((8, 10, 10)).astype("float32")  # no channel axis
    augment = training.FlipZoom(0.1)
    keras.utils.set_random_seed(3)
    first = augment(images)
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(first, augment(images))
    with pytest.raises(ValueError, match=r"zoom is a fraction of the image size in \[0, 1\)"):
        training.FlipZoom(1.0)
