"""helpers.schedules: schedules as functions, and the one callback that applies them."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from tiny import LOSS, blobs, three_layers

schedules = pytest.importorskip("helpers.schedules")
keras = schedules.keras
matplotlib.use("Agg")


# -------------------------------------------------------------------------- schedules
def test_basic_schedules_run_from_start_to_end():
    for make in (schedules.linear, schedules.cosine, schedules.exponential):
        values = schedules.sample(make(1.0, 0.01), 11)
        assert values[0] == pytest.approx(1.0) and values[-1] == pytest.approx(0.01)
        assert np.all(np.diff(values) < 0)
    assert schedules.sample(schedules.exponential(1.0, 0.01), 3)[1] == pytest.approx(0.1)
    assert schedules.sample(schedules.cosine(1.0, 0.0), 3)[1] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="start must be a finite positive number"):
        schedules.exponential(0.0, 1.0)


def test_combine_runs_each_phase_over_its_share():
    up_down = schedules.combine([1, 3], [schedules.linear(0, 1), schedules.linear(1, 0)])
    assert [up_down(p) for p in (0, 0.125, 0.25, 0.625, 1)] == pytest.approx([0, 0.5, 1, 0.5, 0])
    with pytest.raises(ValueError, match="one positive length per schedule"):
        schedules.combine([1, 0], [schedules.linear(0, 1)] * 2)
    with pytest.raises(ValueError, match="one positive length per schedule"):
        schedules.combine([1], [schedules.linear(0, 1)] * 2)


def test_cyclical_and_warm_restarts_are_one_line_each():
    clr = schedules.sample(schedules.repeat(3, schedules.triangle(0.1, 1.0)), 121)
    peaks = np.flatnonzero(np.isclose(clr, 1.0))
    assert len(peaks) == 3 and clr.min() == pytest.approx(0.1)
    sgdr = schedules.sample(schedules.combine([1, 2], [schedules.cosine(1.0, 0.0)] * 2), 301)
    restarts = np.flatnonzero(np.diff(sgdr) > 0.5) + 1  # where the rate jumps back up
    assert restarts.tolist() == [100]  # the second cycle is twice as long as the first


def test_cyclic_is_smiths_triangular_rate():
    rate = schedules.sample(schedules.cyclic(0.1, 1.0, cycles=2), 201)
    assert np.flatnonzero(np.isclose(rate, 1.0)).tolist() == [50, 150]  # a peak mid-cycle
    assert rate[0] == pytest.approx(0.1) and rate[100] == pytest.approx(0.1)
    np.testing.assert_allclose(np.abs(np.diff(rate)), 0.9 / 50)  # straight lines
    with pytest.raises(ValueError, match="cycles >= 1 and 0 <= low < high"):
        schedules.cyclic(1.0, 0.1, cycles=2)


def test_one_cycle_warms_up_then_anneals():
    lr_sched, mom_sched = schedules.one_cycle(0.01, pct_start=0.25, div=25, final_div=1e4)
    lr, mom = schedules.sample(lr_sched, 101), schedules.sample(mom_sched, 101)
    assert lr[0] == pytest.approx(0.01 / 25) and lr[-1] == pytest.approx(0.01 / 25e4)
    assert lr.max() == pytest.approx(0.01) and int(lr.argmax()) == 25
    assert np.all(np.diff(lr[:26]) > 0) and np.all(np.diff(lr[25:]) < 0)
    assert mom[0] == pytest.approx(0.95) and mom[25] == pytest.approx(0.85)
    assert mom[-1] == pytest.approx(0.95)
    with pytest.raises(ValueError, match="pct_start"):
        schedules.one_cycle(0.01, pct_start=1.5)


# ------------------------------------------------------------------------- the callback
def fit(callback, optimizer, epochs=2, *, trained_before=False):
    """Fit three_layers on 128 points in batches of 32: 4 batches per epoch. With
    ``trained_before``, one epoch without the callback first (its training step is compiled
    then, with the hyperparameters as they were)."""
    x, y = blobs(128)
    model = three_layers()
    model.compile(optimizer=optimizer, loss=LOSS)
    if trained_before:
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0, callbacks=[callback])
    return model


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_one_cycle_sets_rate_and_momentum_every_batch(optimizer):
    opt = keras.optimizers.Adam() if optimizer == "adam" else keras.optimizers.SGD(momentum=0.9)
    cycle = schedules.OneCycle(0.01)
    fit(cycle, opt)
    lr_sched, mom_sched = schedules.one_cycle(0.01)
    expected_lr, expected_mom = schedules.sample(lr_sched, 8), schedules.sample(mom_sched, 8)
    np.testing.assert_allclose(cycle.lrs, expected_lr, rtol=1e-6)
    assert float(opt.learning_rate) == pytest.approx(expected_lr[-1], rel=1e-5)
    if optimizer == "adam":
        np.testing.assert_allclose(cycle.moms, expected_mom, rtol=1e-6)
        assert float(opt.beta_1) == pytest.approx(expected_mom[-1])
        assert len(cycle.plot()) == 2
    else:  # Keras' SGD keeps its constant momentum
        assert cycle.moms == [] and opt.momentum == 0.9
        assert len(cycle.plot()) == 1


def test_a_scheduled_momentum_changes_the_update():
    """The momentum variable is read by the compiled step: a different beta_1 gives a
    different trajectory (a baked-in constant would not)."""
    for trained_before in (False, True):
        final = [
            fit(cycle, keras.optimizers.Adam(), 1, trained_before=trained_before).get_weights()[0]
            for cycle in [schedules.OneCycle(0.01), schedules.OneCycle(0.01, moms=(0.5, 0.3))]
        ]
        assert not np.allclose(final[0], final[1])


def test_any_float_hyperparameter_can_be_scheduled():
    """AdamW's weight decay, from large to none: recorded, set, and read by the step."""
    decay = schedules.ParamScheduler(weight_decay=schedules.linear(0.5, 0.0))
    opt = keras.optimizers.AdamW(1e-2, weight_decay=0.5)
    decayed = fit(decay, opt, trained_before=True)
    assert decay.history["weight_decay"] == pytest.approx(list(np.linspace(0.5, 0, 8)))
    assert float(opt.weight_decay) == pytest.approx(0.0)
    constant = fit(
        schedules.ParamScheduler(learning_rate=lambda p: 1e-2),
        keras.optimizers.AdamW(1e-2, 0.5),
        trained_before=True,
    )
    assert not np.allclose(decayed.get_weights()[0], constant.get_weights()[0])


def test_a_cosine_rate_is_what_the_optimizer_sees_at_each_batch():
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(float(self.model.optimizer.learning_rate))

    x, y = blobs(128)
    model = three_layers()
    model.compile(optimizer=keras.optimizers.SGD(), loss=LOSS)
    annealing = schedules.ParamScheduler(learning_rate=schedules.cosine(0.1, 0.001))
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[annealing, Spy()])
    assert len(seen) == 12
    np.testing.assert_allclose(seen, schedules.sample(schedules.cosine(0.1, 0.001), 12), 1e-5)


def test_what_cannot_be_scheduled_is_a_clear_error():
    rate = schedules.linear(1e-2, 1e-3)
    with pytest.raises(ValueError, match="SGD cannot change its momentum during fit"):
        fit(schedules.ParamScheduler(momentum=rate), keras.optimizers.SGD(momentum=0.9))
    with pytest.raises(ValueError, match="Adam has no hyperparameter 'beta_3'"):
        fit(schedules.ParamScheduler(beta_3=rate), keras.optimizers.Adam())
    with pytest.raises(ValueError, match="pass weight_decay=... to the optimizer"):
        fit(schedules.ParamScheduler(weight_decay=rate), keras.optimizers.Adam())
    decay = keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.9)
    with pytest.raises(ValueError, match="not a LearningRateSchedule"):
        fit(schedules.ParamScheduler(learning_rate=rate), keras.optimizers.Adam(decay))
    with pytest.raises(ValueError, match="name at least one schedule"):
        schedules.ParamScheduler()


def test_sgdr_restarts_after_epochs_one_and_three():
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(float(self.model.optimizer.learning_rate))

    x, y = blobs(128)  # 4 batches of 32 per epoch
    model = three_layers()
    model.compile(optimizer=keras.optimizers.SGD(), loss=LOSS)
    restarts = schedules.ParamScheduler(learning_rate=schedules.sgdr(0.1, (1, 2, 4)))
    model.fit(x, y, epochs=7, batch_size=32, verbose=0, callbacks=[restarts, Spy()])
    rates = np.array(restarts.history["learning_rate"])
    jumps = np.flatnonzero(np.diff(rates) > 0) + 1  # batches where the rate goes back up
    assert (jumps / 4).tolist() == [1.0, 3.0]  # the first batch of epochs 2 and 4
    assert rates[0] == pytest.approx(0.1) and rates[-1] == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(seen, rates, rtol=1e-5)


# ---------------------------------------------------------- bad values: one clear line
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: schedules.linear(float("nan"), 1.0), r"^start must be a finite number >= 0"),
        (lambda: schedules.cosine(1.0, -0.5), r"^end must be a finite number >= 0"),
        (lambda: schedules.exponential(float("nan"), 1.0), r"^start must be a finite positive"),
        (lambda: schedules.combine([1, float("nan")], [schedules.linear(0, 1)] * 2), "lengths"),
        (lambda: schedules.repeat(0, schedules.linear(0, 1)), r"^cycles must be a whole number"),
        (lambda: schedules.sgdr(0.1, ()), r"^cycle_lengths is empty"),
        (lambda: schedules.sgdr(float("nan")), r"^lr_max must be a finite positive number"),
        (lambda: schedules.one_cycle(float("nan")), r"^lr_max must be a finite positive number"),
        (lambda: schedules.one_cycle(0.1, div=0), r"^div must be a finite positive number"),
        (lambda: schedules.OneCycle(-0.1), r"^lr_max must be a finite positive number"),
        (lambda: schedules.OneCycle(0.1, moms=(0.95,)), r"^moms must be two momenta"),
    ],
)
def test_schedules_refuse_nan_negative_and_empty_inputs(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("schedule", "error", "message"),
    [
        (
            lambda p: float("nan") if p > 0.5 else 1e-3,
            ValueError,
            r"progress 0\.571 \(batch 5 of 8\)",
        ),
        (lambda p: 1e-3 - p, ValueError, r"progress 0\.143 \(batch 2 of 8\).* not -0\.14"),
        (lambda p: None, TypeError, r"progress 0\.000 \(batch 1 of 8\).* not None"),
    ],
)
def test_a_schedule_that_gives_a_bad_value_is_caught_before_training(schedule, error, message):
    x, y = blobs(128)
    model = three_layers()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=LOSS)
    weights = [w.copy() for w in model.get_weights()]
    with pytest.raises(error, match=r"^learning_rate at " + message):
        model.fit(
            x,
            y,
            epochs=2,
            batch_size=32,
            verbose=0,
            callbacks=[schedules.ParamScheduler(learning_rate=schedule)],
        )
    for a, b in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # no batch was trained with the bad value
    with pytest.raises(TypeError, match=r"^learning_rate must be a schedule"):
        schedules.ParamScheduler(learning_rate=1e-3)
