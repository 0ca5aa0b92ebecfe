"""helpers.learner (lr_find, one cycle, discriminative rates, Learner), helpers.interpret and
helpers.backbones, on tiny models."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
learner = pytest.importorskip("helpers.learner")
keras = learner.keras


def blobs(n=256, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.normal(size=(n, 6)).astype("float32") + 2.0 * np.eye(6, dtype="float32")[y]
    return x, y


def three_layers(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="relu", name="first"),
            keras.layers.Dense(8, activation="relu", name="second"),
            keras.layers.Dense(3, activation="softmax", name="head"),
        ],
        name="net",
    )


LOSS = "sparse_categorical_crossentropy"


# --------------------------------------------------------------------------- lr_find
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


# ------------------------------------------------------------------------- one cycle
def test_one_cycle_schedule_shape():
    lr, mom = learner.one_cycle_schedule(100, 0.01, pct_start=0.25, div=25, final_div=1e4)
    assert lr[0] == pytest.approx(0.01 / 25)
    assert lr.max() == pytest.approx(0.01) and int(lr.argmax()) == 25
    assert lr[-1] == pytest.approx(0.01 / 25e4)
    assert np.all(np.diff(lr[:26]) > 0) and np.all(np.diff(lr[25:]) < 0)
    assert mom[0] == pytest.approx(0.95) and mom[25] == pytest.approx(0.85)
    assert mom[-1] == pytest.approx(0.95)
    with pytest.raises(ValueError):
        learner.one_cycle_schedule(100, 0.01, pct_start=1.5)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_one_cycle_callback_sets_rate_and_momentum_every_batch(optimizer):
    x, y = blobs(128)
    model = three_layers()
    opt = keras.optimizers.Adam() if optimizer == "adam" else keras.optimizers.SGD(momentum=0.9)
    model.compile(optimizer=opt, loss=LOSS)
    cycle = learner.OneCycle(0.01)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[cycle])
    expected_lr, expected_mom = learner.one_cycle_schedule(8, 0.01)
    np.testing.assert_allclose(cycle.lrs, expected_lr, rtol=1e-6)
    assert float(opt.learning_rate) == pytest.approx(expected_lr[-1], rel=1e-5)
    if optimizer == "adam":
        np.testing.assert_allclose(cycle.moms, expected_mom, rtol=1e-6)
        assert float(opt.beta_1) == pytest.approx(expected_mom[-1])
        assert len(cycle.plot()) == 2
    else:  # SGD's momentum stays a constant
        assert cycle.moms == [] and opt.momentum == 0.9
        assert len(cycle.plot()) == 1


def test_one_cycle_momentum_changes_the_update():
    """The momentum variable is read by the compiled step: a different beta_1 gives a
    different trajectory (a baked-in constant would not)."""
    x, y = blobs(128)
    final = []
    for moms in [(0.95, 0.85), (0.5, 0.3)]:
        model = three_layers()
        model.compile(optimizer=keras.optimizers.Adam(), loss=LOSS)
        model.fit(
            x, y, epochs=1, batch_size=32, verbose=0, callbacks=[learner.OneCycle(0.01, moms=moms)]
        )
        final.append(model.get_weights()[0])
    assert not np.allclose(final[0], final[1])


# ------------------------------------------------------------ discriminative learning rates
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


# ----------------------------------------------------------------------------- learner
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


# ------------------------------------------------------------------------ interpretation
def test_interpretation_counts_and_losses():
    from helpers.interpret import Interpretation

    probs = np.array(
        [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]]
    )
    targets = np.array([0, 0, 2, 2, 2])
    interp = Interpretation(probs, targets, images=np.zeros((5, 4, 4)), class_names=["a", "b", "c"])
    np.testing.assert_array_equal(interp.confusion_matrix(), [[1, 1, 0], [0, 0, 0], [0, 2, 1]])
    assert interp.most_confused() == [("c", "b", 2), ("a", "b", 1)]
    assert interp.most_confused(min_count=2) == [("c", "b", 2)]
    losses, order = interp.top_losses(2)
    assert list(order) == [2, 1] and losses[0] == pytest.approx(-np.log(0.1))
    assert len(interp.plot_top_losses(4, ncols=2).axes) == 4
    assert interp.plot_confusion_matrix().get_title() == "Confusion matrix"
    with pytest.raises(ValueError, match="softmax"):
        Interpretation(np.ones((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match="class indices"):
        Interpretation(probs, targets + 1)


# ----------------------------------------------------------------------------- backbones
def test_fashion_body_takes_any_size_and_has_three_groups():
    from helpers import backbones

    body = backbones.fashion_body()
    assert body(np.zeros((1, 28, 28, 1), "float32")).shape == (1, 7, 7, 64)
    assert body(np.zeros((1, 56, 56, 1), "float32")).shape == (1, 14, 14, 64)
    groups = backbones.fashion_groups(body)
    copy = backbones.Backbone(body, groups, "fashion-mnist", "").copy()
    assert copy.model is not body and copy.groups[0][0] is not groups[0][0]
    assert [[x.name for x in g] for g in copy.groups] == [[x.name for x in g] for g in groups]
    convs = [layer for g in groups for layer in g if "conv" in layer.name]
    assert len(groups) == 3 and len(convs) == 6


def test_imagenet_backbone_architecture_and_groups():
    from helpers import backbones

    b = backbones._imagenet_backbone(1, weights=None)
    assert b.model(np.zeros((2, 28, 28, 1), "float32")).shape == (2, 3, 3, 1280)
    sizes = [len(g) for g in b.groups]
    assert len(sizes) == 3 and min(sizes) > 10
    assert b.groups[0][1].name == "Conv1" and b.groups[2][-1].name == "out_relu"


def test_load_backbone_errors(monkeypatch):
    from helpers import backbones
    from helpers.fetch import DataUnavailableError

    with pytest.raises(ValueError, match="unknown backbone source"):
        backbones.load_backbone("resnet")
    with pytest.raises(ValueError, match="channels"):
        backbones.load_backbone("fashion-mnist", channels=2)
    monkeypatch.setenv("HELPERS_OFFLINE", "1")
    with pytest.raises(DataUnavailableError, match="load_backbone\\('fashion-mnist'\\)"):
        backbones.load_backbone("imagenet")


def _tiny_fashion(monkeypatch):
    """A tiny random stand-in for Fashion-MNIST, so that pretraining takes a second."""
    from helpers import datasets

    rng = np.random.default_rng(0)
    tiny = datasets.Dataset(
        "tiny",
        {
            "x_train": rng.integers(0, 255, (64, 28, 28), np.uint8),
            "y_train": rng.integers(0, 10, 64),
            "x_test": rng.integers(0, 255, (32, 28, 28), np.uint8),
            "y_test": rng.integers(0, 10, 32),
        },
        "test",
        "synthetic",
    )
    monkeypatch.setattr(datasets, "load_fashion_mnist", lambda: tiny)


BODY_FILES = ["fashion_mnist_convnet_v1.weights.h5", "fashion_mnist_convnet_v1.weights.h5.json"]


def test_fashion_backbone_is_pretrained_once_cached_and_verified(
    monkeypatch, private_cache, capsys
):
    """Pretraining (on a tiny stand-in here, for speed) writes weights and a record; the
    next load reuses them; a tampered file is noticed and replaced."""
    from helpers import backbones
    from helpers.fetch import sha256sum

    _tiny_fashion(monkeypatch)
    first = backbones.load_backbone("auto")
    out = capsys.readouterr().out
    assert "ImageNet weights unavailable (HELPERS_OFFLINE is set)" in out
    assert "pretraining the Fashion-MNIST body" in out and first.source == "fashion-mnist"
    assert "Epoch 2/2" in out  # progress, one line per epoch
    folder = private_cache / "backbones"
    assert sorted(p.name for p in folder.iterdir()) == BODY_FILES
    record = json.loads((folder / BODY_FILES[1]).read_text())
    assert record["epochs"] == 2 and record["sha256"] == sha256sum(folder / BODY_FILES[0])
    # The accuracy was measured on the 32 test images: a whole number of them.
    assert record["test_accuracy"] * 32 == pytest.approx(
        round(record["test_accuracy"] * 32), abs=0.01
    )
    second = backbones.load_backbone("fashion-mnist")
    assert "pretraining" not in capsys.readouterr().out
    for a, b in zip(first.model.get_weights(), second.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with open(folder / "fashion_mnist_convnet_v1.weights.h5", "ab") as f:
        f.write(b"tampered")
    backbones.load_backbone("fashion-mnist")
    assert "does not match its record; pretraining it again" in capsys.readouterr().out


def test_backbone_record_without_a_key_is_pretrained_again(monkeypatch, private_cache, capsys):
    from helpers import backbones

    _tiny_fashion(monkeypatch)
    backbones.load_backbone("fashion-mnist")
    record = private_cache / "backbones" / BODY_FILES[1]
    meta = json.loads(record.read_text())
    del meta["epochs"]
    record.write_text(json.dumps(meta))
    capsys.readouterr()
    backbone = backbones.load_backbone("fashion-mnist")
    assert "lacks epochs; pretraining it again" in capsys.readouterr().out
    assert "epochs" in json.loads(record.read_text()) and "2 epochs" in backbone.note


def test_read_only_cache_keeps_the_pretrained_body_in_memory(
    monkeypatch, private_cache, capsys, make_read_only
):
    """Pretraining with a cache it cannot write to: said first, then trained, kept usable."""
    from helpers import backbones

    _tiny_fashion(monkeypatch)
    make_read_only(private_cache)
    backbone = backbones.load_backbone("fashion-mnist")
    out = capsys.readouterr().out
    assert out.index("is not writable") < out.index("pretraining the Fashion-MNIST body")
    assert "set HELPERS_DATA to a writable folder to keep it" in out
    assert "kept in memory only" in backbone.note and list(private_cache.iterdir()) == []
    assert backbone.model(np.zeros((1, 28, 28, 1), "float32")).shape == (1, 7, 7, 64)


def test_make_data_refuses_a_read_only_cache_before_training(
    monkeypatch, private_cache, capsys, make_read_only
):
    from helpers import backbones
    from helpers.fetch import CacheFolderError

    _tiny_fashion(monkeypatch)
    make_read_only(private_cache)
    with pytest.raises(
        CacheFolderError, match=r"backbones is not writable \(.*\); set HELPERS_DATA"
    ):
        backbones.ensure_fashion_body()
    assert "pretraining" not in capsys.readouterr().out
