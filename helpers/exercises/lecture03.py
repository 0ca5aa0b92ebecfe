"""Checked exercises of lecture 03 (L1 and L2 regularization, and feature selection)."""

from __future__ import annotations

from functools import cache

import numpy as np

from helpers.exercises import NotYet, as_array, close, exercise, expect, integer, number

# The lecture's 2-D picture: the loss's curvature and its minimum.
H = np.array([[1.0, -0.3], [-0.3, 1.2]])
W_STAR = np.array([2.0, 0.7])
# Its Lq experiment: q, the smoothing, the six starting points, the step and the step count.
Q, EPS, STEP, STEPS = 0.5, 1e-4, 0.002, 3000
STARTS = np.array([[2.5, 1.5], [0.3, 1.8], [-1.0, 1.5], [2.8, -1.0], [-1.0, -1.0], [1.0, 0.2]])


def _ball_optimum(q: float, minimum: np.ndarray, t: float = 1.0, n: int = 4000) -> np.ndarray:
    """The lecture's ``constrained_optimum`` for a loss with its minimum at ``minimum``."""
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(theta), np.sin(theta)
    r = t / (np.abs(c) ** q + np.abs(s) ** q) ** (1 / q)
    edge = np.stack([r * c, r * s], axis=1)
    d = edge - minimum
    return edge[np.argmin(np.einsum("ni,ij,nj->n", d, H, d))]


MINIMUM = np.array([1.0, 1.0])
W_L1 = _ball_optimum(1.0, MINIMUM)  # (0.465, 0.535): on the edge, not at a corner
W_L2 = _ball_optimum(2.0, MINIMUM)  # (0.690, 0.724)


@exercise(
    2,
    hint=(
        "Repeat `constrained_optimum(1.0, 1.0)` with the loss's minimum at (1.0, 1.0) instead "
        "of `w_star`: the point of the L1 ball |w1| + |w2| <= 1 where the loss (with the same "
        "tilted curvature H) is smallest."
    ),
    solution=(
        "On the L1 ball's edge w1 + w2 = 1 the loss is smallest at w = (0.464, 0.536) (the "
        "lecture's grid of 4,000 points gives (0.465, 0.535)): both weights non-zero, so L1 "
        "does not land on a corner. The contours touch an edge, not a corner, when the "
        "minimum lies near the diagonal; only minima in the wedges around the axes (one "
        "weight much larger than the other, like (2.0, 0.7)) give an exact zero."
    ),
    answer=(W_L1,),
    mistakes={
        "unconstrained": (MINIMUM,),
        "L2": (W_L2,),
        "corner": (np.array([1.0, 0.0]),),
        "swapped": (W_L1[::-1],),
        "tilted": (np.array([0.5, 0.5]),),
    },
    wrong=[(np.array([0.0, 1.0]),), (0.5,), (np.array([0.3, 0.7]),), (np.array([[0.46, 0.54]]),)],
)
def q2(w_l1):
    w = as_array(w_l1, "w_l1", shape=(2,))
    if close(w, MINIMUM, atol=0.02):
        raise NotYet(
            "(1, 1) is the unconstrained minimum of the loss; it lies outside the L1 ball "
            "|w1| + |w2| <= 1. Find the point of the ball where the loss is smallest."
        )
    if close(w, W_L2, atol=0.01):
        raise NotYet(
            "That is the solution on the L2 disc (q = 2). Use the L1 ball, q = 1: the square "
            "standing on its corner."
        )
    if close(np.abs(w).min(), 0.0, atol=0.01):
        raise NotYet(
            "A corner (one weight zero) is where L1 lands for the lecture's minimum (2.0, 0.7). "
            "For (1, 1) compare the loss along the edge w1 + w2 = 1: is it smallest at a corner?"
        )
    if close(w, W_L1[::-1], atol=0.005):
        raise NotYet("w1 and w2 are swapped: the solution has w1 < w2 here.")
    if close(w, [0.5, 0.5], atol=0.005):
        raise NotYet(
            "(0.5, 0.5) is where a round contour would touch the edge. The loss's contours "
            "are tilted ellipses (the matrix H): find the minimum of the loss along the edge."
        )
    expect(
        close(np.abs(w).sum(), 1.0, atol=0.01),
        f"|w1| + |w2| = {np.abs(w).sum():.3f}: the solution lies on the edge of the L1 ball "
        "of radius 1, where |w1| + |w2| = 1.",
    )
    expect(
        close(w, W_L1, atol=0.005),
        "On the edge of the L1 ball, but not where the loss is smallest: evaluate the "
        "lecture's `loss` with the minimum moved to (1, 1) along the edge.",
    )
    return (
        "L1 zeroes a weight only when one weight matters much more than the other; for a "
        "minimum near the diagonal it shrinks both, like L2."
    )


@cache
def _descent_ends(lam: float) -> np.ndarray:
    """Where the lecture's gradient descent ends from its six starts, for penalty weight lam."""
    w = STARTS.astype(float)
    for _ in range(STEPS):
        gradient = 2 * (w - W_STAR) @ H + lam * Q * w * (w**2 + EPS) ** (Q / 2 - 1)
        w = w - STEP * gradient
    return w


def _n_minima(ends: np.ndarray, tol: float = 0.1) -> int:
    """Number of different end points (closer than tol count as one), as in the lecture."""
    found: list[np.ndarray] = []
    for end in ends:
        if all(np.abs(end - other).max() > tol for other in found):
            found.append(end)
    return len(found)


@exercise(
    3,
    hint=(
        "Run the lecture's descent from the same six starts for several λ, e.g. 0.05, 0.2, "
        "1.2, 2.5 and 6, and count the different end points. Think about which term dominates "
        "the objective when λ is very small, and when it is large."
    ),
    solution=(
        "With λ up to about 0.4 the loss dominates: all six starts end at one minimum near "
        "w_star (λ = 0.05 ends at (1.99, 0.68)). From about 0.5 to 3.5 there are several "
        "minima, on the w1 axis and at the origin, and the start mostly decides (at λ = 1.0 "
        "all six happen to meet on the w1 axis, at (1.59, 0)). From about 4 to 10 the "
        "penalty dominates: every start ends at the origin. Much larger λ makes the fixed "
        "step too large for the penalty's steep slope near 0, and descent no longer settles."
    ),
    answer=(0.05, 6.0),
    mistakes={
        "disagree": (1.2, 6.0),
        "swapped": (6.0, 0.05),
        "too large for the step": (0.05, 100.0),
        "no penalty": (0.0, 6.0),
    },
    wrong=[(0.05, 1.0), (-1.0, 6.0), (2.0, 3.0), (0.05, 0.05)],
)
def q3(lam_small, lam_large):
    small, large = number(lam_small, "lam_small"), number(lam_large, "lam_large")
    expect(small >= 0 and large >= 0, "λ weighs a penalty: it cannot be negative.")
    if small == 0:
        raise NotYet("λ = 0 is no penalty at all (a convex loss): take a small positive λ.")
    expect(max(small, large) <= 1e3, "That λ is far beyond anything the lecture's step can handle.")
    ends_small, ends_large = _descent_ends(small), _descent_ends(large)
    n_small, n_large = _n_minima(ends_small), _n_minima(ends_large)
    at_origin_small = np.abs(ends_small).max() < 0.1
    at_origin_large = np.abs(ends_large).max() < 0.1
    if n_small == 1 and at_origin_small and n_large == 1 and not at_origin_large:
        raise NotYet(
            "lam_small and lam_large are swapped: at lam_small the starts meet at the origin, "
            "at lam_large elsewhere. The penalty pulls towards the origin harder as λ grows."
        )
    expect(small < large, "lam_small should be smaller than lam_large.")
    for name, lam, n in (("lam_small", small, n_small), ("lam_large", large, n_large)):
        if n > 1 and lam > 10:
            raise NotYet(
                f"At λ = {lam:g} ({name}) the penalty is too large for the step size 0.002: "
                f"descent jitters around the origin and ends in {n} places. Take a λ large "
                "enough for the penalty to dominate, but not that large."
            )
        expect(
            n == 1,
            f"At λ = {lam:g} ({name}) the starts disagree: they end in {n} different minima. "
            + ("Try a smaller λ." if name == "lam_small" else "Try a larger λ."),
        )
    expect(
        at_origin_large,
        f"At λ = {large:g} all starts agree, but away from the origin "
        f"({ends_large[0, 0]:.2f}, {ends_large[0, 1]:.2f}): take a λ large enough that the "
        "penalty pulls every start to the origin.",
    )
    expect(
        not at_origin_small,
        f"At λ = {small:g} all starts end at the origin too: take a λ small enough that the "
        "loss dominates.",
    )
    return (
        "Non-convexity bites in between: where the loss or the penalty dominates, every start "
        "reaches the same minimum."
    )


# The Keras network of the lecture: 308 inputs, Dense(32) with the penalty, Dense(1).
N_INPUTS, N_HIDDEN = 308, 32
N_KERNEL = N_INPUTS * N_HIDDEN  # 9,856 weights: the only ones the penalty acts on
N_ALL = N_KERNEL + N_HIDDEN + N_HIDDEN + 1  # 9,921 parameters


@exercise(
    6,
    hint=(
        "`kernel_regularizer` penalises the layer's kernel, the matrix of weights from its "
        "inputs to its units: count its entries. Keras's `L1(1e-3)` adds 1e-3 times the sum "
        "of their absolute values to the loss."
    ),
    solution=(
        "The first layer's kernel has 308 x 32 = 9,856 weights; its 32 biases and the output "
        "layer (33 parameters) are not penalised, of the network's 9,921. The penalty is "
        "1e-3 x 9,856 x |0.01| = 0.09856. Check: set every weight to 0.01 with "
        "`model.set_weights(...)`, call the model once, and read `model.losses`."
    ),
    answer=(N_KERNEL, 1e-3 * N_KERNEL * 0.01),
    mistakes={
        "biases": (N_KERNEL + N_HIDDEN, 1e-3 * (N_KERNEL + N_HIDDEN) * 0.01),
        "every parameter": (N_ALL, 1e-3 * N_ALL * 0.01),
        "factor 1e-3": (N_KERNEL, N_KERNEL * 0.01),
        "squares": (N_KERNEL, 1e-3 * N_KERNEL * 0.01**2),
        "inputs": (N_INPUTS, 1e-3 * N_INPUTS * 0.01),
    },
    wrong=[(9856, 0.9856), (9856, "0.09856"), (32, 0.00032), (9856.5, 0.09856)],
)
def q6(n_penalised, penalty):
    n = integer(n_penalised, "n_penalised")
    if n in (N_KERNEL + N_HIDDEN, N_KERNEL + N_HIDDEN + 1):
        raise NotYet(
            f"{n} counts {n - N_KERNEL} too many: `kernel_regularizer` acts on the kernel "
            "only, not on the layer's biases, and the output layer has no penalty."
        )
    if n == N_ALL:
        raise NotYet(
            "9,921 is every parameter of the network; the penalty sits on the first layer's "
            "kernel only."
        )
    if n == N_INPUTS:
        raise NotYet("308 are the inputs: each of the 32 units has its own 308 weights.")
    expect(
        n == N_KERNEL, f"Not {n}: count the entries of the first layer's kernel (inputs x units)."
    )
    value = number(penalty, "penalty")
    if close(value, N_KERNEL * 0.01):
        raise NotYet(
            f"{value:g} leaves out the factor 1e-3 of `L1(1e-3)`: the penalty is that "
            "factor times the sum of the absolute weights."
        )
    if close(value, 1e-3 * N_KERNEL * 0.01**2):
        raise NotYet("You summed squares: that would be an L2 penalty. L1 sums absolute values.")
    expect(
        close(value, 1e-3 * N_KERNEL * 0.01, rtol=1e-3),
        f"Not the penalty: 1e-3 times the sum of |w| over the {N_KERNEL} penalised weights, "
        "each 0.01.",
    )
    return (
        "The penalty grows with the number of weights it covers; the biases stay free, as "
        "in the lecture's formula."
    )
