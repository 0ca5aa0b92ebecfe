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
# # 7. Training tricks
#
# Knowing the architecture is half of deep learning; the other half is the craft of training
# it. This lecture measures the tricks the course's tutorial recommends, one at a time, on
# real data: the mini-batch size, batch normalization, standardizing and whitening the inputs,
# augmentation that respects the domain, early stopping with geometric patience, dropout,
# saliency maps to see what a network looks at, and the failure every practitioner meets: a
# network that has learned to predict a constant.
#
# **You will learn to**
# - measure what the mini-batch size does to speed and to accuracy;
# - see batch normalization make a deep network trainable at all, and measure what it does
#   to a shallow one;
# - standardize colour images per channel, and whiten them with PCA and ZCA;
# - augment images without breaking their meaning, stop training with geometric patience, and
#   regularize with dropout;
# - compute a saliency map, and recognise and explain a network stuck at a constant.
#
# **Follows** the tutorial "Deep Learning - Advanced Techniques" (seed 002).
# **Run time:** under 3 minutes on a 2-core CPU ([measured](execution_statistics.md)) in the quick
# profile (subsets of Fashion-MNIST); the full profile uses more data and epochs (a few minutes on a
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

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from keras import ops

from helpers.datasets import load_fashion_mnist, load_images
from helpers.devices import configure_acceleration
from helpers.plots import plot_learning_curves
from helpers.training import EpochTimer, GeometricPatience, gradients

# %%
acceleration = configure_acceleration()
N_TRAIN = profile.pick(quick=6000, full=60000, smoke=2000)
fashion = load_fashion_mnist(n_train=N_TRAIN, n_test=2000, seed=0)
x_train = fashion.x_train[..., np.newaxis].astype("float32") / 255
x_test = fashion.x_test[..., np.newaxis].astype("float32") / 255
y_train, y_test = fashion.y_train, fashion.y_test
names = fashion.class_names


def compiled(model, learning_rate=1e-3, optimizer="adam"):
    opt = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[optimizer]
    model.compile(
        optimizer=opt(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        **acceleration.compile_kwargs(),
    )
    return model


def mlp(hidden=(256,), activation="relu", batch_norm=False):
    """A dense net on 28x28 images; optional batch norm before each activation."""
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    for width in hidden:
        layers.append(keras.layers.Dense(width, use_bias=not batch_norm))
        if batch_norm:
            layers.append(keras.layers.BatchNormalization())
        layers.append(keras.layers.Activation(activation))
    return keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])


# %% [markdown]
# ## Mini-batch size: speed against accuracy
#
# Each step of stochastic gradient descent uses a mini-batch. Small batches give noisy
# gradients (a regularizing effect) and many cheap steps; large batches give accurate gradients
# and use parallel hardware well, but take few steps per epoch. The tutorial's advice: around
# 64 to 256 is the happy medium. We train the same network for the same number of epochs with
# four batch sizes and time the epochs after the first (the first also compiles the step).

# %%
EPOCHS = profile.pick(quick=3, full=10, smoke=2)
rows = []
for batch_size in (16, 64, 256, 1024):
    keras.utils.set_random_seed(0)
    model = compiled(mlp())
    timer = EpochTimer(verbose=False)  # epochs after the first: compilation left out
    model.fit(x_train, y_train, epochs=EPOCHS, batch_size=batch_size, verbose=0, callbacks=[timer])
    rows.append(
        {
            "batch size": batch_size,
            "steps per epoch": int(np.ceil(len(y_train) / batch_size)),
            "seconds per epoch": timer.steady_seconds,
            "test accuracy": model.evaluate(x_test, y_test, verbose=0)[1],
        }
    )
batches = pd.DataFrame(rows).set_index("batch size")
batches.round(3)

# %% [markdown]
# Larger batches make each epoch faster (fewer, better-parallelised steps) but, for a fixed
# number of epochs, learn less: with 1,024 images per step the network takes only a handful of
# steps per epoch. Very small batches learn a lot per epoch but waste the hardware. Compensating
# a large batch needs a larger learning rate or more epochs; the middle sizes are the easy
# choice.
#
# ## Batch normalization
#
# Batch normalization standardizes each unit's input over the mini-batch (zero mean, unit
# variance, then a learned scale and shift). It keeps activations in a sane range however many
# layers are stacked, so that gradients neither explode nor vanish. First, the effect per
# epoch on an ordinary network; then a deep sigmoid network trained with plain SGD, which
# cannot learn without it.

# %%
histories, timers = {}, {}
for name, network, optimizer, lr in [
    ("2 x 256 ReLU, Adam", lambda bn: mlp((256, 256), batch_norm=bn), "adam", 1e-3),
    ("10 x 64 sigmoid, SGD", lambda bn: mlp((64,) * 10, "sigmoid", batch_norm=bn), "sgd", 0.1),
]:
    for bn in (False, True):
        keras.utils.set_random_seed(0)
        model = compiled(network(bn), learning_rate=lr, optimizer=optimizer)
        timers[(name, bn)] = EpochTimer(verbose=False)
        histories[(name, bn)] = model.fit(
            x_train,
            y_train,
            epochs=profile.pick(quick=5, full=15, smoke=2),
            batch_size=64,
            validation_data=(x_test, y_test),
            callbacks=[timers[(name, bn)]],
            verbose=0,
        )

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, name in zip(axes, ["2 x 256 ReLU, Adam", "10 x 64 sigmoid, SGD"]):
    for bn, style in ((False, "o--"), (True, "s-")):
        acc = histories[(name, bn)].history["val_accuracy"]
        ax.plot(range(1, len(acc) + 1), acc, style, label="with batch norm" if bn else "without")
    ax.set(title=name, xlabel="epoch", ylabel="test accuracy", ylim=(0, 1))
    ax.legend()
plt.show()

bn_table = pd.DataFrame(
    {
        f"{name}, {'with' if bn else 'without'} batch norm": {
            "test accuracy after epoch 1": h.history["val_accuracy"][0],
            "after the last epoch": h.history["val_accuracy"][-1],
            "at the best epoch": max(h.history["val_accuracy"]),
            "seconds per epoch": timers[(name, bn)].steady_seconds,
        }
        for (name, bn), h in histories.items()
    }
).T
bn_table.round(3)

# %% [markdown]
# Left: on the ordinary network batch normalization brings no gain (the table's first two rows):
# at its best epoch and at its last it is not ahead of the network without it. After the first
# epoch it is level or behind, depending on the random draw, and over a longer run (the full
# profile's 15 epochs) its test accuracy wanders more from epoch to epoch. A two-layer ReLU
# network trained with Adam has no trouble that normalization would fix. Right: the ten-layer
# sigmoid network without normalization stays near chance (10 %); its gradients vanish on the
# way back ([lecture 5](05_neural_network_basics.ipynb)). The same network with batch
# normalization learns. The course found that batch normalization makes each epoch take around
# twice as long, for its convnets on a GPU; on these small dense networks the seconds per epoch
# in the table are close, because the normalization is a small part of the work.

# %% [markdown]
# **Does batch normalization make input standardization unnecessary?** The course answered
# no: its fish classifiers used batch normalization and still gained from standardized
# inputs. We measure it on the ordinary network: the same runs on the raw pixel values
# (0 to 255) instead of values scaled to 0 to 1.

# %%
input_scale = {}
for bn in (False, True):
    keras.utils.set_random_seed(0)
    model = compiled(mlp((256, 256), batch_norm=bn))
    raw = model.fit(
        255 * x_train,
        y_train,
        epochs=profile.pick(quick=5, full=15, smoke=2),
        batch_size=64,
        validation_data=(255 * x_test, y_test),
        verbose=0,
    )
    input_scale["with batch norm" if bn else "without"] = {  # each at its best epoch
        "pixels scaled to 0-1": max(histories[("2 x 256 ReLU, Adam", bn)].history["val_accuracy"]),
        "raw pixels 0-255": max(raw.history["val_accuracy"]),
    }
input_scale = pd.DataFrame(input_scale).T
input_scale.round(3)

# %% [markdown]
# Test accuracy at each run's best epoch, since with batch normalization it wanders from epoch
# to epoch. Without batch normalization, raw pixels cost several points. With it, raw and
# scaled pixels reach the same level: the normalization after the first layer undoes the
# inputs' scale, so on this network the course's "no" does not hold for accuracy. Scale the
# inputs anyway: it costs nothing, and it keeps the first layer's pre-activations, before any
# normalization, in a range where a default initialization and learning rate make sense.

# %% tags=["remove-cell"]
deep_plain = histories[("10 x 64 sigmoid, SGD", False)].history["val_accuracy"][-1]
deep_bn = histories[("10 x 64 sigmoid, SGD", True)].history["val_accuracy"][-1]
if not profile.smoke:  # needs real training: not in a smoke run
    assert deep_plain < 0.3 and deep_bn > 0.7, (deep_plain, deep_bn)
    # On the ordinary network batch norm changes little; it does undo the raw pixels' scale.
    plain, normalized = bn_table.iloc[0], bn_table.iloc[1]
    for column in ("at the best epoch", "after the last epoch"):
        assert normalized[column] < plain[column] + 0.02, bn_table
    scaled, raw = input_scale["pixels scaled to 0-1"], input_scale["raw pixels 0-255"]
    assert raw["without"] < scaled["without"] - 0.03, input_scale
    assert abs(raw["with batch norm"] - scaled["with batch norm"]) < 0.02, input_scale
    assert batches["seconds per epoch"].iloc[0] > batches["seconds per epoch"].iloc[-1], batches
    assert batches["test accuracy"].iloc[-1] < batches["test accuracy"].iloc[:3].max()

# %% [markdown]
# ## Standardizing and whitening colour images
#
# Networks train best on inputs with zero mean and comparable scales. For images the pixels of
# each colour channel are treated as samples: subtract the channel mean and divide by its
# standard deviation. In regression, standardize the targets too (a price in dollars, squared
# in the loss, makes enormous first gradients), and invert the standardization on the
# network's predictions before using them. The RGB values of natural images are strongly
# correlated (a bright pixel is bright in all three channels). **PCA whitening** rotates them
# onto their principal axes and scales each axis to unit variance: uncorrelated, but the
# channels are now mixtures. **ZCA whitening** rotates back after scaling: still uncorrelated,
# but as close as possible to the original colours. We use the pixels of a real photograph
# (scikit-image's coffee cup).

# %%
coffee = load_images(["coffee"]).coffee.astype(float) / 255
rgb = coffee.reshape(-1, 3)
centred = rgb - rgb.mean(axis=0)
standardized = centred / rgb.std(axis=0)
eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred, rowvar=False))
pca_white = centred @ eigenvectors / np.sqrt(eigenvalues + 1e-5)
zca_white = pca_white @ eigenvectors.T
versions = {
    "original (centred)": centred,
    "standardized per channel": standardized,
    "PCA whitened": pca_white,
    "ZCA whitened": zca_white,
}
print(
    "correlation of R and G:",
    {k: round(float(np.corrcoef(v[:, 0], v[:, 1])[0, 1]), 3) for k, v in versions.items()},
)

sample = np.random.default_rng(0).choice(len(rgb), 3000, replace=False)
fig, axes = plt.subplots(1, 4, figsize=(14, 3.6))
for ax, (name, values) in zip(axes, versions.items()):
    ax.scatter(values[sample, 0], values[sample, 1], s=2, c=rgb[sample], alpha=0.6)
    ax.set(title=name, xlabel="channel 1 (R)", ylabel="channel 2 (G)", aspect="equal")
plt.show()

# %% [markdown]
# Each point is a pixel, drawn in its own colour. The original R and G values lie along a
# diagonal (correlation near 1). Standardizing rescales the axes but keeps the correlation. PCA
# whitening turns the cloud into a round blob, rotated so that the axes are no longer R and G.
# ZCA whitening is also round but keeps the axes' meaning: it only scales along the principal
# axes, as the tutorial puts it.

# %% tags=["remove-cell"]
for name in ("PCA whitened", "ZCA whitened"):
    assert np.allclose(np.cov(versions[name], rowvar=False), np.eye(3), atol=1e-2), name
assert (
    np.allclose(standardized.std(axis=0), 1) and abs(np.corrcoef(rgb[:, 0], rgb[:, 1])[0, 1]) > 0.8
)

# %% [markdown]
# The same principal components give AlexNet's *lighting* augmentation, which the tutorial
# recommends for images: add to every pixel of an image one random colour shift, a normally
# distributed multiple (standard deviation 10 %) of each component's standard deviation along
# that component. Each copy is the photograph under slightly different light; the shift is
# mostly along the first component, brightness, with a little change of hue.

# %%
rng = np.random.default_rng(1)
fig, axes = plt.subplots(1, 5, figsize=(14, 2.8))
axes[0].imshow(coffee)
axes[0].set_title("original")
lighting_shifts = []
for ax in axes[1:]:
    shift = eigenvectors @ (rng.normal(0, 0.1, 3) * np.sqrt(eigenvalues))
    lighting_shifts.append(shift)
    ax.imshow(np.clip(coffee + shift, 0, 1))
    ax.set_title("RGB shift " + ", ".join(f"{v:+.3f}" for v in shift), fontsize=8)
for ax in axes:
    ax.set(xticks=[], yticks=[])
fig.suptitle("Lighting augmentation along the principal components of the colours")
plt.show()

# %% [markdown]
# ## Augmentation that respects the domain, geometric patience and dropout
#
# **Augmentation** shows the network transformed copies of the training images: here mirrored and
# shifted by up to 10 % (rotations and zooms are other common choices). The transformations must
# keep the label true. A T-shirt flipped left-right is still a T-shirt, so flips are fine here; a
# flipped "b" is a "d", so for characters they are not. Keras' random layers apply the
# transformations during training only.
#
# **Geometric patience** (the tutorial's early stopping rule): every time validation loss
# improves at epoch e, agree to train until epoch 2e; stop when that epoch arrives without a
# new best, and keep the best weights. It is `helpers.training.GeometricPatience`: Keras'
# `EarlyStopping`, whose patience is recomputed after every epoch. **Dropout** randomly
# silences half the units of a layer during training, so that no unit can rely on another.

# %%
augment = keras.Sequential(
    [
        keras.layers.RandomFlip("horizontal"),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
    ],
    name="augment",
)
keras.utils.set_random_seed(1)
examples = np.repeat(x_train[:1], 8, axis=0)
augmented = ops.convert_to_numpy(augment(examples, training=True))
fig, axes = plt.subplots(1, 8, figsize=(10, 1.7))
for ax, image in zip(axes, augmented):
    ax.imshow(image[:, :, 0], cmap="gray_r")
    ax.set(xticks=[], yticks=[])
fig.suptitle(f"Eight augmented copies of one training image ({names[y_train[0]]})")
plt.show()

# %%


def small_convnet(augmentation=None, dropout=0.0):
    layers = [keras.Input((28, 28, 1))]
    if augmentation is not None:
        layers.append(augmentation)
    layers += [
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dropout(dropout),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
    return keras.Sequential(layers)


# %%
N_SMALL = profile.pick(quick=600, full=6000, smoke=600)
# The last 1000 training images validate, for early stopping.
x_val, y_val = x_train[-1000:], y_train[-1000:]
x_fit, y_fit = x_train[:N_SMALL], y_train[:N_SMALL]
variants = {
    "plain": {},
    "dropout 0.5": {"dropout": 0.5},
    "augmentation + dropout": {"augmentation": augment, "dropout": 0.5},
}
results, curves = {}, {}
for name, options in variants.items():
    keras.utils.set_random_seed(0)
    model = compiled(small_convnet(**options))
    stopper = GeometricPatience("val_loss", factor=2, min_epochs=4)
    curves[name] = model.fit(
        x_fit,
        y_fit,
        epochs=profile.pick(quick=40, full=100, smoke=6),
        batch_size=32,
        validation_data=(x_val, y_val),
        callbacks=[stopper],
        verbose=0,
    )
    results[name] = {
        "epochs run": len(curves[name].history["loss"]),
        "best epoch": stopper.best_epoch + 1,  # Keras counts epochs from 0
        "train accuracy": model.evaluate(x_fit, y_fit, verbose=0)[1],
        "test accuracy": model.evaluate(x_test, y_test, verbose=0)[1],
    }
    if name == "augmentation + dropout":
        regularized = model
regularization = pd.DataFrame(results).T
regularization["train-test gap"] = (
    regularization["train accuracy"] - regularization["test accuracy"]
)
regularization.round(3)

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.5), sharey=True)
for ax, (name, history) in zip(axes, curves.items()):
    plot_learning_curves(history, ["loss"], axes=[ax])
    ax.axvline(results[name]["best epoch"], color="grey", ls=":", label="best epoch")
    ax.set_title(name)
plt.show()

# %% [markdown]
# Trained on 600 images, the plain network soon fits its training set far better than new
# data: the validation loss turns upwards, and geometric patience stops the run at twice the
# best epoch, keeping the best weights. With dropout the validation loss keeps improving for
# much longer, so patience lets it train longer. Whether it also ends better on the test set,
# this one run cannot tell: on 600 images the difference is of the size that another random
# draw of the initial weights makes, and its sign changes with the draw (JAX, which draws other
# weights from the same seed, puts the plain network ahead). Settling it takes several draws
# and the standard error of their mean difference.
#
# Dropout alone does not narrow the gap between training and test accuracy: it lets the network
# train longer, and in our runs with other seeds its gap ended near the plain network's, more
# often a little wider than narrower. Augmentation narrows it: copies that change every epoch
# are harder to memorise, so training accuracy stays closer to test accuracy. In our runs with
# other seeds its gap was narrower than the plain network's every time, though one run, as
# here, can show it by less than its noise (the last column).
# Augmented data also takes longer to fit, so a budget of 40 epochs may stop it before its test
# accuracy catches up.

# %% tags=["remove-cell"]
if not profile.smoke:  # needs real training: not in a smoke run
    gap = regularization["train-test gap"]
    assert gap["augmentation + dropout"] < gap["plain"] + 0.02, regularization  # not wider
    assert (
        regularization.loc["plain", "epochs run"] < regularization.loc["dropout 0.5", "epochs run"]
    )
    assert regularization["test accuracy"].min() > 0.65, regularization

# %% [markdown]
# ## Saliency: which pixels does the prediction depend on?
#
# The gradient of a class score with respect to the input pixels says how much each pixel
# would change the score: a *saliency map*. Bright pixels are those the network is "looking
# at". The tutorial's whale example found a network locked onto the shape of the ocean rather
# than the whale; saliency is how such shortcuts get noticed.


# %%
def saliency(model, image, class_index):
    """|d score / d pixel| for one image and class (score: the class's logit)."""
    # The last layer is Dense(10, softmax): its input is the hidden layer, so the logit is
    # that input times the layer's weights, plus its bias.
    hidden = keras.Model(model.inputs, model.layers[-1].input)
    kernel, bias = model.layers[-1].get_weights()

    def score(x):
        h = hidden(x, training=False)
        return (ops.matmul(h, kernel[:, class_index]) + bias[class_index])[0]

    (grad,) = gradients(score, image[np.newaxis])
    return np.abs(grad[0, :, :, 0])


def occlusion(model, image, class_index, patch=6, stride=2):
    """How much the class probability drops when a patch is blanked, averaged per pixel."""
    corners = [(r, c) for r in range(0, 29 - patch, stride) for c in range(0, 29 - patch, stride)]
    blanked = np.repeat(image[np.newaxis], len(corners), axis=0)
    for k, (r, c) in enumerate(corners):
        blanked[k, r : r + patch, c : c + patch] = 0  # the background's value
    base = model.predict(image[np.newaxis], verbose=0)[0, class_index]
    drops = base - model.predict(blanked, verbose=0)[:, class_index]
    total, covered = np.zeros(image.shape[:2]), np.zeros(image.shape[:2])
    for drop, (r, c) in zip(drops, corners):
        total[r : r + patch, c : c + patch] += drop
        covered[r : r + patch, c : c + patch] += 1
    return total / covered


# %%
picks = [np.flatnonzero(y_test == c)[0] for c in (0, 1, 5, 7, 8, 9)]
fig, axes = plt.subplots(3, len(picks), figsize=(11, 6))
occlusion_maps = []
for k, i in enumerate(picks):
    predicted = int(np.argmax(regularized.predict(x_test[i : i + 1], verbose=0)))
    axes[0, k].imshow(x_test[i, :, :, 0], cmap="gray_r")
    axes[0, k].set_title(f"{names[y_test[i]]}\npredicted {names[predicted]}", fontsize=8)
    axes[1, k].imshow(saliency(regularized, x_test[i], predicted), cmap="hot")
    occlusion_maps.append(occlusion(regularized, x_test[i], predicted))
    axes[2, k].imshow(np.maximum(occlusion_maps[-1], 0), cmap="hot")  # drops only
for ax in axes.ravel():
    ax.set(xticks=[], yticks=[])
axes[1, 0].set_ylabel("gradient")
axes[2, 0].set_ylabel("occlusion")
fig.suptitle("Saliency: the gradient (middle) and blanking 6 x 6 patches (bottom)")
print(f"occlusion: {len(range(0, 29 - 6, 2)) ** 2} patch positions per image")
plt.show()

# %% [markdown]
# The gradient maps are noisy, but they mostly follow the objects: the sides of the T-shirt,
# the gap between the trouser legs, the soles of the shoes. A map lighting up the empty
# background would be the warning sign, as the ocean was for the whales. (The score is the
# class's logit, before the softmax. The last layer's *input* is the hidden layer, not the
# logits: a gradient of that input would be the saliency of one hidden unit.) The gradient is
# local: it says what a tiny change of one pixel would do. The whale solution in the tutorial
# used the other kind, a region-based map: blank a patch, see how much the class probability
# drops, and slide the patch over the image (the bottom row shows the drops; where blanking
# raised the probability, as in the middle of the sandal, the map is black). It costs one
# prediction per patch position (the count is printed above) and answers a coarser but more
# direct question: which parts the prediction needs. Here they are parts of the objects: the
# trousers' gap, the toe and heel of the shoes, the bag's lower corners.

# %% tags=["remove-cell"]
# Every gradient map has signal (the score is the logit, not a possibly dead hidden unit).
assert all(saliency(regularized, x_test[i], int(y_test[i])).max() > 0 for i in picks)

# %% [markdown]
# ## A network that predicts a constant
#
# A classic failure: the loss drops once and then sits still, and the network gives nearly
# the same answer for every input. We provoke it by forgetting to scale the inputs (pixels
# 0-255 instead of 0-1) and training with plain SGD at rate 0.1. The first updates are huge,
# most ReLUs die (their input is negative for every image, so no gradient reaches them), and
# what is left is the output layer's biases. The best constant answer is the class frequencies,
# whose cross-entropy is the entropy of the class prior: $\ln 10$ for ten balanced classes.

# %%
keras.utils.set_random_seed(0)
broken = compiled(mlp((256, 256)), learning_rate=0.1, optimizer="sgd")
raw_pixels = x_train * 255  # forgot to scale
broken_history = broken.fit(raw_pixels, y_train, epochs=4, batch_size=64, verbose=0)
predictions = broken.predict(x_test * 255, verbose=0)
predicted = predictions.argmax(axis=1)
top_share = np.bincount(predicted).max() / len(predicted)
# One class at probability 1 for every image: Keras clips it at 1 - 1e-7, so the nine tenths
# of the images of other classes each cost -ln(1e-7).
saturated = 0.9 * -np.log(1e-7)
print("loss per epoch:", np.round(broken_history.history["loss"], 3))
print(f"ln(10) = {np.log(10):.3f}; one class certain for every image: {saturated:.3f}")
print(
    f"test accuracy: {(predicted == y_test).mean():.3f}; "
    f"{top_share:.1%} of the test images get the same class"
)
print(
    "largest spread of a class probability across images:",
    round(float(predictions.std(axis=0).max()), 4),
)

# %% [markdown]
# How to notice it: after a first enormous loss (the unscaled inputs blow up the first step), the
# loss stops moving; nearly every input gets the same predicted probabilities (their spread
# across images is tiny, because almost all ReLUs are dead); one class is predicted for almost
# everything, and the accuracy is that of guessing. Where the loss settles depends on how far
# the first steps threw the output layer. With TensorFlow it comes back to the prior's entropy,
# $\ln 10$. With the JAX backend the same code gets stuck further out: one class at probability
# 1 for every image, a loss of $0.9 \times \ln 10^7$ (both values are printed above), and
# there the clipped probability passes no gradient back, so it never recovers. Either way the
# first check is always the data going in (scaled? labels shuffled together with the inputs?),
# then the learning rate.

# %% tags=["remove-cell"]
assert top_share > 0.9 and (predicted == y_test).mean() < 0.2
stuck = broken_history.history["loss"][-1]
assert min(abs(stuck - np.log(10)), abs(stuck - saturated)) < 0.05, stuck  # one of the two
assert abs(broken_history.history["loss"][-2] - stuck) < 0.05  # and it no longer moves
assert float(predictions.std(axis=0).max()) < 0.05

# %% [markdown]
# ## What we learned
#
# - Batch size trades speed per epoch against progress per epoch; 64-256 is the easy middle.
# - Batch normalization lets a deep sigmoid network train at all; on a shallow ReLU network it
#   changes little, and there it also undoes the scale of raw inputs.
# - Standardize inputs per channel (and regression targets); PCA and ZCA whitening also remove
#   correlations, ZCA without rotating the colours away; the same components give AlexNet's
#   lighting augmentation.
# - Augment with transformations that keep the label; stop with geometric patience and keep
#   the best weights; augmentation narrows the train-test gap; dropout alone lets the network
#   train longer without narrowing it.
# - Saliency maps show what a prediction depends on: the gradient per pixel, or the drop when
#   a patch is blanked (occlusion); a loss stuck at the class-prior entropy
#   with identical outputs means the network predicts a constant.
#
# ## Exercises
#
# Exercises 2, 3 and 6 check your answer: fill in the cell under the exercise and run it. It
# says **Correct**, or **Not yet** with a hint aimed at the mistake. `ex.q2.hint()` prints a
# hint and `ex.q2.solution()` the answer (likewise `ex.q3`, `ex.q6`).
#
# 1. Give the batch-size-1,024 run a 4x larger learning rate. How much of the gap closes?
# 2. Put batch normalization *after* the activation instead of before, in the 2 x 256 ReLU
#    network of `mlp`. Does it matter here?

# %%
from helpers.exercises import lecture07 as ex

bn_after = ...  # the 2 x 256 ReLU network with batch norm after each activation
ex.q2.check(bn_after)

# %% [markdown]
# 3. Whiten the Fashion-MNIST pixels with ZCA (784 dimensions; keep a small epsilon), written
#    as a function of an (images, pixels) array and epsilon. What do the whitened images look
#    like, and why?

# %%
zca_whiten = ...  # a function (pixels, epsilon) -> the ZCA-whitened pixels
ex.q3.check(zca_whiten)

# %% [markdown]
# 4. Add `RandomFlip("vertical")` to the augmentation. Is that a domain-respecting choice for
#    clothes? Measure it.
# 5. Make the constant-predicting network train by fixing only the input scaling; then by
#    fixing only the learning rate. Which fix is enough?
# 6. A network is stuck at a constant answer on a data set whose three classes make up 50 %,
#    30 % and 20 % of the images. At what mean cross-entropy does it settle, at best?

# %%
stuck_loss = ...  # the loss of the best constant answer
ex.q6.check(stuck_loss)

# %% [markdown]
# ## Solutions
#
# Two of the exercises, worked. Unfold a cell to read a solution; the book runs them when it
# is built, so they are checked like every other cell.
#
# **Exercise 3** (ZCA whitening of the Fashion-MNIST pixels):


# %% tags=["hide-cell"]
# ZCA removes the correlations between neighbouring pixels, which carry most of an image's
# variance: what is left are the edges, as after an edge filter. The small epsilon keeps the
# many tiny eigenvalues (near-constant border pixels) from being blown up into noise.
def zca_whiten(pixels, epsilon):
    """ZCA-whitened copy of an (images, pixels) array."""
    centred = pixels - pixels.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    return centred @ vectors @ np.diag(1 / np.sqrt(values.clip(0) + epsilon)) @ vectors.T


pixels = x_train.reshape(len(x_train), -1)
whitened = zca_whiten(pixels, 1e-2)
fig, axes = plt.subplots(2, 6, figsize=(11, 4))
for k in range(6):
    axes[0, k].imshow(pixels[k].reshape(28, 28), cmap="gray_r")
    axes[1, k].imshow(whitened[k].reshape(28, 28), cmap="RdBu_r")
    axes[0, k].set_title(names[y_train[k]], fontsize=8)
for ax in axes.ravel():
    ax.set(xticks=[], yticks=[])
axes[0, 0].set_ylabel("original")
axes[1, 0].set_ylabel("ZCA whitened")
plt.show()
neighbours = [np.corrcoef(v[:, 14 * 28 + 13], v[:, 14 * 28 + 14])[0, 1] for v in (pixels, whitened)]
print(
    f"correlation of two neighbouring pixels: {neighbours[0]:.2f} before, {neighbours[1]:.2f} after"
)
assert neighbours[0] > 0.5 and abs(neighbours[1]) < neighbours[0] / 2
ex.q3.check(zca_whiten)

# %% [markdown]
# **Exercise 5** (fix only the input scaling, or only the learning rate):

# %% tags=["hide-cell"]
# Either fix alone lets the network learn: with scaled inputs SGD at 0.1 is fine, and with
# raw pixels a learning rate 1000 times smaller keeps the first steps from saturating the
# units, though in 4 epochs it gets less far, by how much depending on the initial weights
# (JAX draws other ones than TensorFlow from the same seed). Scaling is the better fix: it
# helps every optimiser and learning rate.
fixes = {
    "scaled inputs, rate 0.1": (x_train, x_test, 0.1),
    "raw pixels, rate 1e-4": (raw_pixels, x_test * 255, 1e-4),
}
fixed_accuracy = {}
for name, (inputs, test_inputs, rate) in fixes.items():
    keras.utils.set_random_seed(0)
    net = compiled(mlp((256, 256)), learning_rate=rate, optimizer="sgd")
    net.fit(inputs, y_train, epochs=4, batch_size=64, verbose=0)
    fixed_accuracy[name] = net.evaluate(test_inputs, y_test, verbose=0)[1]
print({name: round(acc, 3) for name, acc in fixed_accuracy.items()})

# %% tags=["remove-cell"]
if not profile.smoke:  # needs real training: not in a smoke run
    # Both learn: far above the 10 % of the stuck network's constant answer.
    assert min(fixed_accuracy.values()) > 0.3, fixed_accuracy
