# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. L1 and L2 regularization, and feature selection
#
# A model with many weights and few samples can fit its training data perfectly and still
# predict new data badly. Regularization adds a price for large weights to the training loss,
# trading a little training fit for a lot of stability. Two prices dominate practice: the L2
# norm (sum of squares) shrinks all weights smoothly; the L1 norm (sum of absolute values)
# drives many of them to exactly zero, which makes it a feature selector.
#
# **You will learn to**
# - write down the penalised loss, and sweep the regularization strength C of logistic
#   regression with L1 and L2 penalties: accuracy, number of non-zero weights, weight paths;
# - explain with a picture why L1 lands on corners (exact zeros), and why Lq for q < 1 is even
#   sparser but non-convex, so that its answer depends on where the optimiser starts;
# - select features from a generator of many redundant feature sets, by L1 and by brute force,
#   as in the course's MEG competition entry, and see that discarding features helps;
# - use the same penalties, and dropout, in a Keras network.
#
# **Follows** the course blog's lectures on regularization and feature selection (seed 000).
# **Run time:** under 2 minutes on a 2-core CPU ([measured](execution_statistics.md)) (both
# profiles; no GPU needed).

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

profile = helpers.setup()

# %%
import itertools

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sklearn
from IPython.display import display
from packaging.version import Version
from scipy import stats
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers.datasets import load_fashion_mnist, load_parkinsons_speech
from helpers.interpret import paired_gap

# %% [markdown]
# ## The penalised loss
#
# Logistic regression finds weights $\mathbf{w}$ and a bias $b$ that minimise the log-loss
# over the $n$ training samples. Regularization adds a penalty on the weights:
#
# $$
# \min_{\mathbf{w},\, b}\; C \sum_{i=1}^{n} \log\!\left(1 + e^{-y_i(\mathbf{w}^\top
# \mathbf{x}_i + b)}\right) + \Omega(\mathbf{w}), \qquad
# \Omega_{L2}(\mathbf{w}) = \tfrac12 \lVert \mathbf{w} \rVert_2^2 = \tfrac12 \sum_j w_j^2,
# \quad \Omega_{L1}(\mathbf{w}) = \lVert \mathbf{w} \rVert_1 = \sum_j |w_j| .
# $$
#
# (with labels $y_i \in \{-1, +1\}$). scikit-learn puts the knob on the data term: a **small C
# means strong regularization**. A support vector machine is the same recipe with the hinge
# loss in place of the log-loss. The bias is not penalised: it only shifts the decision
# threshold. In scikit-learn 1.8 and later, `l1_ratio=1` selects the L1 penalty and
# `l1_ratio=0` the L2 penalty. Earlier versions (Colab has 1.6) spell it `penalty="l1"` or
# `penalty="l2"` and use `l1_ratio` only with `penalty="elasticnet"`: there `l1_ratio=1`
# alone fits an L2 model, with a warning that is easy to miss. The function below speaks both.


# %%
NEW_SPELLING = Version(sklearn.__version__) >= Version("1.8")


def logistic(C, l1_ratio):
    """Standardised logistic regression, L1 (l1_ratio=1) or L2 (0) penalty.

    liblinear penalises the bias too; a large intercept_scaling makes that
    penalty negligible, so that the bias stays free as in the formula.
    """
    old_spelling = {"penalty": "l1" if l1_ratio == 1 else "l2"}
    penalty = {"l1_ratio": l1_ratio} if NEW_SPELLING else old_spelling
    return make_pipeline(
        StandardScaler(),
        LogisticRegression(
            C=C, **penalty, solver="liblinear", intercept_scaling=100, max_iter=5000
        ),
    )


# %% [markdown]
# ## Sweeping C on a wide dataset
#
# The Parkinson's speech data (R package modeldata) has 751 acoustic measurements of sustained
# vowels for each of 252 people, 188 of them with Parkinson's disease. More features than
# samples: without regularization, a linear model can separate the training data in many ways,
# most of them meaningless.

# %%
speech = load_parkinsons_speech()
X, y = speech.X, speech.y
cv = StratifiedKFold(5, shuffle=True, random_state=0)
Cs = np.logspace(-3, 2, profile.pick(quick=11, full=21, smoke=5))

rows = []
for C in Cs:
    for name, l1_ratio in (("L1", 1.0), ("L2", 0.0)):
        model = logistic(C, l1_ratio)
        accuracy = cross_val_score(model, X, y, cv=cv).mean()
        weights = model.fit(X, y)[-1].coef_.ravel()
        rows.append(
            {
                "C": C,
                "penalty": name,
                "CV accuracy": accuracy,
                "non-zero weights": np.count_nonzero(weights),
            }
        )
sweep = pd.DataFrame(rows)
print(f"majority class (always 'Parkinson's'): {y.mean():.3f}")
sweep.pivot(index="C", columns="penalty").round(3)

# %%
fig, (ax_acc, ax_nz) = plt.subplots(1, 2, figsize=(10, 3.8))
for name, group in sweep.groupby("penalty"):
    ax_acc.semilogx(group["C"], group["CV accuracy"], "o-", label=name)
    ax_nz.semilogx(group["C"], group["non-zero weights"], "o-", label=name)
ax_acc.axhline(y.mean(), ls="--", color="grey", label="majority class")
ax_acc.set(
    xlabel="C (larger = weaker regularization)",
    ylabel="5-fold CV accuracy",
    title="Accuracy against C",
)
ax_nz.axhline(len(y), ls=":", color="grey", label=f"n = {len(y)} samples")
ax_nz.set(
    xlabel="C (larger = weaker regularization)",
    ylabel=f"non-zero weights (of {X.shape[1]})",
    title="Sparsity against C",
)
ax_acc.legend()
ax_nz.legend()
plt.show()

# %% [markdown]
# Reading the two panels together:
#
# - With L1 and a small C every weight is zero: the model predicts the majority class. As C
#   grows, weights switch on one after another; the best accuracy comes with a few dozen
#   features out of 751.
# - L2 never sets a weight exactly to zero: all 751 stay in use at every C. Its best accuracy
#   is about L1's best, but L1 gets there with a few dozen features: most of the 751 are
#   redundant for this task, and L1 says which ones are not.
# - Even with almost no regularization, L1 keeps far fewer weights than samples. An L1 solution
#   has at most as many non-zero weights as there are samples (when there are more features
#   than samples), one reason it is the tool of choice for p ≫ n.
#
# **Weight paths.** Follow individual weights as C grows. With L1 they leave zero one by one,
# which ranks the features by how early the model wants them.

# %%
path_Cs = np.logspace(-1.6, 0.5, 30)
path = np.array([logistic(C, 1.0).fit(X, y)[-1].coef_.ravel() for C in path_Cs])
first_in = np.argsort(
    [np.argmax(path[:, j] != 0) if path[:, j].any() else 99 for j in range(path.shape[1])]
)[:8]

fig, ax = plt.subplots(figsize=(7, 4))
ax.semilogx(path_Cs, path, color="lightgrey", lw=0.6)
for j in first_in:
    ax.semilogx(path_Cs, path[:, j], lw=2, label=speech.feature_names[j][:28])
ax.set(
    xlabel="C",
    ylabel="weight (standardised feature)",
    title="L1 weight paths: features enter one by one",
)
ax.legend(fontsize=7, loc="upper left")
plt.show()

# %% [markdown]
# The coloured paths are the eight features that enter first; grey are all the others. The
# earliest features are the ones the model relies on most when it may afford only a few.
#
# **Explore.** The slider sets C; the plot shows all 751 weights of the L1 and the L2 model at
# that C. The static page shows C = 0.1.


# %%
def show_weights(log10_C=-1.0):
    """The weight vectors of the L1 and L2 models at C = 10**log10_C."""
    C = 10**log10_C
    fig, axes = plt.subplots(1, 2, figsize=(10, 3), sharey=True)
    for ax, (name, l1_ratio) in zip(axes, (("L1", 1.0), ("L2", 0.0))):
        w = logistic(C, l1_ratio).fit(X, y)[-1].coef_.ravel()
        ax.bar(np.arange(len(w)), w, width=1.0, color="C0" if name == "L1" else "C1")
        ax.set(
            title=f"{name}, C = {C:.3g}: {np.count_nonzero(w)} weights != 0", xlabel="feature index"
        )
    axes[0].set_ylabel("weight")
    plt.show()


show_weights(-1.0)

# %% tags=["remove-output"]
display(
    widgets.interactive(
        show_weights,
        log10_C=widgets.FloatSlider(
            value=-1.0, min=-2.0, max=1.0, step=0.25, description="log10 C", continuous_update=False
        ),
    )
)

# %% tags=["remove-cell"]
# Checks: L1 has exact zeros, and fewer of them as C grows; L2 has none.
l1 = sweep[sweep["penalty"] == "L1"]["non-zero weights"].to_numpy()
l2 = sweep[sweep["penalty"] == "L2"]["non-zero weights"].to_numpy()
assert l1[0] == 0 and l1[-1] < len(y) and np.all(np.diff(l1) >= -3), l1
assert np.all(l2 == X.shape[1]), l2
best = sweep.loc[sweep.groupby("penalty")["CV accuracy"].idxmax()].set_index("penalty")
assert best.loc["L1", "CV accuracy"] > y.mean() + 0.05, best
assert best.loc["L1", "non-zero weights"] < 100, best
assert best.loc["L1", "CV accuracy"] > best.loc["L2", "CV accuracy"] - 0.03, best

# %% [markdown]
# ## Why L1 lands on corners
#
# Minimising "loss + penalty" is equivalent to minimising the loss alone *inside a region*
# $\Omega(\mathbf{w}) \le t$, where a smaller budget $t$ corresponds to a smaller C. In two
# dimensions the picture says it all: the loss has elliptical contours around its
# unregularised optimum; the solution is the point where the smallest contour touches the
# region. The L2 region is a disc, which a contour touches anywhere. The L1 region is a square
# standing on its corner, and contours almost always touch it *at a corner*, where one weight
# is exactly zero. The Lq "ball" for q < 1 is pinched even further towards the axes.

# %%
w_star = np.array([2.0, 0.7])  # where the loss alone would put the weights
H = np.array([[1.0, -0.3], [-0.3, 1.2]])  # the loss's curvature (a tilted ellipse)


def loss(w):
    """A quadratic loss with its minimum at w_star; w has shape (..., 2)."""
    d = w - w_star
    return np.einsum("...i,ij,...j->...", d, H, d)


def ball_boundary(q, t, n=4000):
    """Points with |w1|^q + |w2|^q = t^q: the edge of the Lq ball of radius t."""
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(theta), np.sin(theta)
    r = t / (np.abs(c) ** q + np.abs(s) ** q) ** (1 / q)
    return np.stack([r * c, r * s], axis=1)


def constrained_optimum(q, t):
    """The loss's minimum on the Lq ball of radius t (w_star lies outside)."""
    edge = ball_boundary(q, t)
    return edge[np.argmin(loss(edge))]


# %%
g1, g2 = np.meshgrid(np.linspace(-1.5, 3, 300), np.linspace(-1.5, 2, 300))
grid_loss = loss(np.stack([g1, g2], axis=-1))
balls = {"L2 (q = 2)": 2.0, "L1 (q = 1)": 1.0, "L0.5 (q = 0.5)": 0.5}


def draw_loss_contours(ax):
    """The loss's elliptical contours, in grey."""
    levels = np.geomspace(0.05, 12, 12)
    ax.contour(g1, g2, grid_loss, levels=levels, cmap="Greys", linewidths=0.7)


fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)
for ax, (name, q) in zip(axes, balls.items()):
    t = 1.0
    w_opt = constrained_optimum(q, t)
    draw_loss_contours(ax)
    edge = ball_boundary(q, t)
    ax.fill(edge[:, 0], edge[:, 1], alpha=0.3, color="C3")
    ax.contour(g1, g2, grid_loss, levels=[loss(w_opt)], colors="C0", linewidths=1.5)
    ax.plot(*w_star, "k*", ms=12, label="loss minimum")
    ax.plot(*w_opt, "o", color="C0", ms=8, label=f"solution ({w_opt[0]:.2f}, {w_opt[1]:.2f})")
    ax.axhline(0, color="black", lw=0.5)
    ax.axvline(0, color="black", lw=0.5)
    ax.set(title=name, xlabel="$w_1$", aspect="equal")
    ax.legend(loc="lower right", fontsize=8)
axes[0].set_ylabel("$w_2$")
plt.show()

# %% [markdown]
# With the same budget, the L2 solution keeps both weights non-zero; the L1 and L0.5 solutions
# sit on the $w_1$ axis, $w_2 = 0$ exactly. Now shrink the budget (smaller C) and follow the
# solution: the smaller the region, the more likely the touching point is a corner.

# %%
budgets = np.linspace(2.3, 0.05, 60)
fig, ax = plt.subplots(figsize=(5.5, 4.5))
draw_loss_contours(ax)
for name, q in balls.items():
    track = np.array([constrained_optimum(q, t) for t in budgets])
    ax.plot(track[:, 0], track[:, 1], ".-", ms=3, label=name)
ax.plot(*w_star, "k*", ms=12, label="loss minimum (no penalty)")
ax.axhline(0, color="black", lw=0.5)
ax.axvline(0, color="black", lw=0.5)
ax.set(
    xlabel="$w_1$",
    ylabel="$w_2$",
    aspect="equal",
    xlim=(-0.3, 2.5),
    ylim=(-0.3, 1.2),
    title="Solutions as the budget shrinks",
)
ax.legend(fontsize=8, loc="upper left")
plt.show()

# %% [markdown]
# As the budget shrinks from "no constraint" (the star) towards zero, the L2 solution slides
# smoothly to the origin with both weights non-zero all the way. The L1 solution reaches the
# $w_1$ axis at a finite budget and then stays on it: $w_2$ is exactly zero from there on, a
# feature discarded. Lq with q < 1 reaches the axis even sooner.
#
# ## Lq for q < 1: sparser, but non-convex
#
# Why not always use q < 1? Its region is not convex, so the penalised loss can have several
# local minima, and gradient descent ends in whichever one its starting point drains into. We
# minimise loss(w) + λ(|w₁|^½ + |w₂|^½) from different starting points (the absolute value is
# smoothed slightly so that the gradient exists at zero).

# %%
lam, q, eps = 1.2, 0.5, 1e-4


def objective(w):
    return loss(w) + lam * ((w**2 + eps) ** (q / 2)).sum(axis=-1)


def gradient(w):
    return 2 * (w - w_star) @ H + lam * q * w * (w**2 + eps) ** (q / 2 - 1)


starts = np.array([[2.5, 1.5], [0.3, 1.8], [-1.0, 1.5], [2.8, -1.0], [-1.0, -1.0], [1.0, 0.2]])
fig, ax = plt.subplots(figsize=(5.5, 4.5))
ax.contour(g1, g2, objective(np.stack([g1, g2], axis=-1)), levels=30, cmap="Greys", linewidths=0.6)
ends = []
for k, w in enumerate(starts.astype(float)):
    track = [w]
    for _ in range(3000):
        w = w - 0.002 * gradient(w)
        track.append(w)
    track = np.array(track)
    ends.append(w)
    ax.plot(track[:, 0], track[:, 1], "-", color=f"C{k}", lw=1.5)
    ax.plot(*track[0], "o", color=f"C{k}", ms=5)
    ax.plot(*w, "X", color=f"C{k}", ms=10, mec="black")
ax.set(
    xlabel="$w_1$",
    ylabel="$w_2$",
    aspect="equal",
    title="Gradient descent on an L0.5-penalised loss",
)
plt.show()
ends = np.array(ends)
endpoints = pd.DataFrame(ends.round(3), columns=["w1", "w2"])
endpoints["objective"] = objective(ends).round(3)
endpoints

# %% [markdown]
# Circles are starting points, crosses where descent ended. Most starts end at the same point
# on the $w_1$ axis ($w_2 \approx 0$). One ends at the origin, with a clearly worse objective:
# the penalty $|w|^{1/2}$ has an infinitely steep slope at zero, so the origin is a local
# minimum that descent cannot leave once it is close. With L1 or L2 (convex) every start would
# reach the same, global minimum.

# %% tags=["remove-cell"]
# Checks: the 2-D picture puts L1 and L0.5 on a corner (w2 = 0) and L2 off it; the Lq
# descent ends in at least two different minima with different objective values.
assert abs(constrained_optimum(1.0, 1.0)[1]) < 1e-2 and abs(constrained_optimum(0.5, 1.0)[1]) < 1e-2
assert constrained_optimum(2.0, 1.0)[1] > 0.1
distinct = np.unique(ends.round(2), axis=0)
assert len(distinct) >= 2 and np.ptp(objective(ends)) > 0.05, endpoints

# %% [markdown]
# ## Feature selection with a feature generator
#
# In the course's ICANN 2011 MEG mind-reading entry, each sample was a multichannel time
# series (magnetometer channels over time). A feature generator computed 11 different
# statistics of every channel (mean, standard deviation, variance, ...), giving 11 redundant
# feature sets; the best was chosen both by L1 regularization and by a brute-force search over
# all pairs of statistics.
#
# We repeat the recipe on real images treated as multichannel signals: each of the 28 rows of a
# Fashion-MNIST image is one "channel", a signal of 28 samples. The task is the hardest pair of
# classes, T-shirt/top against shirt, with a small training set (600 images), where redundant
# features hurt most.

# %%
fashion = load_fashion_mnist()
T_SHIRT, SHIRT = 0, 6


def two_class_sample(x, y, n, seed):
    """n random images of the two classes, labels 1 = shirt."""
    pool = np.flatnonzero(np.isin(y, [T_SHIRT, SHIRT]))
    pick = np.random.default_rng(seed).choice(pool, size=n, replace=False)
    return x[pick], (y[pick] == SHIRT).astype(int)


x_train, y_train = two_class_sample(fashion.x_train, fashion.y_train, 600, seed=0)
x_test, y_test = two_class_sample(fashion.x_test, fashion.y_test, 2000, seed=1)


# %%
def channel_statistics(images):
    """11 feature sets: a statistic of every row ("channel") of each image."""
    x = images.astype(np.float32) / 255
    return {
        "mean": x.mean(axis=2),
        "std": x.std(axis=2),
        "variance": x.var(axis=2),
        "min": x.min(axis=2),
        "max": x.max(axis=2),
        "median": np.median(x, axis=2),
        "range": np.ptp(x, axis=2),
        "energy": (x**2).mean(axis=2),
        "mean |diff|": np.abs(np.diff(x, axis=2)).mean(axis=2),
        "skewness": np.nan_to_num(stats.skew(x, axis=2)),
        "kurtosis": np.nan_to_num(stats.kurtosis(x, axis=2)),
    }


sets_train, sets_test = channel_statistics(x_train), channel_statistics(x_test)
set_names = list(sets_train)
F_train = np.hstack([sets_train[s] for s in set_names])
F_test = np.hstack([sets_test[s] for s in set_names])
set_of_column = np.repeat(set_names, 28)
print(
    f"{len(set_names)} feature sets x 28 channels = {F_train.shape[1]} features, "
    f"{len(y_train)} training images"
)

# %% [markdown]
# Three ways to use them, all chosen with 5-fold CV on the training images only; the test set
# (2,000 other images) is used once at the end:
#
# 1. everything, with a mild L2 penalty (C = 1);
# 2. L1, with C chosen by CV: the selection happens inside the fit;
# 3. brute force: every single feature set and every pair of sets (66 candidates), each with
#    the mild L2 model; keep the best by CV.

# %%
inner = StratifiedKFold(5, shuffle=True, random_state=0)


def cv_accuracy(model, F):
    return cross_val_score(model, F, y_train, cv=inner).mean()


everything = logistic(1.0, 0.0)
l1_Cs = [0.02, 0.05, 0.1, 0.2, 0.5]
l1_scores = {C: cv_accuracy(logistic(C, 1.0), F_train) for C in l1_Cs}
best_C = max(l1_scores, key=l1_scores.get)
lasso = logistic(best_C, 1.0)

# %%
pairs = list(itertools.combinations_with_replacement(set_names, 2))
pair_scores = {}
for a, b in pairs:
    chosen = sorted({a, b})
    columns = np.isin(set_of_column, chosen)
    pair_scores[" + ".join(chosen)] = cv_accuracy(everything, F_train[:, columns])
best_pair = max(pair_scores, key=pair_scores.get)
pair_columns = np.isin(set_of_column, best_pair.split(" + "))

results = pd.DataFrame(
    {
        "features used": [
            F_train.shape[1],
            np.count_nonzero(lasso.fit(F_train, y_train)[-1].coef_),
            pair_columns.sum(),
        ],
        "CV accuracy (train)": [
            cv_accuracy(everything, F_train),
            l1_scores[best_C],
            pair_scores[best_pair],
        ],
        "test accuracy": [
            everything.fit(F_train, y_train).score(F_test, y_test),
            lasso.score(F_test, y_test),
            everything.fit(F_train[:, pair_columns], y_train).score(
                F_test[:, pair_columns], y_test
            ),
        ],
    },
    index=["all 11 sets, L2 (C=1)", f"L1, C={best_C}", f"best pair: {best_pair}"],
)

# %%
# Each selection against all features on the same test images: the accuracy gap and its
# standard error, image by image (helpers.interpret.paired_gap).
right = {
    name: model.predict(F) == y_test
    for name, model, F in [
        ("all", everything.fit(F_train, y_train), F_test),
        ("L1", lasso, F_test),
        ("pair", clone(everything).fit(F_train[:, pair_columns], y_train), F_test[:, pair_columns]),
    ]
}
for row, name in zip(results.index[1:], ("L1", "pair")):
    results.loc[row, ["gain over all", "± SE"]] = paired_gap(right[name], right["all"])
results.round(3)

# %% [markdown]
# Both selections use a fraction of the features. L1 is ahead of all features on the test
# images by more than two standard errors of the paired difference, so it generalises better
# here; the best pair is within noise of all features. Which feature sets did L1 keep?

# %%
kept = pd.Series(lasso[-1].coef_.ravel() != 0, index=set_of_column).groupby(level=0).sum()
fig, ax = plt.subplots(figsize=(7, 3))
kept.reindex(set_names).plot.bar(ax=ax, color="C0")
ax.set(
    ylabel="channels kept (of 28)",
    xlabel="feature set",
    title=f"What L1 (C = {best_C}) keeps of each feature set",
)
plt.show()

# %% [markdown]
# L1 spreads its few choices over several statistics and channels, picking whichever
# combination works, while brute force over *sets* keeps all 28 channels of two statistics.
# Brute force is exhaustive but its cost grows combinatorially (all triples would be 286 fits
# per CV fold); L1 does the search inside a single convex fit.

# %% tags=["remove-cell"]
# Checks: the L1-selected model uses few features and beats all features on held-out data.
assert results.iloc[1]["features used"] < 0.3 * F_train.shape[1], results
gain, se = results.iloc[1][["gain over all", "± SE"]]
assert gain > 2 * se, results
# ... and the brute-force pair: a fraction of the features, within noise on the test images.
assert results.iloc[2]["features used"] < 0.3 * F_train.shape[1], results
gain, se = results.iloc[2][["gain over all", "± SE"]]
assert abs(gain) < 2 * se, results
assert np.isclose(right["all"].mean(), results.iloc[0]["test accuracy"]), results

# %% [markdown]
# ## The same penalties in a neural network
#
# A neural network is stacked logistic regressions, and the same penalties apply to its
# weights: in Keras, `kernel_regularizer=keras.regularizers.L1(...)` or `L2(...)` on a layer
# adds the penalty to the training loss. The most used regularizer for deep networks is
# dropout, which randomly silences units during training ([lecture 7](07_training_tricks.ipynb)
# returns to it). Here a small network on the same 308 features, trained without and with each
# regularizer. A network's result depends on its random initial weights, so each variant is
# trained from a few seeds.

# %%
keras = helpers.import_keras()
N_SEEDS = profile.pick(quick=3, full=5, smoke=1)
EPOCHS = profile.pick(quick=60, full=150, smoke=2)


def small_net(seed, regularizer=None, dropout=0.0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(F_train.shape[1],)),
            keras.layers.Dense(32, activation="relu", kernel_regularizer=regularizer),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"]
    )
    return model


# %%
scaler = StandardScaler().fit(F_train)
Z_train, Z_test = scaler.transform(F_train), scaler.transform(F_test)
variants = {
    "no regularization": {},
    "L2 (1e-2)": {"regularizer": keras.regularizers.L2(1e-2)},
    "L1 (1e-3)": {"regularizer": keras.regularizers.L1(1e-3)},
    "dropout 0.5": {"dropout": 0.5},
}
runs = []
for seed, (name, options) in itertools.product(range(N_SEEDS), variants.items()):
    net = small_net(seed, **options)
    net.fit(Z_train, y_train, epochs=EPOCHS, batch_size=32, verbose=0)
    w = keras.ops.convert_to_numpy(net.layers[0].kernel)
    runs.append(
        {
            "variant": name,
            "train accuracy": net.evaluate(Z_train, y_train, verbose=0)[1],
            "test right": (net.predict(Z_test, verbose=0).ravel() > 0.5) == y_test,
            "|w| < 1e-3 (first layer)": np.mean(np.abs(w) < 1e-3),
        }
    )
runs = pd.DataFrame(runs)
print(f"{len(variants)} variants x {N_SEEDS} seeds trained")

# %% [markdown]
# The table averages over the seeds. The test gain is each variant's test accuracy minus the
# plain network's, image by image on the same 2,000 test images; it has two standard errors:
# over the seeds (how much the gain depends on the initial weights), and over the test images
# (how much it would move on another 2,000 images). Both kinds of noise move the gain, so the
# last error combines them (the square root of the sum of their squares).

# %%
plain_right = np.stack(runs.loc[runs["variant"] == "no regularization", "test right"])
rows = {}
for name, group in runs.groupby("variant", sort=False):
    gain = np.stack(group["test right"]).astype(float) - plain_right  # seeds x images
    per_seed = 100 * gain.mean(axis=1)
    rows[name] = {
        "train accuracy": group["train accuracy"].mean(),
        "test accuracy": np.stack(group["test right"]).mean(),
        "test gain (points)": per_seed.mean(),
        "± SE, seeds": per_seed.std(ddof=1) / np.sqrt(N_SEEDS) if N_SEEDS > 1 else np.nan,
        "± SE, test images": 100 * gain.mean(axis=0).std(ddof=1) / np.sqrt(len(y_test)),
        "|w| < 1e-3 (first layer)": group["|w| < 1e-3 (first layer)"].mean(),
    }
nets = pd.DataFrame(rows).T
both = np.hypot(nets["± SE, seeds"].fillna(0), nets["± SE, test images"])
nets.insert(5, "± SE, both", both)
nets.round(3)

# %% [markdown]
# Without regularization the network memorises the 600 training images; each regularizer holds
# training accuracy below that. On the test images the differences from the plain network are
# small, a point or so either way, and each is within two of its combined standard errors (the
# plain network's gain is zero by definition). Which variant comes out ahead, and whether any
# does, changes with the seeds, the test sample and the profile's number of epochs: this
# experiment does not establish that regularization helps this network. What it does show is
# the L1 penalty pushing a large share of the first layer's weights to (nearly) zero: the
# network, too, learns to ignore most inputs. (Gradient descent makes weights tiny rather than
# exactly zero; the exact zeros above came from a solver built for the L1 penalty.)

# %% tags=["remove-cell"]
# Checks: regularization lowers the training fit; its test gains are within two combined
# standard errors; L1 makes weights small (not in a smoke run of the full profile,
# which trains for two epochs).
plain = nets.loc["no regularization"]
regularized = nets.drop("no regularization")
if not profile.smoke:
    assert plain["train accuracy"] > 0.97, nets
    assert (regularized["train accuracy"] < plain["train accuracy"]).all(), nets
    gain = regularized["test gain (points)"]
    within = gain.abs() < 2 * regularized["± SE, both"]
    assert (gain.abs() < 2).all() and within.all(), nets
    l1_small = nets.loc["L1 (1e-3)", "|w| < 1e-3 (first layer)"]
    assert l1_small > 5 * plain["|w| < 1e-3 (first layer)"], nets

# %% [markdown]
# ## What we learned
#
# - Regularization adds a norm of the weights to the training loss; in scikit-learn a smaller
#   C means a stronger penalty. Choose C by cross-validation.
# - L2 shrinks all weights; L1 sets many exactly to zero, because the L1 region's corners lie
#   on the axes. With more features than samples L1 keeps at most n of them.
# - Lq with q < 1 is sparser still, but non-convex: the answer depends on the starting point.
# - Generating many redundant features and letting L1 (or a search) select among them is a
#   practical recipe; discarding useless features improves accuracy on new data.
# - Keras layers take the same penalties as `kernel_regularizer`; dropout is the deep-learning
#   default. Each held the small network below a perfect training fit, but none changed its
#   test accuracy beyond the noise of the seeds and the 2,000 test images: measure such a gain
#   before you claim it.
#
# ## Exercises
#
# Exercises 2, 3 and 6 check your answer: fill in the cell under the exercise and run it. It
# says **Correct**, or **Not yet** with a hint aimed at the mistake. `ex.q2.hint()` prints a
# hint and `ex.q2.solution()` the answer (likewise `ex.q3`, `ex.q6`).
#
# 1. Add an elastic-net model (`l1_ratio=0.5`, `solver="saga"`) to the C sweep. Where does its
#    number of non-zero weights lie between L1 and L2?
# 2. In the 2-D picture, move `w_star` to (1.0, 1.0) (on the diagonal). Where is the L1
#    solution with budget t = 1? Does L1 still land on a corner? For which loss minima does it
#    not?

# %%
from helpers.exercises import lecture03 as ex

w_l1 = ...  # the L1 solution (w1, w2) for the loss minimum at (1.0, 1.0), budget t = 1
ex.q2.check(w_l1)

# %% [markdown]
# 3. Change λ in the Lq experiment. For which values do all starts agree again? Find one small
#    and one large λ at which all six starts end at the same point.

# %%
lam_small = ...  # a small λ at which all six starts agree
lam_large = ...  # a large λ at which all six starts agree
ex.q3.check(lam_small, lam_large)

# %% [markdown]
# 4. Extend the brute-force search to triples of feature sets. How much does the best CV score
#    improve, and what happens to its test accuracy?
# 5. Repeat the feature-selection experiment with 6,000 training images instead of 600. Does
#    selection still help? Why does the benefit of regularization shrink with more data?
# 6. The L1 variant of the network is `small_net(seed, keras.regularizers.L1(1e-3))`. On how
#    many of its parameters does the penalty act, and what does it add to the training loss
#    when each of them is 0.01? Count by hand, then confirm with `model.losses`.

# %%
n_penalised = ...  # the number of parameters the L1 penalty acts on
penalty = ...  # what it adds to the loss when each of them is 0.01
ex.q6.check(n_penalised, penalty)

# %% [markdown]
# ## Solutions
#
# Two of the exercises, worked. Unfold a cell to read a solution; the book runs them when it
# is built, so they are checked like every other cell.
#
# **Exercise 2** (move the loss minimum to (1.0, 1.0)):


# %% tags=["hide-cell"]
# With the minimum at (1, 1) the loss's contours first touch the L1 ball on its edge, not at a
# corner: both weights stay non-zero. L1 lands on a corner only for minima in the wedges
# around the axes (the orange regions below), i.e. when one weight matters much more than the
# other. The minimum of the lecture, (2.0, 0.7), lies in such a wedge.
def l1_solution(minimum, t=1.0):
    edge = ball_boundary(1.0, t)
    d = edge - minimum
    return edge[np.argmin(np.einsum("ni,ij,nj->n", d, H, d))]


print("L1 solution for the minimum at (1, 1):", l1_solution(np.array([1.0, 1.0])).round(3))
m1, m2 = np.meshgrid(np.linspace(1.05, 3, 40), np.linspace(0, 3, 40))
minima = np.stack([m1.ravel(), m2.ravel()], axis=1)
on_corner = np.array([np.abs(l1_solution(m)).min() < 1e-2 for m in minima]).reshape(m1.shape)
fig, ax = plt.subplots(figsize=(4.5, 4))
ax.contourf(m1, m2, on_corner, levels=[-0.5, 0.5, 1.5], colors=["C0", "C1"], alpha=0.5)
ax.plot(*w_star, "k*", ms=12, label="the lecture's minimum")
ax.plot(1, 1, "kX", ms=9, label="(1, 1)")
ax.set(xlabel="$w_1$ of the minimum", ylabel="$w_2$ of the minimum")
ax.set_title("Where L1 (t = 1) gives a zero weight (orange)")
ax.legend(loc="upper left", fontsize=8)
plt.show()
assert np.all(np.abs(l1_solution(np.array([1.0, 1.0]))) > 0.1) and on_corner[0, -1]
ex.q2.check(l1_solution(np.array([1.0, 1.0])))

# %% [markdown]
# **Exercise 3** (change λ in the Lq experiment):


# %% tags=["hide-cell"]
# The same descent from the same six starts, for several penalty weights; end points closer
# than 0.1 count as one minimum (the fixed step leaves a little jitter around the cusp at 0).
# With a small λ the loss dominates: every start reaches one minimum near w_star. In between,
# the L0.5 penalty makes several minima (on the w1 axis, at the origin) and the start decides.
# With a large λ the penalty dominates and every start ends at the origin: all agree again.
def descend(lam_value, steps=3000):
    w = starts.astype(float)
    for _ in range(steps):
        w = w - 0.002 * (2 * (w - w_star) @ H + lam_value * q * w * (w**2 + eps) ** (q / 2 - 1))
    return w


def count_minima(ends, tol=0.1):
    found = []
    for end in ends:
        if all(np.abs(end - other).max() > tol for other in found):
            found.append(end)
    return len(found)


lams = (0.05, 0.2, 0.6, 1.2, 2.5, 6.0)
outcome = {lam_value: count_minima(descend(lam_value)) for lam_value in lams}
print("λ -> number of different minima reached:", outcome)
assert outcome[0.05] == outcome[0.2] == 1 and outcome[1.2] >= 2 and outcome[6.0] == 1
assert np.abs(descend(6.0)).max() < 0.1  # ... all at the origin
ex.q3.check(min(lams), max(lams))  # both ends of the list: all starts agree
