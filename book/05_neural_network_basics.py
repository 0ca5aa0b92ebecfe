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
# # 5. Neural network basics
#
# A neural network is a stack of simple units: each computes a weighted sum of its inputs and
# passes it through a non-linear *activation function*. Training adjusts the weights by
# gradient descent, and *backpropagation* is the bookkeeping that computes all the gradients
# with the chain rule. This lecture takes each piece apart: the activation functions and their
# derivatives, a backpropagation example worked by hand and checked by automatic
# differentiation, gradient descent's learning rate, the first Keras network of the course's
# slides, and the output layers and losses that keep gradients healthy.
#
# **You will learn to**
# - tell the common activation functions apart by their derivatives, and explain why step
#   activations cannot be trained by backpropagation, why a stack of linear layers is no more
#   than one, and why sigmoids vanish;
# - run a forward and a backward pass by hand on a 2-2-2 network and get the seed's numbers;
# - see a learning rate that is too small, about right, and too large;
# - build, train and draw the decision boundary of a small Keras network;
# - read the softmax/logit table and compare the gradients of squared error and Huber loss.
#
# **Follows** the slides "Neural Networks and Deep Learning" (seed 001), the tutorial's softmax
# and loss slides (seed 002) and the backpropagation post (seed 003).
# **Run time:** under 1 minute on a 2-core CPU ([measured](execution_statistics.md)) (both profiles;
# no GPU needed).

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

from helpers.plots import plot_learning_curves
from helpers.training import gradients

# %% [markdown]
# ## Activation functions and their derivatives
#
# Backpropagation multiplies derivatives of activations along every path from the loss back
# to a weight. So what matters about an activation is not only its shape but its derivative.

# %%
z = np.linspace(-5, 5, 501)
sig = 1 / (1 + np.exp(-z))
activations = {
    "step": (np.where(z > 0, 1.0, 0.0), np.zeros_like(z)),
    "linear": (z, np.ones_like(z)),
    "sigmoid": (sig, sig * (1 - sig)),
    "tanh": (np.tanh(z), 1 - np.tanh(z) ** 2),
    "ReLU": (np.maximum(z, 0), np.where(z > 0, 1.0, 0.0)),
    "leaky ReLU (0.1)": (np.where(z > 0, z, 0.1 * z), np.where(z > 0, 1.0, 0.1)),
}
fig, axes = plt.subplots(2, 3, figsize=(11, 5.5), sharex=True)
for ax, (name, (value, slope)) in zip(axes.ravel(), activations.items()):
    ax.plot(z, value, label="f(z)")
    ax.plot(z, slope, "--", label="f'(z)")
    ax.set(title=name, ylim=(-1.6, 2.6))
    ax.axhline(0, color="black", lw=0.5)
axes[0, 0].legend(loc="upper left")
for ax in axes[1]:
    ax.set_xlabel("z (weighted input)")
plt.show()

# %% [markdown]
# - **Step**: its derivative is zero everywhere (and undefined at 0), so no gradient flows
#   back: a network of step units cannot learn by gradient descent.
# - **Linear**: the derivative is constant, but a stack of linear layers is itself one linear
#   map, so depth adds nothing.
# - **Sigmoid** and **tanh**: smooth, but their derivatives are at most 0.25 and 1 and vanish
#   for large |z| (saturation).
# - **ReLU**: derivative exactly 1 for positive inputs, which keeps gradients alive through
#   many layers; a unit stuck at negative inputs gets no gradient ("dead"), which **leaky
#   ReLU** avoids with a small slope.
#
# **Softmax** turns a vector of scores (logits) into probabilities: $p_k = e^{z_k} / \sum_j
# e^{z_j}$. It is the output activation for classification, and we return to it below.
#
# **Vanishing gradients.** The gradient reaching the first layer of a deep network contains a
# product of one activation derivative per layer. With sigmoids each factor is at most 0.25, so
# after 10 layers the product is below $0.25^{10} \approx 10^{-6}$. This is a main reason why
# deep networks were hard to train before ReLU and careful initialisation (Glorot). A numpy
# simulation of a 20-layer network shows the effect on the actual gradient size per layer.


# %%
def gradient_norm_per_layer(activation, depth=20, width=64, seed=0, gain=1.0):
    """Backpropagate a random gradient through a random deep MLP. Weights have variance
    gain / width: Glorot's for gain 1 (square layers), He's for gain 2."""
    rng = np.random.default_rng(seed)
    f, df = activation
    h = rng.normal(size=(32, width))
    weights, pre = [], []
    for _ in range(depth):
        W = rng.normal(scale=np.sqrt(gain / width), size=(width, width))
        weights.append(W)
        pre.append(h @ W)
        h = f(pre[-1])
    grad = rng.normal(size=h.shape)
    norms = []
    for W, a in zip(reversed(weights), reversed(pre)):
        grad = grad * df(a)
        norms.append(np.linalg.norm(grad))
        grad = grad @ W.T
    return norms[::-1]  # first layer first


numpy_activations = {
    "sigmoid": (lambda a: 1 / (1 + np.exp(-a)), lambda a: np.exp(-a) / (1 + np.exp(-a)) ** 2),
    "tanh": (np.tanh, lambda a: 1 - np.tanh(a) ** 2),
    "ReLU": (lambda a: np.maximum(a, 0), lambda a: (a > 0).astype(float)),
}
curves = {
    f"{name} (Glorot)": gradient_norm_per_layer(act) for name, act in numpy_activations.items()
}
curves["ReLU (He)"] = gradient_norm_per_layer(numpy_activations["ReLU"], gain=2.0)
fig, ax = plt.subplots(figsize=(6.5, 3.6))
for name, norms in curves.items():
    ax.semilogy(np.arange(1, 21), norms, "o-", label=name)
ax.set(
    xlabel="layer (1 = next to the input)",
    ylabel="gradient norm (log scale)",
    title="Gradient size through a 20-layer network",
)
ax.legend()
plt.show()

# %% [markdown]
#
# %%
shrink = {name: norms[-1] / norms[0] for name, norms in curves.items()}
pd.Series(shrink, name="gradient norm, layer 20 / layer 1").map("{:.3g}".format).to_frame()

# %% tags=["remove-cell"]
assert shrink["sigmoid (Glorot)"] > 1e4 and shrink["ReLU (Glorot)"] > 100, shrink
assert shrink["tanh (Glorot)"] < 10 and 0.2 < shrink["ReLU (He)"] < 5, shrink

# %% [markdown]
# With sigmoids the gradient shrinks by orders of magnitude on its way back to the first
# layers, which therefore barely learn. Tanh keeps it within a small factor. ReLU with
# Glorot's initialisation shrinks it too, by a steady factor per layer: ReLU passes only the
# positive half of its inputs, halving the signal's variance at every layer, and Glorot's
# variance 1/n was derived for activations symmetric around 0. He's initialisation (variance
# 2/n, from the course's seed 003) makes up for the half, and ReLU then keeps the gradient
# steady: activation and initialisation go together.
#
# ## Backpropagation by hand
#
# The example from the course's backpropagation post: two inputs, two hidden units and two
# outputs, all with sigmoid activations, squared error $E = \frac12 \sum_k (t_k - o_k)^2$.
# The hidden units share the bias $b_1$, the outputs share $b_2$.

# %%
w1, w2, w3, w4 = (0.10, 0.15, 0.03, 0.08)  # input -> hidden: H1 uses w1, w2; H2 uses w3, w4
w5, w6, w7, w8 = (0.18, 0.06, 0.11, 0.26)  # hidden -> output: Y1 uses w5, w6; Y2 uses w7, w8
b1, b2 = 0.05, 0.42
x1, x2 = 0.95, 0.06
t1, t2 = 0.05, 0.82


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# Forward pass: weighted sums ("net") and their sigmoids ("out").
net_h1 = w1 * x1 + w2 * x2 + b1
net_h2 = w3 * x1 + w4 * x2 + b1
out_h1, out_h2 = sigmoid(net_h1), sigmoid(net_h2)


def output_layer(h1, h2):
    """Outputs and errors for given hidden outputs h1, h2."""
    net_y1 = w5 * h1 + w6 * h2 + b2
    net_y2 = w7 * h1 + w8 * h2 + b2
    y1, y2 = sigmoid(net_y1), sigmoid(net_y2)
    e1, e2 = 0.5 * (t1 - y1) ** 2, 0.5 * (t2 - y2) ** 2
    return {"net Y1": net_y1, "out Y1": y1, "out Y2": y2, "E1": e1, "E2": e2, "E": e1 + e2}


full = output_layer(out_h1, out_h2)
as_posted = output_layer(0.538, 0.52)  # the rounded values the post carries on with
out_y1, out_y2, E2, E = full["out Y1"], full["out Y2"], full["E2"], full["E"]
forward = pd.DataFrame({"full precision": full, "H1, H2 rounded (post)": as_posted})
print(f"net H1 = {net_h1:.4f}, out H1 = {out_h1:.4f}, out H2 = {out_h2:.4f}")
forward.round(6)

# %% [markdown]
# The post computes H1 = 0.154 before and 0.538 after the sigmoid, H2 = 0.52, and then
# continues with these rounded values. The right column does the same and reproduces its
# numbers: Y1 = 0.63368, Y2 = 0.64893 (0.648938, which the post truncates), E = 0.184972.
# Carrying full precision (left column) changes the fourth decimal; from here on we carry full
# precision, because that is what a framework does and what we will compare against.
#
# **The gradient for w5** follows the path E → out Y1 → net Y1 → w5, one factor per link:
#
# $$\frac{\partial E}{\partial w_5} =
# \underbrace{\frac{\partial E}{\partial o_{Y1}}}_{-(t_1 - o_{Y1})}\;
# \underbrace{\frac{\partial o_{Y1}}{\partial \mathrm{net}_{Y1}}}_{o_{Y1}(1 - o_{Y1})}\;
# \underbrace{\frac{\partial \mathrm{net}_{Y1}}{\partial w_5}}_{o_{H1}}$$

# %%
post = as_posted
factors = [-(t1 - post["out Y1"]), post["out Y1"] * (1 - post["out Y1"]), 0.538]
print("as in the post:", " x ".join(f"{v:.5f}" for v in factors), f"= {np.prod(factors):.5f}")

dE_dout_y1 = -(t1 - out_y1)
dout_dnet_y1 = out_y1 * (1 - out_y1)
dnet_dw5 = out_h1
dE_dw5 = dE_dout_y1 * dout_dnet_y1 * dnet_dw5
print(f"dE/dout_Y1 = {dE_dout_y1:.5f}, dout/dnet = {dout_dnet_y1:.5f}, dnet/dw5 = {dnet_dw5:.5f}")
print(f"dE/dw5 = {dE_dw5:.5f}")

# %% [markdown]
# With the post's rounded values the product is 0.58368 × 0.23213 × 0.538 = 0.07289, its
# number; in full precision it is 0.07295.
#
# **The gradient for w1** is longer: w1 feeds H1, and H1 feeds *both* outputs, so the error
# reaches it along two paths whose contributions add up:
#
# $$\frac{\partial E}{\partial w_1} = \Big(\sum_{k \in \{1,2\}}
# \frac{\partial E}{\partial o_{Yk}} \frac{\partial o_{Yk}}{\partial \mathrm{net}_{Yk}}
# \frac{\partial \mathrm{net}_{Yk}}{\partial o_{H1}}\Big)
# \frac{\partial o_{H1}}{\partial \mathrm{net}_{H1}}
# \frac{\partial \mathrm{net}_{H1}}{\partial w_1}$$

# %%
delta_y1 = dE_dout_y1 * dout_dnet_y1  # dE/dnet_Y1
delta_y2 = -(t2 - out_y2) * out_y2 * (1 - out_y2)  # dE/dnet_Y2
dE_dout_h1 = delta_y1 * w5 + delta_y2 * w7  # both paths into H1
dE_dw1 = dE_dout_h1 * out_h1 * (1 - out_h1) * x1
print(f"dE/dnet_Y1 = {delta_y1:.5f}, dE/dnet_Y2 = {delta_y2:.5f}")
print(f"dE/dout_H1 = {dE_dout_h1:.5f}, dE/dw1 = {dE_dw1:.6f}")

# %% [markdown]
# **Checked by automatic differentiation.** Frameworks do the same bookkeeping automatically.
# We write the forward pass once more with `keras.ops`, and let the backend differentiate it
# (`helpers.training.gradients` calls TensorFlow's `GradientTape`, or `jax.grad` under JAX).


# %%
def total_error(W_hidden, W_out):
    """E for the example; W_hidden = [[w1, w2], [w3, w4]], W_out likewise."""
    x = ops.convert_to_tensor([x1, x2])
    hidden = ops.sigmoid(ops.matmul(W_hidden, x) + b1)
    output = ops.sigmoid(ops.matmul(W_out, hidden) + b2)
    return 0.5 * ops.sum((ops.convert_to_tensor([t1, t2]) - output) ** 2)


g_hidden, g_out = gradients(total_error, [[w1, w2], [w3, w4]], [[w5, w6], [w7, w8]])
print("autodiff dE/dw5 =", round(float(g_out[0, 0]), 5), "  by hand:", round(dE_dw5, 5))
print("autodiff dE/dw1 =", round(float(g_hidden[0, 0]), 6), "  by hand:", round(dE_dw1, 6))

# %% [markdown]
# **The update, with the sign right.** Gradient descent moves *against* the gradient:
# $w_5 \leftarrow w_5 - \alpha\, \partial E / \partial w_5$. The seed's post writes a plus sign
# here, which would climb the error instead of descending it. With $\alpha = 0.01$:

# %%
alpha = 0.01
w5_new = w5 - alpha * dE_dw5
print(f"w5: {w5} -> {w5_new:.7f}   (the seed's '+' would give {w5 + alpha * dE_dw5:.7f})")


def error_with_w5(w5_value):
    out1 = sigmoid(w5_value * out_h1 + w6 * out_h2 + b2)
    return 0.5 * (t1 - out1) ** 2 + E2


print(
    f"E after the correct step: {error_with_w5(w5_new):.7f} (before {E:.7f}); "
    f"after the '+' step: {error_with_w5(w5 + alpha * dE_dw5):.7f}"
)

# %% tags=["remove-cell"]
# Checks: the seed's forward numbers, its dE/dw5, and the hand gradients equal autodiff.
assert round(net_h1, 3) == 0.154 and round(out_h1, 3) == 0.538 and round(out_h2, 2) == 0.52
assert round(as_posted["net Y1"], 3) == 0.548 and round(as_posted["out Y1"], 5) == 0.63368
assert int(as_posted["out Y2"] * 1e5) == 64893 and round(as_posted["E"], 6) == 0.184972
post_w5 = np.prod(factors)
assert round(post_w5, 5) == 0.07289 and abs(dE_dw5 - post_w5) < 1e-3
assert np.isclose(g_out[0, 0], dE_dw5, rtol=1e-4) and np.isclose(g_hidden[0, 0], dE_dw1, rtol=1e-4)
hand_all_out = np.outer([delta_y1, delta_y2], [out_h1, out_h2])
assert np.allclose(g_out, hand_all_out, rtol=1e-4)
assert error_with_w5(w5_new) < E < error_with_w5(w5 + alpha * dE_dw5)

# %% [markdown]
# ## Gradient descent and the learning rate
#
# Each step moves the weights by the learning rate times the gradient. The seed's example: a
# gradient of magnitude 2.5 and a learning rate of 0.01 move the point 0.025. On the function
# $f(w) = w^2 + 0.5\sin(3w)$ with three learning rates:


# %%
def f(w):
    return w**2 + 0.5 * np.sin(3 * w)


def df(w):
    return 2 * w + 1.5 * np.cos(3 * w)


paths = {}
for lr in (0.02, 0.2, 0.95):
    w, paths[lr] = 2.0, [2.0]
    for _ in range(15):
        w = w - lr * df(w)
        paths[lr].append(w)
    paths[lr] = np.array(paths[lr])

fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
for ax, (lr, path) in zip(axes, paths.items()):
    reach = max(2.2, 1.1 * np.abs(path).max())  # wide enough for every iterate
    w_grid = np.linspace(-reach, reach, 400)
    ax.plot(w_grid, f(w_grid), color="grey")
    ax.plot(path, f(path), "o-", color="C3", ms=4, alpha=0.7)
    ax.plot(path[-1], f(path[-1]), "s", color="black", ms=6)
    ax.set(title=f"learning rate {lr}: ends at w = {path[-1]:.2f}", xlabel="w")
    ax.set_ylim(-1, 1.05 * f(w_grid).max())
axes[0].set_ylabel("f(w)")
plt.show()
print(f"lr 0.95, the 15 iterates after the start: {np.round(paths[0.95][1:], 1)}")

# %% tags=["remove-cell"]
# Checks: crawling, settling and bouncing, as the text says, with every iterate on its panel.
assert paths[0.02][-1] > 1 and abs(df(paths[0.2][-1])) < 1e-3
bounce = paths[0.95]
assert np.all(np.sign(bounce[1:]) != np.sign(bounce[:-1])) and np.abs(bounce[1:]).min() > 2
assert np.abs(bounce[1:]).max() > np.abs(bounce[0])
for ax, path in zip(axes, paths.values()):
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), ax.get_ylim()
    assert x_low < path.min() and path.max() < x_high, (ax.get_title(), x_low, x_high)
    assert y_low < f(path).min() and f(path).max() < y_high, (ax.get_title(), y_low, y_high)

# %% [markdown]
# Too small (0.02): 15 steps creep down the slope and stop far from the minimum. About right
# (0.2): it settles in the minimum in a few steps. Too large (0.95): each step overshoots to
# the other side of the bowl, further out than it started (note the wider axes of that panel;
# the black square is the last iterate), and the iterates bounce from wall to wall instead of
# settling.
#
# ## The first Keras network
#
# The slides' first network: two inputs, two hidden layers of 100 sigmoid units, one sigmoid
# output, squared error and plain SGD, 20 epochs with batches of 16. We train it on a
# two-dimensional problem made for the purpose (two interleaved half-moons, a **synthetic** toy
# set, 1,000 points), so that the decision boundary can be drawn.

# %%
from sklearn.datasets import make_moons
from sklearn.linear_model import LogisticRegression

X, y = make_moons(n_samples=1000, noise=0.2, random_state=0)
X = X.astype("float32")
y = y.astype("float32")


def slides_network(activation="sigmoid"):
    return keras.Sequential(
        [
            keras.Input(shape=(2,)),
            keras.layers.Dense(100, activation=activation),
            keras.layers.Dense(100, activation=activation),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


keras.utils.set_random_seed(0)
clf = slides_network()
clf.compile(loss="mean_squared_error", optimizer="sgd", metrics=["accuracy"])
history_slides = clf.fit(X, y, epochs=20, batch_size=16, validation_split=0.2, verbose=0)
print(
    "probabilities for (1, -2) and (-3, -5):",
    clf.predict(np.array([[1, -2], [-3, -5]], dtype="float32"), verbose=0).ravel().round(4),
)
p_slides = clf.predict(X, verbose=0).ravel()
slides_accuracy = np.mean((p_slides > 0.5) == y)
line_accuracy = LogisticRegression().fit(X, y).score(X, y)  # the best straight line, roughly
print(
    f"slides' network on the 1,000 moons: accuracy {slides_accuracy:.3f}, "
    f"probabilities from {p_slides.min():.2f} to {p_slides.max():.2f}"
)
print(f"logistic regression (a straight line): accuracy {line_accuracy:.3f}")

# %% [markdown]
# The predicted probabilities stay close to 0.5, as in the slides' own output (0.508 and
# 0.481). The network is not useless: it classifies most of the moons correctly. But a
# straight line does better, as the logistic regression shows, and the network's probabilities
# stay hesitant: after 20 epochs it has not even reached the best linear boundary, let alone
# bent one round the moons (its boundary is drawn below). The same architecture with the
# choices that later became standard (ReLU units, cross-entropy loss, the Adam optimizer)
# learns the moons in the same 20 epochs:

# %%
keras.utils.set_random_seed(0)
modern = slides_network("relu")
modern.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
history_modern = modern.fit(X, y, epochs=20, batch_size=16, validation_split=0.2, verbose=0)

fig, axes = plt.subplots(2, 2, figsize=(10, 7))
plot_learning_curves(history_slides, ["loss", "accuracy"], axes=axes[0])
plot_learning_curves(history_modern, ["loss", "accuracy"], axes=axes[1])
axes[0, 0].set_title("slides' network: sigmoid, squared error, SGD — loss")
axes[0, 1].set_title("slides' network — accuracy")
axes[1, 0].set_title("ReLU, cross-entropy, Adam — loss")
axes[1, 1].set_title("ReLU, cross-entropy, Adam — accuracy")
plt.show()

# %%
g1, g2 = np.meshgrid(np.linspace(-1.8, 2.8, 200), np.linspace(-1.3, 1.8, 200))
grid = np.c_[g1.ravel(), g2.ravel()].astype("float32")
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, (name, model) in zip(axes, [("slides' network", clf), ("ReLU + Adam", modern)]):
    p = model.predict(grid, verbose=0, batch_size=4096).reshape(g1.shape)
    ax.contourf(g1, g2, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7)
    ax.contour(g1, g2, p, levels=[0.5], colors="black")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=8, edgecolor="white", lw=0.3)
    accuracy = model.evaluate(X, y, verbose=0)[1]
    ax.set(title=f"{name}: accuracy {accuracy:.2f}", xlabel="$x_1$")
axes[0].set_ylabel("$x_2$")
plt.show()

# %% tags=["remove-cell"]
# Checks: the slides' network is less accurate than a straight line, with probabilities near
# 0.5; the modern variant separates the moons.
assert 0.7 < slides_accuracy < line_accuracy, (slides_accuracy, line_accuracy)
assert p_slides.min() > 0.4 and p_slides.max() < 0.6, (p_slides.min(), p_slides.max())
assert modern.evaluate(X, y, verbose=0)[1] > 0.93
assert clf.evaluate(X, y, verbose=0)[1] < modern.evaluate(X, y, verbose=0)[1]
assert history_modern.history["loss"][-1] < history_modern.history["loss"][0]

# %% [markdown]
# Colour is the predicted probability of the red class; the black line is the 0.5 boundary.
#
# ## Output layers and losses
#
# **Softmax and the logit table.** The tutorial drives a two-class softmax output directly:
# class 0's logit stays at 0, class 1's runs from -5 to 5. The negative log-likelihood of
# class 1 being the true class, $-\log p_1$, and its gradient with respect to the logit,
# $p_1 - 1$, show how a softmax output learns.

# %%
logit_1 = np.arange(-5.0, 6.0)
logits = np.stack([np.zeros_like(logit_1), logit_1], axis=1)
probs = ops.convert_to_numpy(ops.softmax(ops.convert_to_tensor(logits), axis=1))
softmax_table = pd.DataFrame(
    {
        "logit 0": logits[:, 0],
        "logit 1": logits[:, 1],
        "p(class 0)": probs[:, 0],
        "p(class 1)": probs[:, 1],
        "NLL if class 1 is true": -np.log(probs[:, 1]),
        "gradient wrt logit 1": probs[:, 1] - 1,
    }
)
softmax_table.round(7)

# %% [markdown]
# The probabilities are the tutorial's: 0.0066929 at logit -5, 0.2689414 at -1, 0.5 at 0,
# 0.9933072 at 5. When the answer is wrong (logit 1 very negative) the loss is large and the
# gradient is close to -1, a full-strength push; when it is right, the gradient goes to 0 and
# learning stops. A magnitude of at most 1 neither explodes nor shrinks the gradient flowing
# back into the network, which is why softmax with cross-entropy is the standard pair.
#
# **Squared error versus Huber loss** for regression. Squared error's gradient grows with the
# error, so one outlier can dominate a batch. The Huber loss is quadratic for small errors and
# linear for large ones (|error| > 1), so its gradient is capped at magnitude 1.

# %%
error = np.linspace(-4, 4, 401)
huber = np.where(np.abs(error) <= 1, 0.5 * error**2, np.abs(error) - 0.5)
keras_huber = np.array(
    [float(keras.losses.Huber(delta=1.0)(np.zeros(1), np.array([e]))) for e in error[::40]]
)
fig, (ax_l, ax_g) = plt.subplots(1, 2, figsize=(10, 3.5))
ax_l.plot(error, 0.5 * error**2, label="squared error ½e²")
ax_l.plot(error, huber, label="Huber (δ = 1)")
ax_l.plot(error[::40], keras_huber, "k.", label="keras.losses.Huber")
ax_l.set(xlabel="prediction - target", ylabel="loss", title="Loss")
ax_g.plot(error, error, label="squared error: e")
ax_g.plot(error, np.clip(error, -1, 1), label="Huber: clip(e, -1, 1)")
ax_g.set(xlabel="prediction - target", ylabel="gradient", title="Gradient")
ax_l.legend()
ax_g.legend()
plt.show()

# %% tags=["remove-cell"]
# Checks: the tutorial's softmax numbers, NLL gradient range, Keras' Huber equals ours.
assert np.allclose(
    softmax_table["p(class 1)"].iloc[[0, 4, 5, 10]],
    [0.0066929, 0.2689414, 0.5, 0.9933072],
    atol=1e-7,
)
assert softmax_table["gradient wrt logit 1"].between(-1, 0).all()
assert np.allclose(keras_huber, huber[::40], atol=1e-6)

# %% [markdown]
# ## Where the seeds slip
#
# The backpropagation post (seed 003) has a few slips worth naming, so that they do not
# travel further:
#
# - Its worked example says that $f(x, y) = xy + x^2$ is 9 at $x = 3$, $y = -3$. It is 0
#   ($-9 + 9$); the gradient there, $(y + 2x, x)$, is $(3, 3)$. Autodiff agrees (below).
# - It defines the error as $(t - o)^2$ but computes with $\frac12 (t - o)^2$, as we do; the
#   ½ only cancels the 2 of the derivative.
# - "Once we update all the weights, that is one epoch": one update is one *iteration*. An
#   epoch is one pass over the training set, many iterations when there are many samples.
# - It says linear activations fail because "the gradient would be the same". They do learn;
#   what fails is depth, since a stack of linear layers is a single linear map (see the
#   activation functions above).
# - It stops training when the training error would fall below the validation error; the rule
#   is to stop at the validation error's minimum (early stopping,
#   [lecture 7](07_training_tricks.ipynb)).
# - It proposes a softmax output for multi-label images. Softmax makes the classes compete for
#   one unit of probability; several labels at once need independent sigmoids and binary
#   cross-entropy ([lecture 14](14_multilabel_and_regression.ipynb) measures the difference).

# %%
z_value = 3 * -3 + 3**2
z_grad = gradients(lambda x, y: x * y + x**2, 3.0, -3.0)
print(f"f(3, -3) = {z_value}; gradient (df/dx, df/dy) = ({z_grad[0]:.0f}, {z_grad[1]:.0f})")

# %% tags=["remove-cell"]
assert z_value == 0 and np.allclose(z_grad, [3.0, 3.0])

# %% [markdown]
# ## What we learned
#
# - Activations are chosen by their derivatives: step functions pass no gradient, linear
#   stacks collapse, sigmoids saturate and their gradients vanish with depth, ReLU keeps them
#   when its initialisation fits it (He's).
# - Backpropagation is the chain rule applied layer by layer, summing over every path; the
#   numbers of the worked example are reproduced exactly and match automatic differentiation.
#   Gradient descent subtracts the gradient.
# - The learning rate decides between crawling, converging and bouncing.
# - The slides' sigmoid/SGD/squared-error network learns slowly; ReLU, cross-entropy and Adam
#   learn the same task in the same number of epochs.
# - Softmax with cross-entropy gives gradients of magnitude at most 1; Huber loss caps the
#   gradient of large regression errors.
#
# ## Exercises
#
# Exercises 1, 2, 4 and 5 check your answer: fill in the cell under the exercise and run it. It
# says **Correct**, or **Not yet** with a hint aimed at the mistake. `ex.q1.hint()` prints a
# hint and `ex.q1.solution()` the answer (likewise `ex.q2`, `ex.q4`, `ex.q5`).
#
# 1. Compute dE/dw8 and dE/dw3 by hand as above, then check them against `g_out[1, 1]` and
#    `g_hidden[1, 0]`.

# %%
from helpers.exercises import lecture05 as ex

dE_dw8 = ...  # your dE/dw8
dE_dw3 = ...  # your dE/dw3
ex.q1.check(dE_dw8, dE_dw3)

# %% [markdown]
# 2. Apply one full gradient-descent step to all eight weights (α = 0.5) and recompute E. Repeat
#    for 100 steps: how close do the outputs get to the targets?

# %%
E_one_step = ...  # E after one step
E_100_steps = ...  # E after the 100th step
ex.q2.check(E_one_step, E_100_steps)

# %% [markdown]
# 3. Train the slides' network for 200 epochs instead of 20. Does it learn the moons
#    eventually? Then try the sigmoid network with Adam. Which change matters most?
# 4. In the vanishing-gradient simulation, initialise the ReLU network's weights with twice
#    Glorot's standard deviation. By what factor is the gradient at layer 1 larger than at
#    layer 20? What happens to the ReLU curve, and why is this called an exploding gradient?

# %%
growth = ...  # layer 1's gradient norm divided by layer 20's
ex.q4.check(growth)

# %% [markdown]
# 5. Replace the softmax table's two classes by three (logits 0, 0 and a varying third). Write
#    the gradient for the varying logit, when its class is the true one, as a function of that
#    logit. How does it differ from the two-class gradient?

# %%
grad_logit3 = ...  # a function of the varying logit z, e.g. lambda z: ...
ex.q5.check(grad_logit3)

# %% [markdown]
# ## Solutions
#
# Two of the exercises, worked. Unfold a cell to read a solution; the book runs them when it
# is built, so they are checked like every other cell.
#
# **Exercise 1** (dE/dw8 and dE/dw3 by hand):

# %% tags=["hide-cell"]
# w8 joins H2 to Y2: dE/dw8 = dE/dnet_Y2 * out_H2. w3 joins x1 to H2, and H2 feeds both
# outputs: dE/dout_H2 = dE/dnet_Y1 * w6 + dE/dnet_Y2 * w8, then through H2's sigmoid to x1.
dE_dw8 = delta_y2 * out_h2
dE_dout_h2 = delta_y1 * w6 + delta_y2 * w8
dE_dw3 = dE_dout_h2 * out_h2 * (1 - out_h2) * x1
print(f"dE/dw8 by hand {dE_dw8:.6f}, autodiff {float(g_out[1, 1]):.6f}")
print(f"dE/dw3 by hand {dE_dw3:.6f}, autodiff {float(g_hidden[1, 0]):.6f}")
assert np.isclose(dE_dw8, g_out[1, 1], rtol=1e-4) and np.isclose(dE_dw3, g_hidden[1, 0], rtol=1e-4)
ex.q1.check(dE_dw8, dE_dw3)

# %% [markdown]
# **Exercise 2** (gradient descent on all eight weights, α = 0.5):

# %% tags=["hide-cell"]
# The error falls at every step; after 100 steps the outputs are much closer to the targets,
# but not on them: the biases stay fixed and a sigmoid reaches 0.05 only for a large negative
# input, so the descent slows down as it gets close.
W_hidden = np.array([[w1, w2], [w3, w4]], dtype="float32")
W_out = np.array([[w5, w6], [w7, w8]], dtype="float32")
errors = [float(total_error(W_hidden, W_out))]
for _ in range(100):
    g_h, g_o = gradients(total_error, W_hidden, W_out)
    W_hidden, W_out = W_hidden - 0.5 * g_h, W_out - 0.5 * g_o
    errors.append(float(total_error(W_hidden, W_out)))
outputs = sigmoid(W_out @ sigmoid(W_hidden @ np.array([x1, x2]) + b1) + b2)
print(f"E: {errors[0]:.6f} before, {errors[1]:.6f} after one step, {errors[-1]:.6f} after 100")
print(f"outputs after 100 steps: {outputs.round(3)} (targets {t1}, {t2})")
assert np.all(np.diff(errors) < 0) and errors[-1] < errors[0] / 3
ex.q2.check(errors[1], errors[-1])
