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
# # 9. Transfer learning and fine-tuning
#
# Labels are expensive and training from random weights needs many of them. A network trained
# on a large dataset has already learned edges, textures and parts in its lower layers; we can
# keep those layers (the *body*), replace the task-specific top (the *head*), and train on our
# own small dataset. This lecture measures when that pays, takes VGG-16 apart to see where its
# parameters and its computation are, and then follows the course's image competition step by
# step: a head on cached features, augmentation with warm restarts, unfreezing with
# differential learning rates, and test-time augmentation. It ends with the body used *fully
# convolutionally*: slid over a larger image in one pass.
#
# **You will learn to**
# - say when a pretrained body beats training from scratch, from a measured curve, and tell
#   what its weights add from what freezing adds, with a control;
# - count where a network's parameters and multiply-adds are, and what replacing its top costs;
# - train a new head on cached features, and explain why augmentation does nothing there;
# - fine-tune with warm restarts and differential learning rates, and average over augmented
#   copies at test time;
# - turn a dense head into a convolution and slide the whole classifier over a larger canvas.
#
# **Follows** the course posts on pretraining (seed 000), on VGG-16 and fine-tuning (seed 002),
# and on the image competition with fastai (seed 003).
# **Run time:** under 4 minutes on a 2-core CPU ([measured](execution_statistics.md)) in the
# quick profile (Fashion-MNIST stand-ins, named below); the full profile measures the
# transfer curve at more label counts and seeds.
#
# **What stands in for the seeds' photos.** No photo set of cats and dogs or of invasive plants
# ships offline. We use Fashion-MNIST's real images, constructed into tasks and announced as
# such when they load, and two bodies that `helpers` pretrained:
#
# - for the transfer curve, five of the classes and two bodies: one pretrained on the *other*
#   five classes (T-shirts, trousers, dresses, sandals, sneakers), which never saw these, and
#   one pretrained on all ten classes but only on the first 40,000 training images, which
#   never saw the images we label;
# - for the competition, coats against pullovers with the competition's exact sizes, and the
#   second body. Like the seed's ImageNet network, which had learned from many photos of
#   plants, it knows this kind of image; like it, it has seen none of the competition's
#   images, which come from the other 20,000.
#
# **Where the seeds are corrected.** Seed 000's figure shows the pretrained network
# "superior" with few labels. That holds for a body that learned the new classes' kind of
# object, as ImageNet's had learned cats and dogs, and we measure it; a body that learned
# other classes is, with 20 labels, little better than the same body with random weights, a
# control the seed did not run. Seed 003 says that with `precompute=True` all layers but
# the last are frozen; more precisely, the frozen body's outputs are computed once and cached,
# so augmentation cannot act while they are: its first 94.8 % saw no augmentation, which is
# why it sets `precompute=False` before training with augmentation. Seed 002's code comment
# "update new layers with standard learning rate" appears twice; the second belongs to the
# pretrained layers, at a tenth of the rate.

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
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from helpers.backbones import FASHION_BODIES, fashion_body, load_backbone
from helpers.constructed import make_fashion_locations, make_fashion_pair
from helpers.datasets import load_cats_vs_dogs, load_fashion_mnist
from helpers.fetch import DataUnavailableError
from helpers.interpret import Interpretation, paired_gap
from helpers.learner import Learner, discriminative
from helpers.schedules import ParamScheduler, sgdr
from helpers.training import FlipZoom, cached_features, predict_tta, reestimate_batch_norm

L = keras.layers

# %% [markdown]
# ## When does transfer pay?
#
# Seed 000 shows a curve of cats against dogs where the pretrained network is "superior",
# without numbers. We measure the same comparison on classes the body never saw. The body
# below was pretrained by `helpers` on half of Fashion-MNIST's classes only (T-shirt/top,
# trouser, dress, sandal, sneaker); the other five (pullover, coat, shirt, bag, ankle boot)
# are new to it. Each half has tops and footwear, so the new classes are new but not foreign.
# For a growing number of labelled images of the new classes we train
#
# - **other classes**: that frozen body with a new linear head, trained on its features;
# - **from scratch**: the same architecture with random weights, trained end to end;
# - **random weights**, a control the seed does not run: the same frozen body with random
#   weights and a linear head. It tells apart two things the pretrained model does at once:
#   it uses what the body learned, and it fits only a head;
# - **same classes**, the seed's own situation (ImageNet's classes include many breeds of cat
#   and dog): a frozen body pretrained on all ten classes, from the first 40,000 training
#   images. The labelled images here come from the other 20,000, which no body saw. But the
#   body was trained on the labels of exactly these five classes (and five more), so its lead
#   with few labels is close to certain: it is the seed's situation, not a surprise. The
#   question the curve answers is the other body's.
#
# All get the same number of optimizer steps, and all are scored on the 5,000 test images of
# the new classes.
#
# Three tools do the work; the competition below takes each apart. The *head* is the new top:
# here a single dense layer on the body's flattened output. A frozen body gives an image the
# same output every time, so `cached_features` runs it once over the images and the head
# trains on the stored array, which is much faster than running the body every epoch. And a
# network trained from scratch for a few steps has batch-norm statistics (the running means
# and variances it normalises with at test time) that still partly hold their starting
# values; `reestimate_batch_norm` recomputes them from the training images after training
# (lecture 13 shows what they cost otherwise).

# %%
fashion = load_fashion_mnist()
half = load_backbone("fashion-mnist-half")
body_40k = load_backbone("fashion-mnist-40k")
NEW = [c for c in range(10) if c not in FASHION_BODIES["fashion-mnist-half"].classes]
number = np.searchsorted(NEW, np.arange(10))  # a new class -> the output of our 5-way head
first_unseen = FASHION_BODIES["fashion-mnist-40k"].items  # the 40k body saw the items before
unseen = np.arange(len(fashion.y_train)) >= first_unseen
is_new, is_new_test = np.isin(fashion.y_train, NEW) & unseen, np.isin(fashion.y_test, NEW)
x_new, y_new = fashion.x_train[is_new][..., None], number[fashion.y_train[is_new]]
x_new_test, y_new_test = fashion.x_test[is_new_test][..., None], number[fashion.y_test[is_new_test]]
print(
    f"new classes: {', '.join(fashion.class_names[c] for c in NEW)}; {len(x_new):,} to label "
    f"(training items {first_unseen:,} on), {len(x_new_test):,} test"
)

# %%
LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def train(model, x, y, steps=150, lr=1e-3, seed=0):
    """Adam for `steps` mini-batches of 32, reshuffled after every pass, in one call of `fit`
    (150 epochs of one batch each would spend most of their time starting and ending epochs)."""
    rng = np.random.default_rng(seed)
    passes = -(-steps * 32 // len(x))
    order = np.concatenate([rng.permutation(len(x)) for _ in range(passes)])[: steps * 32]
    model.compile(keras.optimizers.Adam(lr), LOSS, metrics=["accuracy"])
    model.fit(x[order], y[order], batch_size=32, shuffle=False, verbose=0)
    return model


def transfer_task(data, frozen, scratch):
    """What `frozen_vs_scratch` takes: the data (x, y, x_test, y_test), each frozen body with
    its features of the test images (computed once), and a function that builds scratch's net."""
    frozen = {name: (body, cached_features(body, data[2])) for name, body in frozen.items()}
    return data, frozen, scratch


def frozen_vs_scratch(task, n_labels, seed):
    """Test accuracy with n_labels training images, balanced over the classes: a linear head
    on each frozen body's features, and the whole network trained from scratch."""
    (x_all, y_all, x_test, y_test), frozen, scratch = task
    rng, k = np.random.default_rng(seed), int(y_all.max()) + 1
    by_class = [np.flatnonzero(y_all == c) for c in range(k)]
    pick = np.concatenate([rng.choice(i, n_labels // k, replace=False) for i in by_class])
    x, y = x_all[pick], y_all[pick]
    scores = {"labels": n_labels, "seed": seed}
    keras.utils.set_random_seed(seed)
    for name, (body, features_test) in frozen.items():
        features = cached_features(body, x)  # the frozen body, run once
        head = keras.Sequential([keras.Input(features.shape[1:]), L.Flatten(), L.Dense(k)])
        train(head, features, y, seed=seed)
        scores[name] = head.evaluate(features_test, y_test, verbose=0)[1]
    model = train(scratch(), x, y, seed=seed)
    reestimate_batch_norm(model, x)  # fair to scratch: see lecture 13
    scores["from scratch"] = model.evaluate(x_test, y_test, verbose=0)[1]
    return scores


# %%
keras.utils.set_random_seed(0)
frozen = {"other classes": half.model, "random weights": fashion_body()}
frozen["same classes"] = body_40k.model


def scratch_net():  # the bodies' architecture with random weights, and a 5-way head
    return keras.Sequential([keras.Input((28, 28, 1)), fashion_body(), L.Flatten(), L.Dense(5)])


new_half = transfer_task((x_new, y_new, x_new_test, y_new_test), frozen, scratch_net)


# %% [markdown]
# `fashion_body()` is the pretrained bodies' architecture with random weights, so the models
# differ only in where their body's weights come from and in which weights are trained.
# The quick profile measures two label counts, 20 and 500, with one draw of the labelled
# images; the full profile six, from 20 to 1,000, with three draws each.

# %%
label_counts = profile.pick(quick=(20, 500), full=(20, 50, 100, 200, 500, 1000), smoke=(20, 50))
seeds = profile.pick(quick=(0,), full=(0, 1, 2), smoke=(0,))
start = time.perf_counter()
curve = pd.DataFrame([frozen_vs_scratch(new_half, n, s) for n in label_counts for s in seeds])
print(f"{len(curve)} x 4 models in {time.perf_counter() - start:.0f} s")
MODELS = ["same classes", "other classes", "random weights", "from scratch"]
by_count = curve.groupby("labels")[MODELS].mean()
by_count["same classes over scratch"] = by_count["same classes"] - by_count["from scratch"]
by_count["other classes over random"] = by_count["other classes"] - by_count["random weights"]
by_count.round(3)

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, marker in zip(MODELS, "Do^s", strict=True):
    ax.plot(by_count.index, by_count[name], marker=marker, label=name)
    ax.scatter(curve["labels"], curve[name], s=10, alpha=0.5)  # each draw of the labels
ax.set(xscale="log", ylabel="test accuracy")
ax.set_xlabel("labelled training images of the five new classes")
ax.set_title("Five new classes: frozen bodies against training from scratch")
ax.set_xticks(label_counts, [f"{n:,}" for n in label_counts], minor=False)
ax.xaxis.set_minor_locator(plt.NullLocator())
ax.legend()
plt.show()

# %% tags=["remove-cell"]
# The seed's claim: the same-classes body, far ahead with few labels and first at every count.
same_few = by_count["same classes over scratch"].iloc[0]
assert same_few > 0.15, by_count
assert (by_count["same classes"] > by_count[MODELS[1:]].max(axis=1)).all(), by_count
# A body that learned other classes: with few labels, at most a little ahead of the random
# control and close to scratch; ahead of random with more labels; with hundreds, behind scratch.
learned_few, learned_many = by_count["other classes over random"].iloc[[0, -1]]
assert learned_few < 0.05, by_count
assert np.ptp(by_count[MODELS[1:]].iloc[0]) < 0.08, by_count
assert learned_many > max(learned_few, 0.03), by_count
assert by_count["from scratch"].iloc[-1] > by_count["other classes"].iloc[-1], by_count

# %% [markdown]
# With 20 labels, four images of a class, the body that learned these classes on other images
# is far ahead of everything else: that is the seed's figure, and it holds at every label
# count. The body that learned *other* classes is a different story. With 20 labels it is
# little ahead of the same frozen body with random weights, if at all (the last column), and
# the three models that know nothing of the new classes land within a few points of each
# other, in an order that changes with the draw of the 20 images (exercise 7 draws again).
# What it learned from T-shirts, trousers, dresses and shoes shows with hundreds of labels,
# where its features are clearly ahead of random ones. By then, though, the network trained
# from scratch has passed it, within the same 150 steps: a linear head can only recombine
# features made for other classes, while end-to-end training makes features for the new
# ones.
#
# So transfer pays at few labels when the body has learned the new classes' kind of object;
# five other classes of clothing are too narrow a schooling. The seed's ImageNet body learned
# 1,000 classes from 1.2 million photos, cats and dogs among them: it is our same-classes
# body, not our other-classes one. Yosinski and colleagues (2014) split ImageNet's classes
# into two random halves of 500 and found that features learned on one half transfer to the
# other, and transfer less between dissimilar halves (man-made objects against natural
# ones); exercise 6 tries a dissimilar split here.

# %% [markdown]
# ### The seed's own case: photographs of cats and dogs (full profile)
#
# The seed's curve is for photographs, with a body pretrained on ImageNet. The full profile
# (`HELPERS_PROFILE=full`, the default on a GPU) repeats the comparison on real photos when it
# can download them once: the 825 MB zip of Kaggle's 2013 cats-and-dogs competition (its sha256
# pinned), MobileNetV2's ImageNet body with a linear head against MobileNetV2 from random
# weights, 96×96 pixels. This is an easier case for transfer than our Fashion split: ImageNet's
# 1,000 classes include more than a hundred dog breeds and several cats. Offline, or in the
# quick profile this page was built with, the cell says so and the Fashion curve above stands
# in for it.

# %%
photo_curve = None
if profile.quick:
    print("quick profile: the cats-and-dogs curve runs with HELPERS_PROFILE=full")
else:
    try:
        photos = load_cats_vs_dogs(n_train=2 * max(label_counts), n_test=2000)
        imagenet = load_backbone("imagenet", channels=3)
    except DataUnavailableError as err:
        print(f"no cats-and-dogs curve: {err.reason}; the Fashion curve above stands in")
    else:

        def mobilenet(head=False):  # MobileNetV2, random weights (and a head), pixels 0-255
            scale = L.Rescaling(1 / 127.5, offset=-1)
            net = keras.applications.MobileNetV2((96, 96, 3), include_top=False, weights=None)
            top = [L.GlobalAveragePooling2D(), L.Dense(2)] if head else []
            return keras.Sequential([keras.Input((96, 96, 3)), scale, net, *top])

        keras.utils.set_random_seed(0)
        photo_bodies = {"same classes": imagenet.model, "random weights": mobilenet()}
        data = photos.x_train, photos.y_train, photos.x_test, photos.y_test
        cats_dogs = transfer_task(data, photo_bodies, lambda: mobilenet(head=True))
        rows = [frozen_vs_scratch(cats_dogs, n, s) for n in label_counts for s in seeds]
        photo_curve = pd.DataFrame(rows).groupby("labels")[[*photo_bodies, "from scratch"]].mean()
        print(photo_curve.round(3))

# %% tags=["remove-cell"]
# ImageNet features make cats and dogs easy from 20 labels on; 20 photos from scratch do not.
if photo_curve is not None:
    assert (photo_curve["same classes"] - photo_curve["from scratch"]).iloc[0] > 0.15, photo_curve
    assert photo_curve["same classes"].iloc[0] > 0.8, photo_curve

# %% [markdown]
# ## VGG-16: where the parameters are
#
# Seed 002 reuses VGG-16 (Simonyan and Zisserman, 2014): thirteen 3×3 convolutions in five
# blocks, each block ending in a 2×2 max pooling, then two dense layers of 4,096 units and a
# 1,000-way softmax. `keras.applications` builds it offline when we ask for no weights. Per
# layer we count the parameters and the multiply-adds for one 224×224 image (a convolution's
# kernel is applied at every position of its output map; a dense layer's once).

# %%
vgg = keras.applications.VGG16(weights=None)
rows = []
for layer in [layer for layer in vgg.layers if layer.weights]:
    kernel, out = layer.weights[0], layer.output.shape
    positions = out[1] * out[2] if kernel.ndim == 4 else 1  # a dense layer's kernel acts once
    work = int(np.prod(kernel.shape)) * positions
    rows.append((layer.name, layer.name.split("_")[0], layer.count_params(), work))
anatomy = pd.DataFrame(rows, columns=["layer", "block", "parameters", "multiply-adds"])
blocks = anatomy.groupby("block", sort=False)[["parameters", "multiply-adds"]].sum()
shares = (blocks / blocks.sum()).add_suffix(" share")
pd.concat([blocks, shares.round(3)], axis=1)

# %%
total = vgg.count_params()
convolutions = anatomy[anatomy.block.str.startswith("block")]
conv, conv_work = convolutions["parameters"].sum(), convolutions["multiply-adds"].sum()
fc6 = vgg.get_layer("fc1").count_params()
print(f"VGG-16: {total:,} parameters")
print(f"  convolutions {conv:,} ({conv / total:.1%})")
print(f"  the first dense layer {fc6:,} ({fc6 / total:.0%})")
print(f"  but the convolutions do {conv_work / anatomy['multiply-adds'].sum():.1%} of the work")

# %% tags=["remove-cell"]
assert total == 138_357_544 and conv == 14_714_688 and fc6 == 102_764_544
assert conv_work / anatomy["multiply-adds"].sum() > 0.99

# %% [markdown]
# Three quarters of the parameters sit in one layer, the first dense one (the paper's FC6,
# Keras' `fc1`), which maps the 7×7×512 feature map to 4,096 units. Almost all of the
# *computation* is in the convolutions. Both facts matter below: replacing the top is cheap
# to train but not small, and reusing the convolutions' output is where the time is saved.
#
# ### Replacing the top
#
# Seed 002 removes the three dense layers and puts a new head on the 7×7×512 map: a dense layer
# of 1,024 units with 50 % dropout, and a 21-way softmax (the 21 classes of its segmentation
# data).

# %%
fc1024, fc21 = L.Dense(1024, activation="relu"), L.Dense(21, activation="softmax")
block5 = keras.Input(vgg.get_layer("block5_pool").output.shape[1:])  # the 7x7x512 map
new_head = keras.Sequential([block5, L.Flatten(), fc1024, L.Dropout(0.5), fc21], name="new_head")
print(f"new head: {new_head.count_params():,} parameters, to train from random weights")

# %% tags=["remove-cell"]
assert new_head.count_params() == 25_712_661

# %% [markdown]
# The recipe is then: train only the new head while the body is frozen (a random head would
# send large, meaningless gradients into the body); then *fine-tune* everything with the
# pretrained layers at a lower rate, "normally 1/10th". The seed's Lasagne code uses Adam with
# `lr` for the new parameters and `lr * 0.1` for the pretrained ones; its second comment says
# "standard learning rate" again, a slip: that line is the tenth. In Keras, an optimizer has one
# learning rate; `helpers.learner.discriminative` multiplies it per variable inside the update
# step. Here is the whole recipe on VGG-16 (we build it, but do not train 138 million
# parameters on a laptop):

# %%
body_vgg = keras.Model(vgg.input, vgg.get_layer("block5_pool").output)
transfer = keras.Sequential([body_vgg, new_head])
body_vgg.trainable = False  # stage 1: only the new head learns
stage_1 = sum(int(np.prod(v.shape)) for v in transfer.trainable_variables)
transfer.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy")
body_vgg.trainable = True  # stage 2: everything, the pretrained layers at a tenth of the rate
tenth = {v.path: 0.1 for v in body_vgg.trainable_variables}
transfer.compile(discriminative(keras.optimizers.Adam(1e-3), tenth), "categorical_crossentropy")
print(f"stage 1 trains {stage_1:,} of {transfer.count_params():,} parameters")
print(f"stage 2 trains all of them, the {len(tenth)} pretrained tensors at a tenth of the rate")
del vgg, body_vgg, transfer  # 550 MB of random weights we no longer need

# %% tags=["remove-cell"]
assert stage_1 == new_head.count_params()  # frozen: only the new head is trainable

# %% [markdown]
# ## The competition, step by step
#
# Seed 003 enters a Kaggle competition (invasive species in photos) with fastai: 2,295 labelled
# images, 1,448 of one class and 847 of the other, 20 % held out for validation, and 1,531 test
# images. Its body is a ResNet pretrained on ImageNet, whose 1.2 million photos include many
# plants. Our stand-in has exactly those sizes: coats against pullovers, two classes that look
# alike at 28×28 pixels. The body plays ImageNet's part: it is the first section's
# "same classes" body, pretrained on the first 40,000 Fashion-MNIST training images of all ten
# classes, so it has learned what coats and pullovers look like; the competition's labelled
# images come from the other 20,000, which it never saw.

# %%
pair = make_fashion_pair("Coat", "Pullover", first_item=40_000)
x_all, y_all = pair.x_train[..., None], pair.y_train
x_train, x_valid, y_train, y_valid = train_test_split(x_all, y_all, test_size=0.2, random_state=0)
x_test, y_test = pair.x_test[..., None], pair.y_test
print(f"{len(x_train):,} train, {len(x_valid):,} validation, {len(x_test):,} test")
body = body_40k.copy()  # a copy of its own to fine-tune; body_40k stays as it was pretrained
LR = 3e-3

# %% [markdown]
# ### Step 1: a head on cached features
#
# With the body frozen, its output for a given image never changes, so we compute it once for
# every image and train the head on the stored array (fastai's `precompute=True`). The head is
# the last layer the seed replaces, here a dense layer on the flattened 7×7×64 map, with some
# dropout. The seed trains it for three epochs at a rate of `1e-2`; we use Adam.

# %%
start = time.perf_counter()
f_train, f_valid, f_test = (cached_features(body.model, x) for x in (x_train, x_valid, x_test))
print(f"features of {len(y_all) + len(y_test):,} images in {time.perf_counter() - start:.1f} s")
keras.utils.set_random_seed(0)
head = keras.Sequential(
    [keras.Input(f_train.shape[1:]), L.Flatten(), L.Dropout(0.25), L.Dense(2, activation="softmax")]
)
head.compile(keras.optimizers.Adam(LR), "sparse_categorical_crossentropy", metrics=["accuracy"])
start = time.perf_counter()
h1 = head.fit(
    f_train, y_train, validation_data=(f_valid, y_valid), epochs=3, batch_size=64, verbose=0
)
cached_seconds = time.perf_counter() - start
print("validation accuracy per epoch:", np.round(h1.history["val_accuracy"], 4))
test_accuracy = {"head on cached features": head.evaluate(f_test, y_test, verbose=0)[1]}

# %% [markdown]
# **Why augmentation does nothing here.** Seed 003 defines its augmentation (flips and zooms
# up to 1.1) from the start, but with `precompute=True` the augmented images never reach the
# model: the body's outputs were computed once, from the images as they are, and the head
# trains on those. So the seed sets `precompute=False` before its next step, and the frozen
# body runs on freshly augmented images every epoch, with warm restarts. Its validation
# accuracy then reads 94.3 %, 94.1 % and 94.8 % over three epochs, where it was 94.8 %
# before: no gain that its 459 validation images could show, since one standard error there
# is about a point. In Keras, a cached body ignores augmentation for a clear reason. Random
# augmentation layers act only in training mode, and
# computing features is inference; put the augmentation in front of the body and the cache is
# the same: bit for bit on TensorFlow, and to float rounding on JAX (which compiles the longer
# model as a whole and may order its sums differently):

# %%
# side-on images: flips, and fastai's max_zoom=1.1 halved for 28-pixel items
augment = keras.Sequential([L.RandomFlip("horizontal"), L.RandomZoom(0.05)], name="augment")
with_augment = cached_features(keras.Sequential([augment, body.model]), x_valid)
difference, largest = np.abs(with_augment - f_valid).max(), np.abs(f_valid).max()
print(f"augmentation in front: largest difference {difference:.1e} (features up to {largest:.1f})")

# %% tags=["remove-cell"]
# Inference mode: augmentation is the identity (on TensorFlow bit for bit).
assert np.allclose(with_augment, f_valid, rtol=1e-5, atol=1e-5), difference
assert keras.backend.backend() != "tensorflow" or np.array_equal(with_augment, f_valid)
seen = keras.ops.convert_to_numpy(augment(x_valid[:64], training=True))
assert not np.array_equal(seen, x_valid[:64])  # ... while in training mode it changes images

# %% [markdown]
# ### Step 2: augmentation, with warm restarts
#
# To augment, the body must run inside the training loop again: images → augmentation →
# frozen body → the head we just trained. Training then costs a forward pass through the body
# for every image of every epoch. `helpers.learner.Learner` holds the model, its data and its
# layer groups; we give it the body's first block as one group and blocks 2-3 as another, so
# that with the head there are three groups, as in the seed's ResNet.
#
# The seed trains three cycles of one epoch each with SGDR (stochastic gradient descent with
# warm restarts, Loshchilov and Hutter 2016): within a cycle the rate falls along a cosine,
# then jumps back up. `helpers.schedules.ParamScheduler` sets the rate before every batch.
#
# Where the augmentation runs matters for speed. Placed in the model, as above, the Keras
# layers run inside the compiled training step, and on JAX `RandomZoom` cannot be compiled:
# Keras then runs the whole step op by op (it warns "Model doesn't support
# `jit_compile=True`"), which on a GPU made each batch a hundred times slower
# (`benchmarks/augmentation.md`). So the Learner augments each batch on its way to the model
# instead, as an input pipeline does: `helpers.training.FlipZoom` makes the same flips and
# zooms with NumPy and SciPy, on the CPU, whatever the backend.

# %%
frozen_before = [w.copy() for w in body.model.get_weights()]
model = keras.Sequential([keras.Input((28, 28, 1)), body.model, head])
flip_zoom = FlipZoom(0.05)  # what `augment` does, applied to each batch before the step
fitting = {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"], "augment": flip_zoom}
groups = [body.groups[0], body.groups[1] + body.groups[2]]  # block 1; blocks 2-3
learn = Learner(model, (x_train, y_train), (x_valid, y_valid), groups=groups, **fitting)
learn.compile(LR)
live = model.evaluate(x_valid, y_valid, verbose=0)[1]
cached = h1.history["val_accuracy"][-1]
print(f"the same head on the live frozen body: {live:.4f} (on cached features: {cached:.4f})")
start = time.perf_counter()
h2 = learn.fit(3, LR, callbacks=[ParamScheduler(learning_rate=sgdr(LR, (1, 1, 1)))])
live_seconds = time.perf_counter() - start
print(f"3 epochs through the body: {live_seconds:.1f} s; on cached features {cached_seconds:.1f} s")
test_accuracy["+ augmentation, SGDR"] = model.evaluate(x_test, y_test, verbose=0)[1]

# %% tags=["remove-cell"]
# The cache is the body's output; a frozen body's weights and statistics stay byte-identical.
assert abs(live - cached) < 1e-6, (live, cached)
for before, after in zip(frozen_before, body.model.get_weights(), strict=True):
    assert np.array_equal(before, after)

# %% [markdown]
# ### Step 3: unfreeze, with differential learning rates
#
# Now everything trains. The early layers (edges, strokes) are already useful and should move
# little, the later ones more, the head most: the seed's `lr=[1e-4, 1e-3, 1e-2]`, a factor of
# ten between groups. `Learner` spreads a `(first, last)` pair geometrically over its groups,
# which for three groups is exactly that. The seed's `fit(lr, 3, cycle_len=1, cycle_mult=2)`
# runs three SGDR cycles of 1, 2 and 4 epochs, seven in all.

# %%
learn.unfreeze()
print("rates per group:", ", ".join(f"{r:.0e}" for r in learn.group_rates((LR / 100, LR))))
restarts = ParamScheduler(learning_rate=sgdr(LR, (1, 2, 4)))
h3 = learn.fit(7, (LR / 100, LR), callbacks=[restarts])
test_accuracy["unfreeze"] = model.evaluate(x_test, y_test, verbose=0)[1]

# %%
steps_per_epoch = -(-len(x_train) // learn.batch_size)
rate = np.array(restarts.history["learning_rate"])
fig, ax = plt.subplots(figsize=(6, 2.5))
ax.plot(np.arange(len(rate)) / steps_per_epoch, rate)
ax.set(xlabel="epoch", ylabel="learning rate (head)", title="SGDR: cycles of 1, 2 and 4 epochs")
plt.show()

# %% tags=["remove-cell"]
jumps = np.flatnonzero(np.diff(rate) > 0) + 1  # the batches where the rate goes back up
assert np.array_equal(jumps / steps_per_epoch, [1, 3]), jumps / steps_per_epoch
assert len(rate) == 7 * steps_per_epoch and np.isclose(rate[0], LR)
assert np.allclose(learn.group_rates((LR / 100, LR)), [LR / 100, LR / 10, LR])

# %% [markdown]
# ### Step 4: test-time augmentation
#
# "TTA: we use data augmentation on our validation set" means: predict on the image and on a
# few randomly augmented copies of it, and average the probabilities (fastai 0.7 uses the
# original and four augmentations). `helpers.training.predict_tta` does that.

# %%
p_valid = predict_tta(model, x_valid, flip_zoom, n=4)
tta_accuracy = (p_valid.argmax(axis=1) == y_valid).mean()
print(f"validation accuracy with TTA: {tta_accuracy:.4f}")
test_accuracy["+ TTA"] = (predict_tta(model, x_test, flip_zoom, n=4).argmax(1) == y_test).mean()

# %% tags=["remove-cell"]
# TTA changes the prediction, the same way every time (its mean: tests/test_training.py).
np.testing.assert_array_equal(p_valid, predict_tta(model, x_valid, flip_zoom, n=4))
assert not np.allclose(p_valid, model.predict(x_valid, verbose=0), atol=1e-3)  # it is not plain

# %% [markdown]
# ### Two baselines the seed did not run
#
# Would random weights do as well? The same network, the same augmentation and the same ten
# epochs (SGDR cycles of 1, 1, 1, 1, 2 and 4), from scratch, with its batch-norm statistics
# re-estimated at the end (as in the first section):

# %%
keras.utils.set_random_seed(0)
scratch = keras.Sequential(
    [keras.Input((28, 28, 1)), fashion_body(), keras.models.clone_model(head)]
)
cycles = ParamScheduler(learning_rate=sgdr(LR, (1, 1, 1, 1, 2, 4)))
Learner(scratch, (x_train, y_train), **fitting).fit(10, LR, callbacks=[cycles], verbose=False)
reestimate_batch_norm(scratch, x_train)


def correct(model, x=x_test, y=y_test):  # which images it gets right (never augmented)
    return model.predict(x, verbose=0).argmax(axis=1) == y


def accuracies(model):  # validation and test accuracy
    return [correct(model, x_valid, y_valid).mean(), correct(model).mean()]


scratch_valid, scratch_test = accuracies(scratch)
print(f"from scratch: validation accuracy {scratch_valid:.4f}, test accuracy {scratch_test:.4f}")

# %% [markdown]
# And would any pretrained body do? The first section's other-classes body, the *half body*
# below, never saw a coat or a pullover: it learned T-shirts, trousers, dresses, sandals and
# sneakers. We give it steps 1 and 3, a head on its cached features and then seven epochs
# unfrozen with the same rates and restarts.

# %%
keras.utils.set_random_seed(0)
other = half.copy()
other_head = keras.models.clone_model(head)
other_head.compile(keras.optimizers.Adam(LR), "sparse_categorical_crossentropy")
other_head.fit(cached_features(other.model, x_train), y_train, epochs=3, batch_size=64, verbose=0)
other_model = keras.Sequential([keras.Input((28, 28, 1)), other.model, other_head])
g = other.groups
learn_half = Learner(other_model, (x_train, y_train), groups=[g[0], g[1] + g[2]], **fitting)

half_head = accuracies(other_model)
learn_half.unfreeze()
restarts_half = ParamScheduler(learning_rate=sgdr(LR, (1, 2, 4)))
learn_half.fit(7, (LR / 100, LR), callbacks=[restarts_half], verbose=False)
half_final = accuracies(other_model)
print(f"half body, test accuracy: head {half_head[1]:.4f}, after unfreezing {half_final[1]:.4f}")

# %% [markdown]
# ### The seed's table and ours
#
# The seed reports validation accuracy after each step. We add the test set, which the seed
# could only see through Kaggle's leaderboard, and a standard error for the gap between two
# models on the same test images (from the images that one gets right and the other wrong:
# `helpers.interpret.paired_gap`).

# %%
seed_valid = [0.948, 0.948, 0.965, 0.9673, np.nan, np.nan, np.nan]
ours_valid = [h.history["val_accuracy"][-1] for h in (h1, h2, h3)]
ours_valid += [tta_accuracy, scratch_valid, half_head[0], half_final[0]]
ours_test = [*test_accuracy.values(), scratch_test, half_head[1], half_final[1]]
names = [
    "head on cached features, 3 epochs",
    "+ augmentation, SGDR, 3 cycles of 1 epoch",
    "unfreeze, rates 1:10:100, SGDR 1+2+4 epochs",
    "+ test-time augmentation",
    "from scratch, 10 epochs (not in the seed)",
    "half body: head on cached features",
    "half body: + unfreeze, as above",
]
columns = ["seed (validation)", "ours (validation)", "ours (test)"]
table = pd.DataFrame(zip(seed_valid, ours_valid, ours_test), index=names, columns=columns)
table.round(4)

# %%
right = {"fine-tuned": correct(model), "from scratch": correct(scratch)}
right["half body"] = correct(other_model)
pairs = [("fine-tuned", "from scratch"), ("fine-tuned", "half body"), ("half body", "from scratch")]
for a, b in pairs:
    diff, se = paired_gap(right[a], right[b])
    print(f"{a} minus {b}: {diff:+.1%} on test, standard error {se:.1%}")
seed_error = np.sqrt(0.95 * 0.05 / len(y_valid))
print(f"one standard error of the seed's validation accuracy near 95 %: {seed_error:.1%}")

# %% tags=["remove-cell"]
# The claims below. Pretraining beats scratch at the competition's size, even the head alone.
steps = list(test_accuracy.values())
pretraining, se = paired_gap(right["fine-tuned"], right["from scratch"])
assert pretraining > max(2 * se, 0.015), (pretraining, se)
assert steps[0] > scratch_test, (steps[0], scratch_test)
# ... the later steps move it by less than 3 standard errors each (how much varies by draw).
test_error = np.sqrt(0.9 * 0.1 / len(y_test))
assert max(abs(np.diff(steps))) < 3 * test_error, test_accuracy
assert abs(steps[2] - steps[0]) < 3 * test_error, test_accuracy
assert np.abs(np.diff(ours_valid[:4])).max() < 2 * seed_error, ours_valid
# A body that never saw the classes needs the fine-tuning (real training: not in a smoke run),
# and ends behind the other, and scratch.
if not profile.smoke:
    assert half_final[1] - half_head[1] > 0.02, (half_head, half_final)
half_gap, half_se = paired_gap(right["fine-tuned"], right["half body"])
assert half_gap > 2 * half_se, (half_gap, half_se)
assert half_final[1] < scratch_test, (half_final, scratch_test)

# %% [markdown]
# Read the table as the seed could not. Its steps moved the validation accuracy by 0.0, 1.7
# and 0.2 points, on 459 images where one standard error is about a point (printed above): only
# the leaderboard could tell them apart. Our validation column moves by a point or two between
# steps as well, each move within two of its standard errors. So we score on 1,531 test images
# too, and give the gaps between models their standard errors.
#
# - **Pretraining pays at the competition's size.** The fine-tuned body ends ahead of the
#   network trained from scratch by more than two standard errors of the gap. Even the head on
#   cached features, three epochs on stored arrays, is ahead of ten epochs from scratch.
# - **With a body that knows the classes, the head does most of the work.** The seed's cached
#   head got 94.8 % and the steps after it added less than two points. Each of ours moves the
#   test accuracy by less than three standard errors (about two points; how much each moves
#   changes with the random draw): augmentation, restarts and unfreezing polish the head, they
#   do not make the model.
# - **With a body that never saw the classes, fine-tuning matters and pretraining does not.**
#   Unfreezing adds more than two points to the half body's head, yet it ends behind scratch:
#   features learned from T-shirts, trousers, dresses and shoes are worth little once there
#   are 1,836 labels, the first section's curve again.
#
# Test-time augmentation changes little here: flips and small zooms of centred 28-pixel items
# add little that the network has not seen.
#
# ### Reading the predictions
#
# Seed 003 looks at the most correct, the most wrong and the most uncertain predictions (those
# nearest 0.5). `helpers.interpret.Interpretation` gives all three.

# %%
interp = Interpretation(p_valid, y_valid, x_valid[..., 0], class_names=pair.class_names)
interp.plot_samples(interp.most_correct(6), "Most correct", ncols=6)
interp.plot_top_losses(6, ncols=6)
interp.plot_samples(interp.most_uncertain(6), "Most uncertain", ncols=6)
plt.show()

# %% [markdown]
# Read them as the seed does. The most correct show what the model takes as typical of each
# class; the top losses are where it is confidently wrong, worth a look for mislabelled
# images; the most uncertain lie on the boundary between the classes, the images a person
# would look at twice too.
#
# ## Fully convolutional: one pass over a larger image
#
# Seed 002 turns VGG-16's dense layers into convolutions, so that the network accepts any
# image size and slides over a large image in one pass, reusing the work of the lower layers
# on overlapping windows (its peacock). We do the same with a 10-class Fashion-MNIST
# classifier: the competition's body as it was pretrained (on all ten classes), and a linear
# head trained on its cached features.

# %%
n_head = profile.pick(quick=10_000, full=60_000, smoke=5_000)
f10 = cached_features(body_40k.model, fashion.x_train[:n_head, ..., None])
keras.utils.set_random_seed(0)
dense = L.Dense(10, activation="softmax")
head10 = keras.Sequential([keras.Input(f10.shape[1:]), L.Flatten(), dense])
head10.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
head10.fit(f10, fashion.y_train[:n_head], epochs=3, batch_size=64, verbose=0)
classifier = keras.Sequential([keras.Input((28, 28, 1)), body_40k.model, head10])
classifier.compile(metrics=["accuracy"], loss="sparse_categorical_crossentropy")
accuracy10 = classifier.evaluate(fashion.x_test[..., None], fashion.y_test, verbose=0)[1]
print(f"10-class test accuracy: {accuracy10:.4f}")

# %% [markdown]
# The dense layer multiplies the flattened 7×7×64 map by a 3,136×10 matrix. That is exactly a
# 7×7 convolution with 10 filters applied at one position: reshape the matrix into a 7×7×64×10
# kernel. On a larger input the convolution then slides, one output per 4 pixels (the body
# pools twice).

# %%
kernel, bias = dense.get_weights()
as_conv = L.Conv2D(10, 7, activation="softmax", name="head_as_convolution")
fcn = keras.Sequential([keras.Input((None, None, 1)), body_40k.model, as_conv])
as_conv.set_weights([kernel.reshape(7, 7, 64, 10), bias])
one = fashion.x_test[:256, ..., None]
as_dense, as_convolution = classifier.predict(one, verbose=0), fcn.predict(one, verbose=0)
largest = np.abs(as_dense - as_convolution[:, 0, 0]).max()
print(f"on 28x28 items they differ by at most {largest:.1e}")

# %% tags=["remove-cell"]
np.testing.assert_allclose(as_convolution[:, 0, 0], as_dense, atol=1e-5)

# %% [markdown]
# Now a larger canvas: `make_fashion_locations` pastes one Fashion-MNIST test item at a random
# place on a blank 64×64 image. The fully convolutional network returns a 10×10 map of class
# probabilities for each canvas. The explicit alternative cuts the 100 windows of 28×28 pixels
# at the same positions (every 4 pixels) and classifies each.

# %%
canvases = make_fashion_locations(n_train=1, n_test=profile.pick(quick=200, full=1000, smoke=100))
x_big = canvases.x_test[..., None]
positions = range(0, 64 - 28 + 1, 4)


def windows(images):
    """Every 28x28 window at a stride of 4 pixels, as a batch (canvas by canvas, row by row)."""
    cut = [images[:, r : r + 28, c : c + 28] for r in positions for c in positions]
    return np.stack(cut, axis=1).reshape(-1, 28, 28, 1)


fcn.predict(x_big[:8], verbose=0)  # warm up both: trace and compile once
classifier.predict(windows(x_big[:8]), verbose=0)
start = time.perf_counter()
maps = fcn.predict(x_big, batch_size=64, verbose=0)
fcn_seconds = time.perf_counter() - start
by_window = classifier.predict(windows(x_big), batch_size=256, verbose=0).reshape(maps.shape)
window_seconds = time.perf_counter() - start - fcn_seconds  # cutting the windows, and theirs
slower = window_seconds / fcn_seconds
print(f"{len(x_big)} canvases: one fully convolutional pass {fcn_seconds:.2f} s,", end=" ")
print(f"{by_window[..., 0].size:,} windows {window_seconds:.2f} s ({slower:.0f}x slower)")
found = {"one pass": maps, "windows": by_window}  # the most probable class anywhere on it
found = {k: (m.max(axis=(1, 2)).argmax(-1) == canvases.c_test).mean() for k, m in found.items()}
print("class of the item on the canvas, right:", {k: f"{v:.1%}" for k, v in found.items()})

# %% [markdown]
# The two are not identical position by position: a window cut out of the canvas is padded
# with zeros at its border inside the body, while the single pass sees the real neighbouring
# pixels and features there. And neither is a detector. Taking the most probable class
# anywhere on the canvas is often wrong: windows that cut an item in half, or show only
# background, never appeared in the classifier's training data, and it answers them with
# confidence all the same (a detector is trained on such windows, with a "background" class).
# But as a heat map the output works: the probability of the item's class is highest where
# the window covers the item.

# %%
rows = np.arange(10) * 4 + 13.5  # the centre of each window, in canvas pixels
true_maps = maps[np.arange(len(maps)), :, :, canvases.c_test]
peak = np.array([np.unravel_index(m.argmax(), m.shape) for m in true_maps])
error = np.hypot(*(rows[peak] - canvases.y_test).T)
anywhere = rows[np.random.default_rng(0).integers(0, 10, peak.shape)]
guess = np.hypot(*(anywhere - canvases.y_test).T)
print(f"the peak of the item's class is {np.median(error):.1f} pixels from its centre", end=" ")
print(f"(median over {len(error)} canvases; a random window: {np.median(guess):.1f})")
fig, axes = plt.subplots(2, 4, figsize=(8, 4.4), subplot_kw={"xticks": [], "yticks": []})
for k, (top, bottom) in enumerate(axes.T):
    top.imshow(canvases.x_test[k], cmap="gray")
    top.set_title(fashion.class_names[canvases.c_test[k]], fontsize=9)
    bottom.imshow(true_maps[k], cmap="magma", vmin=0, vmax=1, extent=(11.5, 51.5, 51.5, 11.5))
    bottom.set(xlim=(0, 63), ylim=(63, 0))
    bottom.set_title("p(class) per window", fontsize=9)
fig.suptitle("One pass of the fully convolutional classifier over 64x64 canvases")
plt.show()

# %% tags=["remove-cell"]
assert window_seconds > 2 * fcn_seconds, (window_seconds, fcn_seconds)  # reuse is faster
assert max(found.values()) < accuracy10 - 0.2, found  # no detector: partial windows fool it
assert np.median(error) < np.median(guess) / 2, (np.median(error), np.median(guess))

# %% [markdown]
# ## The seeds' figures and ours
#
# What the seeds say or show, next to what this notebook measured:

# %%
fewest, most = label_counts[0], label_counts[-1]
ours = [f"{valid:.1%} (test {test:.1%})" for valid, test in zip(ours_valid, ours_test)]
seed_vs_ours = pd.DataFrame(
    [
        (f"same classes minus scratch, {fewest} labels", "superior (a figure)", f"{same_few:+.1%}"),
        (f"other classes minus random, {fewest} labels", "(not run)", f"{learned_few:+.1%}"),
        (f"other classes minus random, {most} labels", "(not run)", f"{learned_many:+.1%}"),
        ("pretrained minus scratch, competition", "(not run)", f"{pretraining:+.1%}"),
        ("VGG-16 parameters", "(not counted)", f"{total:,}"),
        ("share of the first dense layer", "(not counted)", f"{fc6 / total:.0%}"),
        ("new head FC1024 + FC21", "(not counted)", f"{new_head.count_params():,}"),
        ("head on cached features", "94.8 %", ours[0]),
        ("unfreeze, 1:10:100", "96.5 %", ours[2]),
        ("test-time augmentation", "96.73 %", ours[3]),
        ("sliding windows vs one pass", "reuses the work", f"{slower:.0f}x slower"),
    ],
    columns=["", "seeds", "here"],
).set_index("")
seed_vs_ours

# %% [markdown]
# The seed's photos and ResNet cannot run offline; the structure of its workflow does, and so
# does the reason it won: a body that had learned from many images of the same kind.
#
# ## What we learned
#
# - A frozen body that learned the new classes' kind of object (on other images) beats
#   training from scratch by far when labels are few, and still wins at the competition's
#   couple of thousand labels. A body that learned other classes does not: with a few labels
#   it is level with the same body with random weights, and with scratch, because what helps
#   there is fitting only a head. What it learned pays with more labels, by which time
#   training from scratch has passed it.
# - VGG-16's parameters are mostly in its first dense layer; its computation is almost all in
#   its convolutions. A new head is cheap to compute but not small.
# - Caching the frozen body's output makes training the head fast, and makes augmentation
#   useless until the body runs in the training loop again.
# - Fine-tuning everything at rates that grow from the first layers to the head matters most
#   when the body's features are far from the task: it added several points to the half body
#   and little to the body that knew the classes. A step of one point on 459 validation images
#   is within the noise.
# - Always run the baseline from scratch, and give gaps their standard errors: at the
#   competition's size, scratch caught up with the body that never saw the classes and stayed
#   behind the one that had.
# - A dense head is a convolution in disguise: written as one, the classifier slides over any
#   image in one pass, much faster than cutting windows.
#
# ## Exercises
#
# Exercises 4, 5 and 8 check your answer: fill in the cell under the exercise and run it. It
# says **Correct**, or **Not yet** with a hint aimed at the mistake. `ex.q4.hint()` prints a
# hint and `ex.q4.solution()` the answer (likewise `ex.q5`, `ex.q8`).
#
# 1. Train the step-1 head for 10 epochs instead of 3. How far does a head on cached
#    features get on its own?
# 2. Fine-tune with one learning rate for every group (`learn.fit(7, LR, ...)` after
#    `learn.unfreeze()`). What happens to the validation accuracy, and why?
# 3. In the transfer curve, fine-tune the other-classes model too (unfreeze after the head, a
#    tenth of the rate). Does it help at 20 labels? At 500?
# 4. Test-time augmentation with flips only (`flips_only`: an augmentation that `predict_tta`
#    calls as `flips_only(images, training=True)`), and with 8 copies instead of 4. Does either
#    change the test accuracy by more than a standard error?

# %%
from helpers.exercises import lecture09 as ex

flips_only = ...  # an augmentation that only mirrors images, for predict_tta
ex.q4.check(flips_only)

# %% [markdown]
# 5. Put a global average pooling layer before the seed's new VGG-16 head (FC1024 + FC21).
#    How many parameters does the head have now (`pooled_params`)?

# %%
pooled_params = ...  # the pooled head's parameter count, by hand
ex.q5.check(pooled_params)

# %% [markdown]
# 6. A dissimilar split. Register a body of the odd-numbered classes (trousers, dresses,
#    sandals, sneakers, ankle boots: no tops), `FASHION_BODIES["odd"] = FashionBody((1, 3, 5,
#    7, 9), "odd.weights.h5")` with `FashionBody` from `helpers.backbones`, pretrain it in
#    memory with `odd, record = pretrain_fashion_body(source="odd")` (under a minute), and
#    run `frozen_vs_scratch` on the even-numbered classes (four kinds of top, and bags) with it
#    and a random body. How far ahead of the random body is it at 500 labels, against the
#    body above?
# 7. Draw the labelled images again: run the transfer curve at 20 labels with seeds 0 to 5.
#    How far do the three models that know nothing of the new classes move from draw to draw,
#    and does their order change? How many draws would you need to tell them apart?
# 8. Slide the fully convolutional classifier `fcn` over a 100×100 canvas. How many rows does
#    its map of class probabilities have (`map_side`)? Work it out from the body's two
#    poolings and the 7×7 head, then check with `fcn.predict`.

# %%
map_side = ...  # the side of the map for a 100x100 canvas
ex.q8.check(map_side)

# %% [markdown]
# ## Solutions
#
# Two of the exercises, worked. Unfold a cell to read a solution; the book runs them when it
# is built, so they are checked like every other cell.
#
# **Exercise 1** (a longer head on cached features):

# %% tags=["hide-cell"]
# Epochs on cached features cost a fraction of a second each, so trying more is cheap. With a
# body that knows the classes, three epochs already took the head as far as it goes: ten do
# not move it by more than the noise, and do not take it past the fine-tuned network (level
# with it on some draws, a couple of points behind on others, as on JAX's).
keras.utils.set_random_seed(0)
longer = keras.models.clone_model(head)
longer.compile(keras.optimizers.Adam(LR), "sparse_categorical_crossentropy", metrics=["accuracy"])
longer.fit(f_train, y_train, epochs=10, batch_size=64, verbose=0)
longer_accuracy = longer.evaluate(f_test, y_test, verbose=0)[1]
short = test_accuracy["head on cached features"]
print(
    f"test accuracy, head only: 3 epochs {short:.4f}, 10 epochs {longer_accuracy:.4f}; "
    f"fine-tuned {test_accuracy['unfreeze']:.4f}"
)
assert abs(longer_accuracy - short) < 3 * test_error  # the noise, as in the claims above
assert longer_accuracy < test_accuracy["unfreeze"] + test_error  # not past fine-tuning

# %% [markdown]
# **Exercise 5** (a pooled head for VGG-16):

# %% tags=["hide-cell"]
# Pooling the 7x7x512 map to 512 numbers removes the 49x in the first dense layer's input.
pooled_head = keras.Sequential(
    [keras.Input((7, 7, 512)), L.GlobalAveragePooling2D(), L.Dense(1024), L.Dense(21)]
)
sizes = pooled_head.count_params(), new_head.count_params()
print(f"pooled head: {sizes[0]:,} parameters (flattened: {sizes[1]:,})")
assert pooled_head.count_params() == 512 * 1024 + 1024 + 1024 * 21 + 21
ex.q5.check(pooled_head.count_params())
