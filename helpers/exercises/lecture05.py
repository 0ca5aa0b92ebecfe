"""Checked exercises of lecture 05 (neural network basics)."""

from __future__ import annotations

import numpy as np

from helpers.exercises import NotYet, close, exercise, expect, number

# The lecture's 2-2-2 backpropagation example (seed 003).
W_HIDDEN = np.array([[0.10, 0.15], [0.03, 0.08]])  # [[w1, w2], [w3, w4]]
W_OUT = np.array([[0.18, 0.06], [0.11, 0.26]])  # [[w5, w6], [w7, w8]]
B1, B2 = 0.05, 0.42
X = np.array([0.95, 0.06])
T = np.array([0.05, 0.82])


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _forward(w_hidden, w_out):
    hidden = _sigmoid(w_hidden @ X + B1)
    output = _sigmoid(w_out @ hidden + B2)
    return hidden, output, 0.5 * np.sum((T - output) ** 2)


def _gradients(w_hidden, w_out):
    """dE/dW_hidden and dE/dW_out by backpropagation (as in the lecture)."""
    hidden, output, _ = _forward(w_hidden, w_out)
    delta_out = -(T - output) * output * (1 - output)
    delta_hidden = (w_out.T @ delta_out) * hidden * (1 - hidden)
    return np.outer(delta_hidden, X), np.outer(delta_out, hidden)


def _descend(steps, alpha=0.5, sign=-1.0, hidden_too=True):
    """E after each of ``steps`` gradient steps on the example's weights."""
    w_hidden, w_out = W_HIDDEN.copy(), W_OUT.copy()
    errors = [_forward(w_hidden, w_out)[2]]
    for _ in range(steps):
        g_hidden, g_out = _gradients(w_hidden, w_out)
        if hidden_too:
            w_hidden = w_hidden + sign * alpha * g_hidden
        w_out = w_out + sign * alpha * g_out
        errors.append(_forward(w_hidden, w_out)[2])
    return errors


def _q1_reference():
    g_hidden, g_out = _gradients(W_HIDDEN, W_OUT)
    return (g_out[1, 1], g_hidden[1, 0])


def _q1_one_path():
    hidden, output, _ = _forward(W_HIDDEN, W_OUT)
    delta_y2 = -(T[1] - output[1]) * output[1] * (1 - output[1])
    dE_dw8 = delta_y2 * hidden[1]
    return (dE_dw8, delta_y2 * W_OUT[1, 1] * hidden[1] * (1 - hidden[1]) * X[0])


def _q1_h1_output():
    hidden, output, _ = _forward(W_HIDDEN, W_OUT)
    delta_y2 = -(T[1] - output[1]) * output[1] * (1 - output[1])
    return (delta_y2 * hidden[0], _q1_reference()[1])


@exercise(
    1,
    hint=(
        "w8 joins H2 to Y2, so dE/dw8 = dE/dnet_Y2 x out_H2. w3 joins x1 to H2, and H2 feeds "
        "both outputs: dE/dout_H2 = dE/dnet_Y1 x w6 + dE/dnet_Y2 x w8; then multiply by H2's "
        "sigmoid derivative out_H2 (1 - out_H2) and by x1."
    ),
    solution=(
        "dE/dnet_Y2 = -(t2 - out_Y2) out_Y2 (1 - out_Y2) = -0.038954, so dE/dw8 = -0.038954 x "
        "0.520813 = -0.020288. dE/dout_H2 = 0.135492 x 0.06 + (-0.038954) x 0.26 = -0.001999; "
        "times 0.520813 x 0.479187 and x1 = 0.95: dE/dw3 = -0.000474. Both are negative: "
        "raising w8 or w3 lowers the error. In code: `dE_dw8 = delta_y2 * out_h2`, "
        "`dE_dw3 = (delta_y1 * w6 + delta_y2 * w8) * out_h2 * (1 - out_h2) * x1`."
    ),
    answer=_q1_reference,
    mistakes={
        "sign": lambda: tuple(-g for g in _q1_reference()),
        "both outputs": _q1_one_path,
        "out_H2": _q1_h1_output,
    },
    wrong=[(0.0, 0.0), (-0.020288, 0.0047), (-0.0729, -0.000474), ("-0.02", "0")],
)
def q1(dE_dw8, dE_dw3):
    dE_dw8, dE_dw3 = number(dE_dw8, "dE_dw8"), number(dE_dw3, "dE_dw3")
    ref_w8, ref_w3 = _q1_reference()
    if close(-dE_dw8, ref_w8, rtol=2e-2) or close(-dE_dw3, ref_w3, rtol=2e-2):
        raise NotYet(
            "Right size, wrong sign. dE/dout_Y is -(t - out_Y): the output Y2 (0.649) is below "
            "its target 0.82, so raising it lowers E and the gradients are negative."
        )
    hidden, _, _ = _forward(W_HIDDEN, W_OUT)
    if not close(dE_dw8, ref_w8, rtol=2e-2):  # three significant digits pass
        expect(
            not close(dE_dw8, ref_w8 * hidden[0] / hidden[1], rtol=5e-3),
            "dE/dw8 used out_H1: w8 multiplies out_H2, the hidden unit it comes from.",
        )
        raise NotYet(
            "dE/dw8 is not right: it is dE/dnet_Y2 x out_H2, with dE/dnet_Y2 = "
            "-(t2 - out_Y2) out_Y2 (1 - out_Y2) (the lecture's `delta_y2`)."
        )
    one_path = _q1_one_path()[1]
    other_path = ref_w3 - one_path
    expect(
        not (close(dE_dw3, one_path, rtol=5e-3) or close(dE_dw3, other_path, rtol=5e-3)),
        "dE/dw3 follows only one of the two paths: H2 feeds both outputs, so add "
        "dE/dnet_Y1 x w6 and dE/dnet_Y2 x w8 before going through H2's sigmoid.",
    )
    expect(
        close(dE_dw3, ref_w3, rtol=2e-2),
        "dE/dw3 is not right: sum both paths into H2 (dE/dnet_Y1 x w6 + dE/dnet_Y2 x w8), "
        "then multiply by out_H2 (1 - out_H2) and by x1, the input that w3 carries.",
    )
    return "Each weight's gradient sums over every path from it to the loss; autodiff agrees."


@exercise(
    2,
    hint=(
        "Compute all eight gradients (the lecture's `gradients(total_error, W_hidden, W_out)`), "
        "subtract 0.5 times each from its weight, and evaluate E again; repeat in a loop, "
        "recomputing the gradients at the new weights every time."
    ),
    solution=(
        "W_hidden -= 0.5 * g_hidden and W_out -= 0.5 * g_out, with fresh gradients at each "
        "step. E goes from 0.184979 to 0.179412 after one step and to 0.006979 after 100; the "
        "outputs are then 0.164 and 0.788 for targets 0.05 and 0.82: much closer, not on them "
        "(the biases stay fixed, and a sigmoid reaches 0.05 only for a large negative input)."
    ),
    answer=lambda: (_descend(1)[1], _descend(100)[100]),
    mistakes={
        "against the gradient": lambda: (_descend(1, sign=1)[1], _descend(100, sign=1)[100]),
        "all eight": lambda: (
            _descend(1, hidden_too=False)[1],
            _descend(100, hidden_too=False)[100],
        ),
        "α = 0.5": lambda: (_descend(1, alpha=0.01)[1], _descend(100, alpha=0.01)[100]),
        "before the step": lambda: (_descend(0)[0], _descend(100)[100]),
    },
    wrong=[(0.18, 0.0), (0.179412, 0.05), (0.0, 0.0)],
)
def q2(E_one_step, E_100_steps):
    one, hundred = number(E_one_step, "E_one_step"), number(E_100_steps, "E_100_steps")
    errors = _descend(100)
    expect(
        not close(one, errors[0], rtol=1e-4),
        "E_one_step is E before the step (0.184979): update the weights, then recompute E.",
    )
    expect(
        one < errors[0],
        f"E went up (from {errors[0]:.6f}): step against the gradient, w - α dE/dw, not w + α "
        "dE/dw.",
    )
    expect(
        not close(one, _descend(1, alpha=0.01)[1], rtol=1e-4),
        "That is a step with α = 0.01 (the lecture's w5 example); this exercise uses α = 0.5.",
    )
    expect(
        close(one, errors[1], rtol=3e-3),
        f"E after one step should be a little below {errors[0]:.4f}, but not {one:.6f}: update "
        "all eight weights, each by -0.5 times its own gradient.",
    )
    expect(
        not close(hundred, _descend(100, hidden_too=False)[100], rtol=1e-2),
        "E_100_steps is that of updating only the four output weights: update all eight.",
    )
    expect(
        close(hundred, errors[100], rtol=1e-2),
        f"E_one_step is right, E_100_steps ({hundred:.6f}) is not: recompute the gradients at the "
        "new weights every step, 100 steps in all, and report E after the last one.",
    )
    return "A hundred small steps against the gradient cut the error by a factor of 26."


def _relu_growth(gain, seed=0, depth=20, width=64):
    """Layer 1's gradient norm over layer 20's in the lecture's ReLU simulation."""
    rng = np.random.default_rng(seed)
    h = rng.normal(size=(32, width))
    weights, pre = [], []
    for _ in range(depth):
        weights.append(rng.normal(scale=np.sqrt(gain / width), size=(width, width)))
        pre.append(h @ weights[-1])
        h = np.maximum(pre[-1], 0)
    grad = rng.normal(size=h.shape)
    norms = []
    for w, a in zip(reversed(weights), reversed(pre)):
        grad = grad * (a > 0)
        norms.append(np.linalg.norm(grad))
        grad = grad @ w.T
    return norms[-1] / norms[0]  # norms run from layer 20 back to layer 1


@exercise(
    4,
    hint=(
        "In `gradient_norm_per_layer` the weights have variance gain / width, so the standard "
        "deviation is sqrt(gain / width). Twice Glorot's standard deviation is four times its "
        "variance. Then divide the first layer's norm by the last one's."
    ),
    solution=(
        "`norms = gradient_norm_per_layer(numpy_activations['ReLU'], gain=4.0)`, then "
        "`growth = norms[0] / norms[-1]`: about 552. Each layer multiplies the gradient by "
        "about sqrt(4 / 2) = 1.41 (ReLU passes half the variance), and 1.41 to the 19th power "
        "is about 700: the gradient grows exponentially on its way back and the first layers "
        "take huge steps, an exploding gradient."
    ),
    answer=lambda: (_relu_growth(4.0),),
    mistakes={
        "doubles the variance": lambda: (_relu_growth(2.0),),
        "upside down": lambda: (1 / _relu_growth(4.0),),
        "He's": lambda: (_relu_growth(8.0),),
    },
    wrong=[(950.0,), (1.0,), (0.0,), (-552.0,)],
)
def q4(growth):
    growth = number(growth, "growth")
    reference = _relu_growth(4.0)
    expect(
        not close(growth, _relu_growth(2.0), rtol=1e-2),
        "gain=2 doubles the variance (He's initialisation): twice the standard deviation is "
        "four times the variance, gain=4.",
    )
    expect(
        not close(growth, 1 / reference, rtol=1e-2),
        "That ratio is upside down: the exercise asks for layer 1's norm over layer 20's, "
        "`norms[0] / norms[-1]` (norms run from the input side).",
    )
    expect(
        not close(growth, _relu_growth(8.0), rtol=1e-2),
        "gain=8 doubles He's standard deviation; the exercise starts from Glorot's (gain 1), "
        "so gain=4.",
    )
    expect(
        close(growth, reference, rtol=1e-2),
        "Not the ratio of this run: use the lecture's function unchanged (seed 0, 20 layers of "
        "64) with the ReLU activation and gain=4.0.",
    )
    return "Too large an initial scale makes the gradient grow layer by layer: it explodes."


def _q5_reference(z):
    return np.exp(z) / (np.exp(z) + 2) - 1


@exercise(
    5,
    hint=(
        "With logits (0, 0, z) the softmax gives p3 = e^z / (e^z + e^0 + e^0). The gradient of "
        "-log p3 with respect to z is p3 - 1, as for two classes; only p3 changes."
    ),
    solution=(
        "`grad_logit3 = lambda z: np.exp(z) / (np.exp(z) + 2) - 1`, i.e. -2 / (e^z + 2). At "
        "z = 0 it is -2/3 instead of -1/2: with two competitors the varying class needs a "
        "larger logit for the same probability. The curve is the two-class one shifted right "
        "by ln 2 = 0.69; it still lies between -1 and 0."
    ),
    answer=(_q5_reference,),
    mistakes={
        "two classes": (lambda z: 1 / (1 + np.exp(-z)) - 1,),
        "sign": (lambda z: 1 - np.exp(z) / (np.exp(z) + 2),),
        "probability itself": (lambda z: np.exp(z) / (np.exp(z) + 2),),
        "a function": (-2 / 3,),
    },
    wrong=[(lambda z: -2 / 3,), (lambda z: z,), (lambda z: np.exp(z) / (np.exp(z) + 1) - 1,)],
)
def q5(grad_logit3):
    expect(
        callable(grad_logit3),
        "grad_logit3 should be a function of the varying logit z, e.g. `lambda z: ...`, "
        "not a single number.",
    )
    zs = np.linspace(-5, 5, 11)
    try:  # a vectorised function (NumPy or Keras ops) takes the whole array at once
        got = np.asarray(grad_logit3(zs.copy()), dtype=float).reshape(-1)
    except Exception:  # the student's code: fall back to one logit at a time
        got = None
    if got is None or got.shape != zs.shape:
        try:
            got = np.array([number(grad_logit3(z), "grad_logit3(z)") for z in zs])
        except (TypeError, ValueError) as error:
            raise NotYet(
                f"grad_logit3(z) could not be computed for a single logit z ({error})."
            ) from None
    expect(
        not close(got, -_q5_reference(zs), atol=1e-4),
        "Right size, wrong sign: the gradient of -log p3 is p3 - 1, negative (raising the "
        "true class's logit lowers the loss).",
    )
    expect(
        not close(got, _q5_reference(zs) + 1, atol=1e-4),
        "That is the probability itself, p3: the gradient of the loss -log p3 is p3 - 1.",
    )
    expect(
        not close(got, 1 / (1 + np.exp(-zs)) - 1, atol=1e-4),
        "That is the gradient for two classes: the third class adds a second e^0 to the "
        "softmax's denominator.",
    )
    reference = _q5_reference(zs)
    if not close(got, reference, atol=1e-4):
        k = int(np.argmax(np.abs(got - reference)))
        raise NotYet(
            f"grad_logit3({zs[k]:g}) should be {reference[k]:.4f}, yours gives {got[k]:.4f}: "
            "p3 = e^z / (e^z + 2), and the gradient is p3 - 1."
        )
    return "More competing classes shift the curve right (by ln 2 here): same shape, same range."
