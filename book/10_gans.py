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
# # 10. Generative adversarial networks
#
# A generative adversarial network (GAN) learns to make data by playing a game. A *generator*
# turns random noise into samples; a *discriminator* tries to tell those samples from real
# ones. The course's post tells it as a forger (the painter Mark Landis) against a museum
# curator (Matthew Leininger): each gets better because the other does. This lecture writes the
# game down, solves its inner part exactly and checks the solution with numbers, shows why the
# generator is not trained on the game's own objective, and then trains two GANs: one on points
# in the plane, in seconds, and a DCGAN on Fashion-MNIST. It ends with the other way of
# generating from a network that the course shows: changing an image by gradient (deep dream,
# texture synthesis).
#
# **You will learn to**
# - write the minimax objective and say which player minimises and which maximises what;
# - derive the best discriminator and the value of the game at it, and check both numerically;
# - compute why the "saturating" generator loss stalls and what practice uses instead;
# - train a GAN with Keras 3 on any backend, and watch it cover (or drop) the modes of the data;
# - measure a GAN's samples offline with a Fréchet distance and a class histogram;
# - generate by gradient: deep dream and Gram-matrix texture synthesis.
#
# **Follows** the course's GAN posts (seed 003) and its slides on DCGAN, deep dream and style
# transfer (seed 002).
# **Run time:** under 4 minutes on a 2-core CPU ([measured](execution_statistics.md)) in the
# quick profile (a small DCGAN on 10,000 Fashion-MNIST images for 5 epochs: blurry but
# recognisable); the full profile trains a wider DCGAN on all 60,000 for 25 epochs (a GPU's
# work).
#
# **Where the seeds are corrected.** The post reads the objective as "generator's loss +
# discriminator's loss". It is not: both terms are the discriminator's objective, which it
# *maximises*; the generator affects only the second term and *minimises* it. The post's
# "zero-sum game" holds for that objective, but not for the non-saturating game trained in
# practice. The post never states the best discriminator, the value $-\log 4$ or the link to the
# Jensen-Shannon divergence; they are derived and checked below. The DCGAN settings used here
# (strided convolutions, batch norm, ReLU and LeakyReLU(0.2), tanh output, Adam with rate
# 0.0002 and $\beta_1 = 0.5$) are those of the DCGAN paper (Radford and colleagues, 2015), not
# the seeds'. The slides' "V-norm" of a layer is a capture artefact for its squared L2 norm.

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

import ipywidgets as widgets
import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import skimage.transform
from IPython.display import display
from keras import ops
from scipy import integrate, ndimage, optimize, stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from helpers.backbones import load_backbone
from helpers.datasets import load_fashion_mnist, load_images
from helpers.fetch import offline_mode
from helpers.plots import plot_image_grid
from helpers.training import cached_features, gradients

L = keras.layers
rng = np.random.default_rng(0)
keras.utils.set_random_seed(0)

# %% [markdown]
# ## The game
#
# The generator $G$ maps noise $z \sim p_z$ (here a standard normal vector) to a sample $G(z)$;
# the distribution of its samples is $p_g$. The discriminator $D$ maps a sample $x$ to $D(x)$,
# the probability that $x$ is real. The seed's objective is
#
# $$\min_G \max_D V(D, G) = \mathbb{E}_{x \sim p_\text{data}}[\log D(x)]
#   + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))].$$
#
# Read it term by term. The first term is large when $D$ calls real data real; the second when
# it calls fakes fake. *Both* are the discriminator's: on a batch that is half real, half
# fake, its mean binary cross-entropy is $-\tfrac12 [\text{first term} + \text{second term}]$,
# so $V$ is minus *twice* that mean cross-entropy, and $D$ **maximises** $V$ by minimising its
# cross-entropy. The generator appears only in the second term and **minimises** it, by making
# $D(G(z))$ large. So $V$ is not "the generator's loss plus the discriminator's loss", as the
# post has it: the discriminator's loss is $-V/2$, and the generator's is the second term
# alone.
#
# ## The best discriminator
#
# For a fixed generator, write the expectations as integrals:
# $V = \int p_\text{data}(x) \log D(x) + p_g(x) \log(1 - D(x))\, dx$. The discriminator can
# choose $D(x)$ separately at every $x$, and $a \log y + b \log(1 - y)$ is largest at
# $y = a / (a + b)$ (set its derivative $a/y - b/(1-y)$ to zero). Hence
#
# $$D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}.$$
#
# A numerical maximiser agrees:

# %%
a, b = 0.3, 0.7
best = optimize.minimize_scalar(
    lambda y: -(a * np.log(y) + b * np.log(1 - y)), bounds=(1e-9, 1 - 1e-9), method="bounded"
)
print(f"argmax of {a} log y + {b} log(1 - y): {best.x:.4f}; a / (a + b) = {a / (a + b):.4f}")

# %% tags=["remove-cell"]
assert abs(best.x - a / (a + b)) < 1e-4

# %% [markdown]
# Put $D^*$ back into $V$. With $m = (p_\text{data} + p_g)/2$, the two terms become
# Kullback-Leibler divergences to $m$, each offset by $\log \tfrac12$:
#
# $$V(D^*, G) = -\log 4 + \mathrm{KL}(p_\text{data} \,\|\, m) + \mathrm{KL}(p_g \,\|\, m)
#   = -\log 4 + 2\,\mathrm{JSD}(p_\text{data} \,\|\, p_g).$$
#
# The Jensen-Shannon divergence is zero only when the two distributions are equal, so the
# generator's best move is $p_g = p_\text{data}$; there $D^* = \tfrac12$ everywhere and the
# game is worth $-\log 4 \approx -1.386$. We check this on two 1-D Gaussians: real data
# $\mathcal{N}(1, 1)$ and a generator that makes $\mathcal{N}(-1, 1)$.

# %%
p_data, p_g = stats.norm(1, 1), stats.norm(-1, 1)


def d_star(x, real=p_data, fake=p_g):
    return real.pdf(x) / (real.pdf(x) + fake.pdf(x))


def value(d, real=p_data, fake=p_g):
    """V(D, G) by numerical integration over the line."""

    def integrand(x):  # D(x) rounds to 0 or 1 far out, where the densities are ~0
        y = np.clip(d(x), 1e-300, 1 - 1e-16)
        return real.pdf(x) * np.log(y) + fake.pdf(x) * np.log1p(-y)

    return integrate.quad(integrand, -12, 12, points=[0])[0]


def jsd(real=p_data, fake=p_g):
    """Jensen-Shannon divergence in nats: the mean of the two KLs to m, integrated."""

    def integrand(x):
        p, q = real.pdf(x), fake.pdf(x)
        return (p * np.log(2 * p / (p + q)) + q * np.log(2 * q / (p + q))) / 2

    return integrate.quad(integrand, -12, 12, points=[0])[0]


v_star, js = value(d_star), jsd()
print(f"V(D*, G) = {v_star:.5f};  -log 4 + 2 JSD = {-np.log(4):.5f} + 2 x {js:.5f}")
print(f"a worse discriminator, D = 1/2 everywhere: V = {value(lambda x: 0.5 + 0 * x):.5f}")
same = value(lambda x: d_star(x, p_data, p_data), p_data, p_data)
print(f"a perfect generator (p_g = p_data): V(D*, G) = {same:.5f} = -log 4")

# %% tags=["remove-cell"]
assert abs(v_star - (-np.log(4) + 2 * js)) < 1e-6 and abs(v_star - -0.71263) < 1e-5
assert abs(same + np.log(4)) < 1e-6 and value(lambda x: 0.5 + 0 * x) < v_star

# %% [markdown]
# $D^*$ is a ratio of densities, and a trained discriminator estimates it. Here
# $\log \frac{D^*}{1 - D^*} = \log \frac{p_\text{data}}{p_g} = 2x$, so $D^*$ is a logistic curve
# with slope 2 and intercept 0. A logistic regression fitted to samples of the two (the
# simplest discriminator there is) should find those numbers:

# %%
x_real, x_fake = p_data.rvs(20_000, random_state=1), p_g.rvs(20_000, random_state=2)
samples = np.r_[x_real, x_fake][:, None]
is_real = np.r_[np.ones(20_000), np.zeros(20_000)]
logistic = LogisticRegression().fit(samples, is_real)
slope, intercept = logistic.coef_[0, 0], logistic.intercept_[0]
print(f"fitted discriminator: sigmoid({slope:.3f} x {intercept:+.3f}); D* = sigmoid(2 x)")
d_fit = logistic.predict_proba(samples)[:, 1]
v_hat = np.mean(np.log(d_fit[is_real == 1])) + np.mean(np.log1p(-d_fit[is_real == 0]))
print(f"its V on these samples {v_hat:.4f}; minus twice its mean cross-entropy", end=" ")
print(f"{-2 * log_loss(is_real, d_fit):.4f}")

grid = np.linspace(-4, 4, 401)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(grid, p_data.pdf(grid), label="$p_{data}$ = N(1, 1)")
ax.plot(grid, p_g.pdf(grid), label="$p_g$ = N(-1, 1)")
ax.plot(grid, d_star(grid), "k", label="$D^*$")
ax.plot(grid, logistic.predict_proba(grid[:, None])[:, 1], "k:", label="fitted discriminator")
ax.set(xlabel="x", ylabel="density / probability", title="The best discriminator for two Gaussians")
ax.legend(fontsize=8)
plt.show()

# %% tags=["remove-cell"]
assert abs(slope - 2) < 0.1 and abs(intercept) < 0.05, (slope, intercept)
assert abs(v_hat - -2 * log_loss(is_real, d_fit)) < 1e-9  # V = -2 x the mean cross-entropy

# %% [markdown]
# What a training log should show at the equilibrium follows too: at $D = \tfrac12$ the
# discriminator's cross-entropy is $\log 2 \approx 0.693$ on each half of its batch (Keras
# averages over the batch, so it prints 0.693), and the generator's loss below is also
# $\log 2$.
#
# ## Saturation: what the generator is trained on
#
# Early in training the fakes are poor and the discriminator rejects them confidently: its
# logit $\ell$ on a fake is very negative and $D = \sigma(\ell) \approx 0$. Minimising
# $\log(1 - \sigma(\ell))$ then gives the generator almost no gradient, because
# $\frac{d}{d\ell} \log(1 - \sigma(\ell)) = -\sigma(\ell)$. Goodfellow and colleagues (2014)
# therefore train the generator to *maximise* $\log D(G(z))$, that is to minimise
# $-\log \sigma(\ell)$, whose gradient is $-(1 - \sigma(\ell))$: strong exactly when the fakes
# are poor. It is the cross-entropy with the fakes labelled "real" (the "flipped labels" of
# GAN code). Both gradients at a logit of $-6$, by automatic differentiation:

# %%
logit = -6.0
saturating = float(gradients(lambda z: ops.log(1 - ops.sigmoid(z)), logit)[0])
non_saturating = float(gradients(lambda z: -ops.log(ops.sigmoid(z)), logit)[0])
print(f"D(G(z)) = {1 / (1 + np.exp(-logit)):.4f}")
print(f"gradient of log(1 - D):  {saturating:+.4f}   (minimax, saturates)")
print(f"gradient of -log D:      {non_saturating:+.4f}   (non-saturating)")

d = 1 / (1 + np.exp(-np.linspace(-8, 8, 200)))  # D(G(z)) for logits from -8 to 8
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(d, np.log(1 - d), label="log(1 - D): minimax")
ax.plot(d, -np.log(d), label="-log D: non-saturating")
ax.set(xlabel="D(G(z))", ylabel="generator loss", title="Two generator losses, same optimum")
ax.legend()
plt.show()

# %% tags=["remove-cell"]
assert abs(saturating - -0.0025) < 1e-4 and abs(non_saturating - -0.9975) < 1e-4

# %% [markdown]
# Near $D(G(z)) = 0$ the minimax loss is flat and the non-saturating one is steep. Both push
# $D(G(z))$ up and have the same fixed point, but with the swap the two players no longer
# optimise one function with opposite signs: the game trained in practice is **not** zero-sum.
#
# ## A GAN in the plane
#
# Real data: eight Gaussian blobs on a ring of radius 2. Generator and discriminator are small
# multilayer perceptrons. Keras 3 trains the game without backend-specific code if we compile
# two models that share the discriminator:
#
# - `D`, compiled alone: its cross-entropy on real (label 1) and fake (label 0) samples;
# - `stacked = G` followed by `D`, compiled while `D` is frozen: trained on fakes labelled 1,
#   this is the non-saturating generator loss, and only $G$'s weights move.
#
# A Keras model reads which weights are trainable when it runs, so the loop sets
# `D.trainable` before each of the two updates. (Batch normalisation in `D` would not survive
# this: a frozen Keras batch-norm layer runs in inference mode, so `D` would judge differently
# in the two updates. Our discriminators have none; the DCGAN paper's has.) The same code runs
# under TensorFlow, JAX and PyTorch.

# %%
BCE = keras.losses.BinaryCrossentropy(from_logits=True)


def compile_game(generator, discriminator, lr, beta_1=0.5):
    """Compile D alone, and G followed by a frozen D; return the latter."""
    discriminator.compile(keras.optimizers.Adam(lr, beta_1=beta_1), BCE)
    discriminator.trainable = False
    stacked = keras.Sequential([generator, discriminator])
    stacked.compile(keras.optimizers.Adam(lr, beta_1=beta_1), BCE)
    return stacked


def noise(n, dim):
    return rng.normal(size=(n, dim)).astype("float32")


def play_round(generator, discriminator, stacked, real):
    """One update of D on real and fake samples, then one of G through the frozen D."""
    n, dim = len(real), generator.input_shape[-1]
    fake = ops.convert_to_numpy(generator(noise(n, dim), training=True))
    labels = np.r_[np.ones(n), np.zeros(n)].astype("float32")[:, None]
    discriminator.trainable = True
    d_loss = discriminator.train_on_batch(np.concatenate([real, fake]), labels)
    discriminator.trainable = False
    g_loss = stacked.train_on_batch(noise(n, dim), np.ones((n, 1), "float32"))
    return float(d_loss), float(g_loss)


# %%
MODES, RADIUS, SPREAD = 8, 2.0, 0.05


def ring(n):
    angle = rng.integers(0, MODES, n) * 2 * np.pi / MODES
    centre = RADIUS * np.c_[np.cos(angle), np.sin(angle)]
    return (centre + SPREAD * rng.normal(size=(n, 2))).astype("float32")


def mode_counts(points):
    """How many points fall within 0.3 of the ring and nearest to each of its modes."""
    on_ring = np.abs(np.hypot(points[:, 0], points[:, 1]) - RADIUS) < 0.3
    nearest = np.round(np.arctan2(points[:, 1], points[:, 0]) / (2 * np.pi / MODES)) % MODES
    return np.bincount(nearest[on_ring].astype(int), minlength=MODES)


def mlp(inputs, outputs):
    hidden = [L.Dense(128, activation="relu"), L.Dense(128, activation="relu")]
    return keras.Sequential([keras.Input((inputs,)), *hidden, L.Dense(outputs)])


G2, D2 = mlp(8, 2), mlp(2, 1)
stacked2 = compile_game(G2, D2, lr=1e-3)
watch, snapshots, log2 = (0, 100, 300, 700, 1500), {}, []
start = time.perf_counter()
for step in range(watch[-1] + 1):
    if step in watch:
        snapshots[step] = ops.convert_to_numpy(G2(noise(1000, 8)))
    if step < watch[-1]:
        log2.append(play_round(G2, D2, stacked2, ring(256)))
print(f"{len(log2)} rounds in {time.perf_counter() - start:.1f} s;", end=" ")
print("last D loss {:.3f}, G loss {:.3f}".format(*log2[-1]))

# %%
real_points = ring(1000)
fig, axes = plt.subplots(1, len(watch), figsize=(13, 2.9), sharex=True, sharey=True)
for ax, (step, points) in zip(axes, snapshots.items()):
    ax.scatter(*real_points.T, s=2, c="lightgrey")
    ax.scatter(*points.T, s=2)
    ax.set(title=f"round {step}", aspect="equal", xlim=(-3, 3), ylim=(-3, 3))
fig.suptitle("Generated points (blue) over the real ring (grey)")
plt.show()
pd.DataFrame({f"round {s}": mode_counts(p) for s, p in snapshots.items()}).rename_axis("mode").T

# %%
final = snapshots[watch[-1]]
d_real = float(ops.mean(ops.sigmoid(D2(real_points))))
print(f"on the ring at the end: {np.mean(np.abs(np.hypot(*final.T) - RADIUS) < 0.3):.1%}")
print(f"modes with under 2 % of the 1,000 samples: {(mode_counts(final) < 20).sum()} of {MODES}")
print(f"mean D on real points: {d_real:.3f} (1/2 at the equilibrium)")

# %% tags=["remove-cell"]
# The generator has learned the ring, and the discriminator can no longer separate it.
assert np.mean(np.abs(np.hypot(*final.T) - RADIUS) < 0.3) > 0.9
assert abs(d_real - 0.5) < 0.15, d_real
assert np.mean(np.abs(np.hypot(*snapshots[0].T) - RADIUS) < 0.3) < 0.2  # not from the start

# %% [markdown]
# The table counts generated points per mode. Early on the generator puts its points on a few
# modes and moves them around (the discriminator punishes wherever they are); later it spreads
# along the whole ring. Modes with few points at the end are the *mode dropping* that GANs are
# known for: nothing in the game rewards covering every mode, only fooling the current
# discriminator. Rerun with another seed and different modes may be dropped, or none.
#
# ## DCGAN on Fashion-MNIST
#
# The DCGAN recipe: the generator projects the noise to a small feature map and doubles its size
# with strided transposed convolutions (batch norm and ReLU, tanh at the end, so images live in
# $[-1, 1]$); the discriminator halves the size with strided convolutions and LeakyReLU(0.2);
# weights start from $\mathcal{N}(0, 0.02)$; Adam with rate 0.0002 and $\beta_1 = 0.5$. The
# seed's slides add that gradient sizes near 1 matter "particularly for GANs", which is what the
# careful initialisation and the generator's batch norm are for.

# %%
n_train = profile.pick(quick=10_000, full=None, smoke=2_000)
fashion = load_fashion_mnist(n_train=n_train, n_test=2000)
x_gan = (fashion.x_train[..., None].astype("float32") - 127.5) / 127.5
Z, WIDTH = 100, profile.pick(quick=32, full=128)
EPOCHS, BATCH = profile.pick(quick=5, full=25, smoke=1), 128
init = keras.initializers.RandomNormal(0, 0.02)

stride2 = {"kernel_size": 4, "strides": 2, "padding": "same", "kernel_initializer": init}

generator = keras.Sequential(  # a line per stage: noise, 7x7 maps, 14x14 maps, 28x28 image
    [keras.Input((Z,)), L.Dense(7 * 7 * 4 * WIDTH, use_bias=False, kernel_initializer=init)]
    + [L.BatchNormalization(), L.ReLU(), L.Reshape((7, 7, 4 * WIDTH))]
    + [L.Conv2DTranspose(2 * WIDTH, use_bias=False, **stride2), L.BatchNormalization(), L.ReLU()]
    + [L.Conv2DTranspose(1, activation="tanh", **stride2)],
    name="generator",
)
discriminator = keras.Sequential(  # a line per stage: 14x14 maps, 7x7 maps, one logit
    [keras.Input((28, 28, 1)), L.Conv2D(2 * WIDTH, **stride2), L.LeakyReLU(0.2)]
    + [L.Conv2D(4 * WIDTH, **stride2), L.LeakyReLU(0.2)]
    + [L.Flatten(), L.Dense(1, kernel_initializer=init)],
    name="discriminator",
)
stacked = compile_game(generator, discriminator, lr=2e-4)
print(f"parameters: G {generator.count_params():,}, D {discriminator.count_params():,}")

# %% [markdown]
# ### A measure that works offline
#
# The usual score, the Fréchet Inception distance (FID), compares the mean and covariance of
# the features that an Inception network computes on real and on generated images:
# $\lVert \mu_r - \mu_g \rVert^2 + \operatorname{tr}(\Sigma_r + \Sigma_g - 2 (\Sigma_r
# \Sigma_g)^{1/2})$, the Fréchet distance between two Gaussians. Inception's weights need a
# download, so we compute the same distance on the 64 pooled features of the book's own
# Fashion-MNIST body (pretrained by `helpers`, lecture 13). The numbers are **not** comparable
# with published FIDs: other features, other images, fewer samples. They are comparable with
# each other, along one training run. The same body, with a linear head, also tells us which
# classes the generator makes: a histogram far from uniform means modes are missing.

# %%
body = load_backbone("fashion-mnist").model


def gaussian_fit(features):
    """Mean and covariance of the body's features, averaged over positions (64 numbers)."""
    pooled = features.mean(axis=(1, 2))
    return pooled.mean(axis=0), np.cov(pooled, rowvar=False)


def frechet(a, b):
    """Fréchet distance between Gaussians (mean, cov). tr (S1 S2)^(1/2) is the sum of the
    square roots of the eigenvalues of S1 S2, which are real and non-negative."""
    (m1, s1), (m2, s2) = a, b
    root = np.sqrt(np.clip(np.linalg.eigvals(s1 @ s2).real, 0, None)).sum()
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * root)


train_features = cached_features(body, fashion.x_train[..., None])  # each image through once
test_features = cached_features(body, fashion.x_test[..., None])
real_stats = gaussian_fit(test_features)
floor = frechet(real_stats, gaussian_fit(train_features[:2000]))
print(f"Fréchet distance between 2,000 real test and 2,000 real training images: {floor:.2f}")

head = keras.Sequential([keras.Input(train_features.shape[1:]), L.Flatten(), L.Dense(10)])
cross_entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
head.compile("adam", cross_entropy, metrics=["accuracy"])
head.fit(train_features, fashion.y_train, epochs=3, verbose=0)
judge_accuracy = head.evaluate(test_features, fashion.y_test, verbose=0)[1]
judge = keras.Sequential([keras.Input((28, 28, 1)), body, head])
print(f"class judge (body + linear head): {judge_accuracy:.3f} test accuracy on real images")

# %% tags=["remove-cell"]
# One-dimensional Gaussians have a closed form: (m1 - m2)^2 + (s1 - s2)^2.
one_d = frechet((np.array([1.0]), np.array([[4.0]])), (np.array([-1.0]), np.array([[1.0]])))
assert abs(one_d - (2.0**2 + (2.0 - 1.0) ** 2)) < 1e-9
assert judge_accuracy > 0.8

# %% [markdown]
# ### Training
#
# One line per epoch; below it, one row of samples per epoch from the same eight noise vectors.
# After a few hundred rounds expect blurry silhouettes of tops, dresses and shoes covered in a
# fine checkerboard: strided transposed convolutions overlap unevenly and draw one until
# training smooths it away (Odena and colleagues, 2016). The full profile trains 25 epochs on
# all 60,000 images.


# %%
def generate(z):
    """The generator's images for noise vectors z, as pixel values in [0, 255]."""
    return (generator.predict(z, batch_size=500, verbose=0) * 127.5 + 127.5).clip(0, 255)


def generated_stats(n=2000):
    return gaussian_fit(cached_features(body, generate(noise(n, Z))))


fixed_z, rows, losses, rounds = noise(8, Z), [], [], len(x_gan) // BATCH
distances = [frechet(real_stats, generated_stats())]
print(f"before training: Fréchet distance {distances[0]:.1f}")
start = time.perf_counter()
for epoch in range(1, EPOCHS + 1):
    batches = rng.permutation(len(x_gan))[: rounds * BATCH].reshape(rounds, BATCH)
    losses += [play_round(generator, discriminator, stacked, x_gan[b]) for b in batches]
    distances.append(frechet(real_stats, generated_stats()))
    rows.append(generate(fixed_z))
    d_mean, g_mean = np.mean(losses[-rounds:], axis=0)
    print(f"epoch {epoch}/{EPOCHS}: D loss {d_mean:.3f}, G loss {g_mean:.3f},", end=" ")
    print(f"Fréchet distance {distances[-1]:.1f}, {time.perf_counter() - start:.0f} s", flush=True)

# %%
titles = [f"epoch {epoch}" if k == 0 else "" for epoch in range(1, EPOCHS + 1) for k in range(8)]
plot_image_grid(np.concatenate(rows), titles, ncols=8, cmap="gray", vmax=255, size=1)
plt.suptitle("The same eight noise vectors after each epoch")
plt.show()

# %%
smooth = pd.DataFrame(losses, columns=["D", "G"]).rolling(50, min_periods=1).mean()
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.2))
ax1.plot(smooth.index + 1, smooth["D"], label="discriminator (cross-entropy, real and fake)")
ax1.plot(smooth.index + 1, smooth["G"], label="generator (non-saturating)")
ax1.axhline(np.log(2), color="k", ls=":", label="log 2, the equilibrium")
ax1.set(xlabel="round", ylabel="loss (mean of 50 rounds)", title="Losses")
ax1.legend(fontsize=8)
ax2.plot(range(EPOCHS + 1), distances, "o-")
ax2.axhline(floor, color="k", ls=":", label="real against real")
ax2.set(xlabel="epoch", ylabel="Fréchet distance (body features)", yscale="log")
ax2.set_title("Distance to real images")
ax2.legend(fontsize=8)
plt.show()

# %% [markdown]
# The losses do not fall towards zero as a classifier's would: each player's loss is the other's
# success, and after the first few hundred rounds both drift back towards $\log 2$ while the
# samples improve. That is why a GAN needs an
# outside measure such as the Fréchet distance. Now the classes of 2,000 generated images, as
# the judge sees them:

# %%
generated = generate(noise(2000, Z))
share = np.bincount(judge.predict(generated, verbose=0).argmax(axis=1), minlength=10) / 2000
coverage = pd.Series(share, index=fashion.class_names, name="share of generated images")
print(f"Fréchet distance fell from {distances[0]:.1f} to {distances[-1]:.1f}", end=" ")
print(f"({distances[0] / distances[-1]:.1f}x); real against real: {floor:.2f}")
print(f"classes with at least 2 % of the samples: {(share >= 0.02).sum()} of 10")
print(f"most frequent: {coverage.idxmax()} ({share.max():.1%});", end=" ")
print(f"rarest: {coverage.idxmin()} ({share.min():.1%}); each is 10 % of the real images")
coverage.round(3).to_frame().T

# %% [markdown]
# The real images hold 10 % of each class; the generated ones do not. The most frequent class
# takes more than twice its share and the rarest less than half of it: partial **mode
# collapse**. The generator is rewarded for images the discriminator accepts, not for covering
# every class, so it drifts towards the kinds it draws well. Which classes win, and how many
# pass 2 %, changes with the random draw (TensorFlow and JAX, which draw different initial
# weights from one seed, give different counts); the lopsidedness is what both runs show.

# %% tags=["remove-cell"]
# Training moves the samples towards the real images, and covers the classes unevenly.
if not profile.smoke:  # needs real training: not in a smoke run
    assert distances[-1] < distances[0] / 3, distances
    assert share.max() > 0.2 and share.min() < 0.05, coverage

# %% [markdown]
# ## Walking the latent space
#
# The generator is a smooth function of its noise. Walking on a straight line between two noise
# vectors gives images that change gradually from one to the other, not a sequence of unrelated
# items: evidence that the generator has not just memorised training images.


# %%
z_pair, t = noise(2, Z), np.linspace(0, 1, 9, dtype="float32")[:, None]
strip = generate((1 - t) * z_pair[0] + t * z_pair[1])  # nine points on the line
plot_image_grid(strip, [f"t = {s:.2f}" for s in t[:, 0]], ncols=9, cmap="gray", vmax=255, size=1)
plt.suptitle("From one noise vector to another in nine steps")
plt.show()

# %% [markdown]
# In a running notebook, the slider below moves along the same line (the static page has no
# Python behind it, so its output is left out here).


# %% tags=["remove-output"]
def show_point(t=0.5):
    image = generate(((1 - t) * z_pair[0] + t * z_pair[1])[None])
    plot_image_grid(image, [f"t = {t:.2f}"], ncols=1, cmap="gray", vmax=255, size=2)
    plt.show()


display(widgets.interactive(show_point, t=widgets.FloatSlider(0.5, min=0, max=1, step=0.05)))

# %% [markdown]
# ## Generating by gradient
#
# The seed's slides put GANs next to an older way of making images with a network: keep the
# network fixed and change the *image* by gradient. Two of their examples run offline with the
# book's small Fashion-MNIST body in place of VGG-19 (whose ImageNet weights need a download),
# on scikit-image's bundled photographs. Both are **stand-ins**: the body has seen only
# clothes, in grey, at 28×28 pixels, so expect amplified strokes and textures, not the dog faces
# of ImageNet dreams.
#
# ### Deep dream
#
# Pick a layer and do gradient *ascent* on the image to increase the squared L2 norm of that
# layer's activations (the slides' "V-norm"): whatever the layer faintly sees, it is made to see
# more. Each step is normalised by the gradient's mean size, as in the original code.

# %%
photos = load_images(("camera", "brick", "gravel"))
camera = skimage.transform.resize(photos.camera, (256, 256), preserve_range=True)
dream_layer = keras.Model(body.input, body.get_layer("block3_relu2").output)


def layer_energy(image):
    return ops.mean(ops.square(dream_layer(image)))


dream = camera.astype("float32")[None, ..., None]
energy_before = float(layer_energy(dream))
for _ in range(40):
    (grad,) = gradients(layer_energy, dream)
    dream = np.clip(dream + 2.0 * grad / (np.abs(grad).mean() + 1e-8), 0, 255)
energy_after = float(layer_energy(dream))
print(f"mean squared activation of block3_relu2: {energy_before:.3f} -> {energy_after:.3f}")


def local_contrast(image):  # standard deviation of the pixels in each 9x9 window
    mean = ndimage.uniform_filter(image, 9)
    return np.sqrt(np.maximum(ndimage.uniform_filter(image**2, 9) - mean**2, 0))


before, after = local_contrast(camera), local_contrast(dream[0, ..., 0].astype(float))
flat = before <= np.median(before)  # the flatter half of the photograph: sky, lawn, the coat
print(f"local contrast in the flatter half: {before[flat].mean():.1f} -> {after[flat].mean():.1f}")
kept = np.corrcoef(camera.ravel(), dream.ravel())[0, 1]
print(f"correlation of the dream with the photograph: {kept:.2f}")

# %% tags=["remove-cell"]
# What the ascent does not target directly: strokes drawn where the photograph was flat, and
# the photograph kept (with 0 steps the first fails; with 20 times the step size the second).
assert after[flat].mean() > 3 * before[flat].mean(), (before[flat].mean(), after[flat].mean())
assert kept > 0.8, kept

# %% [markdown]
# ### Texture synthesis with Gram matrices
#
# Gatys and colleagues' style transfer describes a texture by the *Gram matrices* of a
# network's feature maps: for each layer, the correlations between its channels averaged over
# all positions, which keep what patterns occur and drop where they are. Starting from noise,
# gradient descent on the image makes its Gram matrices match those of a texture. Even small
# or random-filter networks do this passably (Ustyuzhaninov and colleagues, 2016). We shrink
# scikit-image's brick wall to 128×128 pixels so that its bricks fit the body's small receptive
# fields, and match three layers with Adam on the pixels.


# %%
def taps(name):  # the body's layer `name` in each of its three blocks, as one model
    return keras.Model(body.input, [body.get_layer(f"block{k}_{name}").output for k in (1, 2, 3)])


texture_layers = taps("relu2")


def grams(image, layers=texture_layers):
    flat = [ops.reshape(f, (-1, f.shape[-1])) for f in layers(image)]  # positions x channels
    return [ops.matmul(ops.transpose(f), f) / ops.cast(ops.shape(f)[0], "float32") for f in flat]


def gram_distance(image, target, layers=texture_layers):
    """Sum over layers of the squared Gram difference, relative to the target's Gram size."""
    pairs = zip(grams(image, layers), target)
    return sum(ops.sum(ops.square(g - t)) / float(np.sum(t**2)) for g, t in pairs)


def as_input(image):
    return np.asarray(image, "float32")[None, ..., None]


brick = as_input(skimage.transform.resize(photos.brick, (128, 128), preserve_range=True))
gravel = as_input(photos.gravel[:128, :128])
brick_grams = [ops.convert_to_numpy(g) for g in grams(brick)]
start_noise = rng.uniform(100, 156, brick.shape).astype("float32")
texture = keras.Variable(start_noise.copy())  # the optimiser must not move start_noise
pixel_adam = keras.optimizers.Adam(4.0)
for _ in range(profile.pick(quick=150, full=1000, smoke=20)):
    (grad,) = gradients(lambda x: gram_distance(x, brick_grams), ops.convert_to_numpy(texture))
    pixel_adam.apply([grad], [texture])
synthesised = ops.convert_to_numpy(texture)

# %% [markdown]
# How close is the result to the brick wall? At the three layers in the loss it was driven
# there by construction, so a small distance there shows only that the optimiser worked. The
# test is the first convolution of each block (`block1_relu1` and so on), which the loss never
# reads: do its Gram matrices come closer to the brick wall's too, than those of the noise it
# started from and of another real texture, gravel?

# %%
unmatched = taps("relu1")
brick_unmatched = [ops.convert_to_numpy(g) for g in grams(brick, unmatched)]
candidates = {"the noise it started from": start_noise, "gravel (another real texture)": gravel}
candidates["the synthesised texture"] = synthesised
columns = {"layers in the loss": (brick_grams, texture_layers)}
columns["layers not in the loss"] = (brick_unmatched, unmatched)
distances_to_brick = pd.DataFrame(
    {c: {k: float(gram_distance(x, *t)) for k, x in candidates.items()} for c, t in columns.items()}
).rename_axis("Gram distance to the brick wall")
distances_to_brick.round(4)

# %% [markdown]
# The layers the loss never read moved towards the brick wall as well, to a small fraction of
# gravel's distance: the synthesis learnt the wall's statistics, not three matrices alone.

# %% tags=["remove-cell"]
# At the layers not in the loss, the synthesised image is far closer to brick than the noise it
# started from and than gravel (a zero-iteration synthesis leaves it as far as the noise).
if not profile.smoke:  # needs the full synthesis: not in a smoke run
    away = distances_to_brick["layers not in the loss"]
    assert away["the synthesised texture"] < away["gravel (another real texture)"] / 10, away
    assert away["the synthesised texture"] < away["the noise it started from"] / 10, away

# %%
titles = ["camera", "deep dream (block3)", "brick wall, 128x128", "synthesised from noise"]
plot_image_grid([camera, dream, brick, synthesised], titles, ncols=4, cmap="gray", vmax=255, size=3)
plt.suptitle("Generating by gradient with the Fashion-MNIST body (stand-in for VGG-19)")
plt.show()

# %% [markdown]
# The dream has drawn the body's stroke detectors over the whole photograph: where it was
# flat, in the sky and on the lawn, the local contrast has risen several-fold (printed under
# the dream's cell), and yet the photograph is still there, closely correlated with the
# dream. The synthesised texture has the brick wall's slanted strokes in their proportions,
# but not its regular layout: Gram matrices keep what occurs and discard where, and our
# body's receptive fields are small. With VGG-19's deeper layers (the seed uses
# `pool4`, Keras' `block4_pool`), both work at the scale of objects. The full profile tries:

# %%
if profile.quick or offline_mode():  # VGG-19's weights are a download of 80 MB
    print("the VGG-19 dream runs with HELPERS_PROFILE=full, online (not HELPERS_OFFLINE)")
else:
    try:
        vgg19 = keras.applications.VGG19(include_top=False, weights="imagenet")
    except Exception as err:  # no network or no weights: say so and keep the stand-in
        print(f"no VGG-19 weights ({type(err).__name__}); the Fashion-MNIST dream stands in")
    else:
        pool4 = keras.Model(vgg19.input, vgg19.get_layer("block4_pool").output)
        astronaut = load_images("astronaut").astronaut.astype("float32")
        vgg_in = keras.applications.vgg19.preprocess_input(astronaut.copy())[None]
        for _ in range(20):
            (grad,) = gradients(lambda x: ops.mean(ops.square(pool4(x))), vgg_in)
            vgg_in = vgg_in + 2.0 * grad / (np.abs(grad).mean() + 1e-8)
        rgb = (vgg_in[0, ..., ::-1] + [123.68, 116.779, 103.939]).clip(0, 255) / 255
        plot_image_grid([astronaut / 255, rgb], ["astronaut", "VGG-19 pool4"], ncols=2, size=4)
        plt.show()

# %% [markdown]
# ## The seeds and this notebook

# %%
seed_vs_ours = pd.DataFrame(
    [
        ("V(D, G)", "generator's loss + discriminator's loss", "D maximises V; G minimises term 2"),
        ("best discriminator", "(not stated)", "p_data / (p_data + p_g), checked"),
        ("V(D*, G) for N(1,1) vs N(-1,1)", "(not stated)", f"{v_star:.5f} = -log 4 + 2 x {js:.5f}"),
        ("G's gradient at logit -6", "(not stated)", f"{saturating:+.4f} vs {non_saturating:+.4f}"),
        ("ring GAN, mean D on real data", "(no toy)", f"{d_real:.3f}"),
        ("DCGAN Fréchet distance", "(no measure)", f"{distances[0]:.1f} -> {distances[-1]:.1f}"),
        ("deep dream layer", "VGG-19 pool4", "Fashion body block3 (stand-in); pool4 in full"),
    ],
    columns=["", "seeds", "here"],
).set_index("")
seed_vs_ours

# %% [markdown]
# ## What we learned
#
# - In $\min_G \max_D V$ the discriminator maximises both terms (its mean cross-entropy on a
#   half-real, half-fake batch is $-V/2$); the generator minimises the second.
# - For a fixed generator the best discriminator is $p_\text{data} / (p_\text{data} + p_g)$,
#   and the game is then worth $-\log 4 + 2\,\mathrm{JSD}$: minimal exactly when the generator
#   matches the data, with $D^* = \tfrac12$.
# - The minimax generator loss saturates when the discriminator wins; practice trains the
#   generator on $-\log D(G(z))$, which makes the game non-zero-sum.
# - In Keras 3, a discriminator compiled alone and a frozen copy inside the stacked model train
#   the game on any backend; keep batch norm out of that discriminator.
# - GAN losses hover instead of falling; measure samples from outside (a Fréchet distance on
#   some network's features, a class histogram for coverage), and compare such numbers only
#   with others computed the same way.
# - A fixed network can also generate by gradient on the image: deep dream maximises a layer's
#   activations, texture synthesis matches Gram matrices.
#
# ## Exercises
#
# Exercises 1, 3 and 6 check your answer: fill in the cell under the exercise and run it. It
# says **Correct**, or **Not yet** with a hint aimed at the mistake. `ex.q1.hint()` prints a
# hint and `ex.q1.solution()` the answer (likewise `ex.q3`, `ex.q6`).
#
# 1. Train the ring GAN with the minimax generator loss: compile `stacked2` with the loss
#    `lambda y, l: -BCE(ops.zeros_like(y), l)`. First, where the discriminator starts unsure,
#    at $D(G(z)) = \tfrac12$: what are the gradients of the minimax loss $\log(1 - D)$ and of
#    the non-saturating $-\log D$ with respect to the logit (`grad_minimax`,
#    `grad_non_saturating`)? Does it still learn here? Give the discriminator 200 rounds alone
#    first and try again.

# %%
from helpers.exercises import lecture10 as ex

grad_minimax = ...  # d log(1 - D) / d logit at D(G(z)) = 1/2
grad_non_saturating = ...  # d (-log D) / d logit there
ex.q1.check(grad_minimax, grad_non_saturating)

# %% [markdown]
# 2. Make the ring harder: 25 modes on a 5×5 grid, or `SPREAD = 0.02`. How many modes are dropped?
# 3. Compute $V(D^*, G)$ for $p_g = \mathcal{N}(\mu, 1)$ with $\mu$ from $-3$ to $1$ and plot it
#    against $\mu$. Where is its minimum (`mu_best`), and what is its value there (`v_min`)?

# %%
mu_best = ...  # the mean of the generator's Gaussian where V(D*, G) is smallest
v_min = ...  # V(D*, G) there
ex.q3.check(mu_best, v_min)

# %% [markdown]
# 4. Add batch normalisation to the DCGAN's discriminator after its second convolution. What
#    happens to training, and why (see the note on frozen batch norm)?
# 5. Match only the first layer's Gram matrix in the texture synthesis, then only the third.
#    What does each layer contribute?
# 6. The Fréchet distance in one dimension: a feature of real images follows
#    $\mathcal{N}(0, 1)$, the same feature of generated images $\mathcal{N}(2, 9)$ (mean 2,
#    variance 9). Compute their Fréchet distance by hand (`fd`), then check it with `frechet`.

# %%
fd = ...  # the Fréchet distance between N(0, 1) and N(2, 9)
ex.q6.check(fd)

# %% [markdown]
# ## Solutions
#
# Two of the exercises, worked. Unfold a cell to read a solution; the book runs them when it
# is built, so they are checked like every other cell.
#
# **Exercise 3** (the value of the game as the generator moves):

# %% tags=["hide-cell"]
# V(D*, G) = -log 4 + 2 JSD is smallest when p_g = p_data: at mu = 1, where it is -log 4.
mus = np.linspace(-3, 1, 17)
values = []
for mu in mus:
    moved = stats.norm(mu, 1)
    values.append(value(lambda x, g=moved: d_star(x, p_data, g), p_data, moved))
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(mus, values, "o-")
ax.axhline(-np.log(4), color="k", ls=":", label="-log 4")
ax.set(xlabel="mean of the generator's Gaussian", ylabel="V(D*, G)", title="The value of the game")
ax.legend()
plt.show()
print(f"minimum {min(values):.5f} at mu = {mus[np.argmin(values)]:.2f}")
ex.q3.check(mus[np.argmin(values)], min(values))

# %% [markdown]
# **Exercise 5** (what each layer of the texture contributes):

# %% tags=["hide-cell"]
# Matching one layer at a time. The first block's Gram matrix sets the grey level and short
# strokes in the wall's direction; the third's, the denser slanted pattern of the bricks'
# edges, with noise between. Together (above) they give both.
fig, axes = plt.subplots(1, 2, figsize=(6, 3.2))
for ax, k in zip(axes, (0, 2)):
    single = keras.Variable(rng.uniform(100, 156, brick.shape).astype("float32"))
    adam = keras.optimizers.Adam(4.0)
    for _ in range(60):
        (grad,) = gradients(
            lambda x, k=k: ops.sum(ops.square(grams(x)[k] - brick_grams[k])),
            ops.convert_to_numpy(single),
        )
        adam.apply([grad], [single])
    ax.imshow(ops.convert_to_numpy(single)[0, ..., 0], cmap="gray", vmin=0, vmax=255)
    ax.set(title=f"block {k + 1} only", xticks=[], yticks=[])
fig.suptitle("Texture from one layer's Gram matrix")
plt.show()
