"""helpers.learner (lr_find, discriminative rates, the Learner) on tiny models."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import LOSS, blobs, three_layers

learner = pytest.importorskip("helpers.learner")
keras = learner.keras


def test_lr_find_restores_weights_and_optimizer_state():
    x, y = blobs()
    model = three_layers()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=LOSS, metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)  # optimizer state is not empty
    weights = [w.copy() for w in model.get_weights()]
    state = [v.numpy().copy() for v in model.optimizer.variables]
    found = learner.lr_find(model, x, y, batch_size=32, num_steps=40)
    for before, after in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    for before, v in zip(state, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(before, v.numpy())
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    assert len(found.lrs) == len(found.losses) == len(found.smoothed) <= 40
    assert np.all(np.diff(found.lrs) > 0)
    assert found.lrs[0] <= found.suggestion <= found.minimum
    ax = found.plot()
    assert ax.get_xscale() == "log" and ax.get_xlabel().startswith("learning rate")


def test_lr_find_stops_when_the_loss_diverges():
    x, y = blobs()
    model = three_layers()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=LOSS)
    found = learner.lr_find(model, x, y, batch_size=32, start_lr=1e-3, end_lr=1e4, num_steps=100)
    assert len(found.lrs) < 100  # stopped early
    assert found.suggestion < found.lrs[-1]


def test_lr_find_rejects_bad_input():
    x, y = blobs()
    model = three_layers()
    with pytest.raises(ValueError, match="compile the model first"):
        learner.lr_find(model, x, y)
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.9)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=LOSS)
    with pytest.raises(ValueError, match="not a schedule"):
        learner.lr_find(model, x, y)


def one_step_changes(optimizer, batch):
    model = three_layers(seed=1)
    model.compile(optimizer=optimizer, loss=LOSS)
    before = [layer.get_weights()[0].copy() for layer in model.layers]
    model.train_on_batch(*batch)
    return [layer.get_weights()[0] - b for layer, b in zip(model.layers, before, strict=True)]


def test_discriminative_sgd_step_is_scaled_exactly():
    batch = blobs(32)
    scales = {"net/first/kernel": 0.01, "net/second/kernel": 0.1}
    plain = one_step_changes(keras.optimizers.SGD(1.0), batch)
    scaled = one_step_changes(learner.discriminative(keras.optimizers.SGD(1.0), scales), batch)
    for p, s, factor in zip(plain, scaled, [0.01, 0.1, 1.0], strict=True):
        # float32 weights: the difference w_new - w_old carries ~1e-7 absolute round-off
        np.testing.assert_allclose(s, factor * p, rtol=1e-3, atol=3e-7)


def test_discriminative_adam_moves_groups_at_the_requested_relative_rates():
    """Adam's first step has size ~lr per weight whatever the gradient's scale, so scaling
    gradients would do nothing; scaling the rate must scale the step."""
    batch = blobs(32)
    scales = {"net/first/kernel": 0.01, "net/second/kernel": 0.1}
    optimizer = learner.discriminative(keras.optimizers.Adam(1e-2), scales)
    steps = one_step_changes(optimizer, batch)
    sizes = [np.median(np.abs(s[s != 0])) for s in steps]
    np.testing.assert_allclose(np.array(sizes) / sizes[-1], [0.01, 0.1, 1.0], rtol=0.02)


def test_discriminative_rejects_bad_factors_and_unknown_paths():
    with pytest.raises(ValueError, match="positive"):
        learner.discriminative(keras.optimizers.Adam(), {"first/kernel": 0.0})
    optimizer = learner.discriminative(keras.optimizers.Adam(), {"first/kernel": 0.1})
    with pytest.raises(ValueError, match="no trainable variable has the path"):
        one_step_changes(optimizer, blobs(32))


def make_learner(**kwargs):
    x, y = blobs()
    model = three_layers()
    groups = [[model.get_layer("first")], [model.get_layer("second")]]
    return learner.Learner(
        model,
        (x[:200], y[:200]),
        (x[200:], y[200:]),
        loss=LOSS,
        metrics=["accuracy"],
        groups=groups,
        batch_size=32,
        **kwargs,
    )


def test_learner_groups_and_rates():
    learn = make_learner()
    assert [[layer.name for layer in g] for g in learn.groups] == [["first"], ["second"], ["head"]]
    np.testing.assert_allclose(learn.group_rates((1e-4, 1e-2)), [1e-4, 1e-3, 1e-2])
    assert learn.group_rates(3e-3) == [3e-3] * 3
    with pytest.raises(ValueError, match="first <= last"):
        learn.group_rates((1e-2, 1e-4))


def test_learner_discriminative_rates_move_groups_at_requested_ratios():
    learn = make_learner()
    learn.unfreeze()
    learn.compile((1e-4, 1e-2))
    before = [learn.model.get_layer(n).get_weights()[0].copy() for n in ("first", "second", "head")]
    learn.model.train_on_batch(learn.train[0][:32], learn.train[1][:32])
    sizes = []
    for name, b in zip(("first", "second", "head"), before, strict=True):
        change = np.abs(learn.model.get_layer(name).get_weights()[0] - b)
        sizes.append(np.median(change[change > 0]))
    np.testing.assert_allclose(np.array(sizes) / sizes[-1], [0.01, 0.1, 1.0], rtol=0.02)


def test_fine_tune_trains_head_first_then_everything(capsys):
    learn = make_learner()
    first = learn.model.get_layer("first")
    start = first.get_weights()[0].copy()
    learn.fit_one_cycle(1, 1e-2)  # frozen at construction: only the head moves
    np.testing.assert_array_equal(first.get_weights()[0], start)
    learn.histories.clear()
    history = learn.fine_tune(2, 1e-2, freeze_epochs=1)
    assert len(learn.histories) == 2 and len(history.history["loss"]) == 2
    assert not np.allclose(first.get_weights()[0], start)
    out = capsys.readouterr().out
    assert "stage 1: head only" in out and "peak rates 5.0e-05, 5.0e-04, 5.0e-03" in out
    assert np.isfinite(history.history["val_loss"]).all()


# ------------------------------------------------- faults end in success or one clear line
def _state(model):
    return [w.copy() for w in model.get_weights()] + [
        v.numpy().copy() for v in model.optimizer.variables
    ]


class _FailsOnThirdBatch:
    """A sparse cross-entropy that raises on its third call (run eagerly): a sweep that
    fails from inside Keras, half-way through."""

    def __init__(self):
        self.calls = 0

    def __call__(self, y_true, y_pred):
        self.calls += 1
        if self.calls == 3:
            raise RuntimeError("failed on the third batch")
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


@pytest.mark.parametrize("with_input", [True, False])
def test_lr_find_builds_the_model_and_a_failed_sweep_changes_nothing(with_input):
    """A Sequential without keras.Input has no weights until it sees data: lr_find builds it
    (it used to fail restoring an empty weight list and leave the model unusable)."""
    x, y = blobs()
    model = three_layers(with_input=with_input)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=LOSS)
    found = learner.lr_find(model, x, y, batch_size=32, num_steps=20)
    assert len(found.lrs) >= 5
    before = _state(model)
    assert before and all(w.size for w in model.get_weights())
    with pytest.raises(ValueError, match="diverged"):
        learner.lr_find(model, x, y, batch_size=32, start_lr=1e4, end_lr=1e8, num_steps=20)
    model.compile(optimizer=model.optimizer, loss=_FailsOnThirdBatch(), run_eagerly=True)
    with pytest.raises(RuntimeError, match="third batch"):
        learner.lr_find(model, x, y, batch_size=32, num_steps=20)
    for a, b in zip(before, _state(model), strict=True):
        np.testing.assert_array_equal(a, b)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=LOSS)
    history = model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_learner_builds_a_model_without_input():
    x, y = blobs()
    learn = learner.Learner(three_layers(with_input=False), (x, y), loss=LOSS, batch_size=32)
    assert [[layer.name for layer in g] for g in learn.groups] == [["first", "second", "head"]]
    history = learn.fit(1, 1e-2, verbose=False)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize("shift", [3, -1, 0.5])
def test_labels_outside_the_model_outputs_are_one_clear_line(shift):
    x, y = blobs()
    bad = y + shift
    model = three_layers()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=LOSS)
    weights = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"^y must hold class indices 0 to 2") as error:
        learner.lr_find(model, x, bad, batch_size=32)
    assert "\n" not in str(error.value)
    for a, b in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    loss = keras.losses.SparseCategoricalCrossentropy()
    with pytest.raises(ValueError, match=r"^train\[1\] must hold class indices 0 to 2"):
        learner.Learner(three_layers(), (x, bad), loss=loss)
    with pytest.raises(ValueError, match=r"^valid\[1\] must hold class indices 0 to 2"):
        learner.Learner(three_layers(), (x, y), (x, bad), loss=loss)


def test_labels_ignored_by_the_loss_are_allowed():
    x, y = blobs()
    y = np.where(np.arange(len(y)) % 10 == 0, -1, y)
    loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=-1)
    learner.Learner(three_layers(), (x, y), loss=loss)  # no error


@pytest.mark.parametrize(
    ("lr", "error", "message"),
    [
        (0.0, ValueError, r"^lr must be a finite positive number, not 0.0"),
        (-1e-3, ValueError, r"^lr must be a finite positive number"),
        (float("nan"), ValueError, r"^lr must be a finite positive number, not nan"),
        ("1e-3", TypeError, r"^lr must be a number, not '1e-3'"),
        ((1e-3,), ValueError, r"^lr=\(first, last\) needs two rates"),
        ((1e-4, 1e-3, 1e-2), ValueError, r"^lr=\(first, last\) needs two rates"),
        ((float("nan"), 1e-2), ValueError, r"^lr\[0\] must be a finite positive number"),
    ],
)
def test_bad_learning_rates_name_the_argument(lr, error, message):
    learn = make_learner()
    compiled = getattr(learn.model, "optimizer", None)
    with pytest.raises(error, match=message):
        learn.group_rates(lr)
    with pytest.raises(error, match=message):
        learn.compile(lr)
    with pytest.raises(error, match=message.replace("lr", "lr_max", 1)):
        learn.fit_one_cycle(1, lr, verbose=False)
    assert getattr(learn.model, "optimizer", None) is compiled  # never compiled
    assert not learn.histories


def test_bad_fine_tune_rates_and_factors_name_the_argument():
    learn = make_learner()
    start = [w.copy() for w in learn.model.get_weights()]
    for kwargs, name in [
        ({"lr_mult": 0}, "lr_mult"),
        ({"base_lr": float("nan")}, "base_lr"),
        ({"base_lr": -1.0}, "base_lr"),
    ]:
        with pytest.raises(ValueError, match=f"^{name} must be a finite positive number"):
            learn.fine_tune(1, **{"base_lr": 1e-3, **kwargs}, verbose=False)
    for a, b in zip(start, learn.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # stage 1 never ran
    with pytest.raises(ValueError, match=r"^scales\['net/first/kernel'\] must be a finite"):
        learner.discriminative(keras.optimizers.Adam(), {"net/first/kernel": float("nan")})
    with pytest.raises(TypeError, match=r"^scales\['net/first/kernel'\] must be a number"):
        learner.discriminative(keras.optimizers.Adam(), {"net/first/kernel": "0.1"})


def test_learner_augments_every_training_batch_before_the_step():
    x, y = blobs()
    seen = []

    def negate(images, training=True):  # an augmentation that is easy to recognise
        seen.append((len(images), training))
        return -images

    model = three_layers()
    learn = learner.Learner(model, (x, y), (x, y), loss=LOSS, batch_size=32, augment=negate)
    learn.unfreeze()
    history = learn.fit(2, 1e-2, verbose=False)
    batches = -(-len(x) // 32)
    # Every batch of both epochs (Keras may fetch a first batch again to learn its shapes).
    assert len(seen) >= 2 * batches and all(training for _, training in seen)
    assert len(history.history["val_loss"]) == 2  # validation data is not augmented
    # Trained on negated inputs: the model does better on -x than on x.
    assert model.evaluate(-x, y, verbose=0) < model.evaluate(x, y, verbose=0)
