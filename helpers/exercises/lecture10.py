"""Checked exercises of lecture 10 (generative adversarial networks)."""

from __future__ import annotations

import math

from helpers.exercises import NotYet, close, exercise, expect, number

LOG4 = math.log(4)


def _sigmoid(logit):
    return 1 / (1 + math.exp(-logit))


# ---- exercise 1: the two generator losses when the discriminator is unsure ----


@exercise(
    1,
    hint=(
        "D(G(z)) = 1/2 means the logit is 0. The lecture gives both gradients with respect "
        "to the logit: -sigmoid(logit) for log(1 - D), -(1 - sigmoid(logit)) for -log D."
    ),
    solution=(
        "At logit 0, sigmoid = 1/2: the minimax loss log(1 - D) has gradient -0.5, the "
        "non-saturating -log D also -0.5. While the discriminator is unsure the two losses "
        "push the generator equally hard; they part only once it rejects the fakes "
        "confidently (-0.0025 against -0.9975 at logit -6). So from a fresh start the "
        "minimax loss has a gradient to work with. After 200 rounds of the discriminator "
        "alone the fakes start at very negative logits, where it has almost none: run both "
        "to see how much that slows the generator."
    ),
    answer=(-0.5, -0.5),
    mistakes={
        "sign": (0.5, 0.5),
        "logit of -6": (-0.0025, -0.9975),
        "logit is 0": (-_sigmoid(0.5), -(1 - _sigmoid(0.5))),
        "swapped": (-0.9975, -0.0025),
    },
    wrong=[(-0.693, -0.693), (0.0, 0.0), (-0.5, 0.5), (-1.0, -1.0)],
)
def q1(grad_minimax, grad_non_saturating):
    g_mm = number(grad_minimax, "grad_minimax")
    g_ns = number(grad_non_saturating, "grad_non_saturating")
    if close(g_mm, 0.5, atol=0.01) or close(g_ns, 0.5, atol=0.01):
        raise NotYet(
            "Check the sign: both losses fall as the logit on a fake rises (the generator "
            "wants D(G(z)) up), so their gradients with respect to the logit are negative."
        )
    if close(g_mm, -0.0025, atol=1e-3) and close(g_ns, -0.9975, atol=1e-3):
        raise NotYet(
            "Those are the lecture's values at a logit of -6, where the discriminator is "
            "sure. Here it is unsure: D(G(z)) = 0.5."
        )
    if close(g_mm, -0.9975, atol=1e-3) and close(g_ns, -0.0025, atol=1e-3):
        raise NotYet(
            "The two are swapped, and at a logit of -6: the minimax loss is the one that "
            "saturates. "
            "Here D(G(z)) = 0.5."
        )
    if close(g_mm, -_sigmoid(0.5), atol=2e-3):
        raise NotYet(
            "You took the logit to be 0.5. D(G(z)) = sigmoid(logit) = 0.5 means the logit is 0."
        )
    expect(
        close(g_mm, -0.5, atol=2e-3) and close(g_ns, -0.5, atol=2e-3),
        "Not these gradients. With D = sigmoid(logit) = 0.5: d/dlogit log(1 - D) = -D "
        "and d/dlogit (-log D) = -(1 - D).",
    )
    return (
        "When the discriminator is unsure the two losses pull equally; the minimax one "
        "loses its gradient only once the discriminator rejects the fakes confidently."
    )


# ---- exercise 3: the value of the game as the generator moves ----

V_AT_MINUS_3 = -0.12085  # V(D*, G) for p_g = N(-3, 1), by the lecture's integration
V_AT_MINUS_1 = -0.71263  # the lecture's generator, N(-1, 1)


@exercise(
    3,
    hint=(
        "Use the lecture's `value` and `d_star` with `stats.norm(mu, 1)` as the generator, "
        "for each mu in `np.linspace(-3, 1, 17)`. V(D*, G) = -log 4 + 2 JSD: where is the "
        "JSD smallest?"
    ),
    solution=(
        "The JSD is zero when p_g = p_data, at mu = 1: there D* = 1/2 everywhere and V = "
        f"-log 4 = {-LOG4:.5f}. Away from it V rises: {V_AT_MINUS_1} at mu = -1 and "
        f"{V_AT_MINUS_3} at mu = -3 (towards 0, the value for distributions that do not "
        "overlap, where 2 JSD reaches 2 log 2)."
    ),
    answer=(1.0, -LOG4),
    mistakes={
        "largest": (-3.0, V_AT_MINUS_3),
        "sign": (1.0, LOG4),
        "log 2": (1.0, -math.log(2)),
        "the lecture's generator": (-1.0, V_AT_MINUS_1),
        "JSD is zero": (1.0, 0.0),
    },
    wrong=[(0.0, -LOG4), (1.0, -1.0), ("1", -LOG4), (-1.0, -LOG4)],
)
def q3(mu_best, v_min):
    mu = number(mu_best, "mu_best")
    v = number(v_min, "v_min")
    if close(mu, -3, atol=0.05) and v > -0.5:
        raise NotYet(
            "That is the largest value, at the edge of the range. The generator minimises "
            "V(D*, G): look for the smallest."
        )
    if close(mu, -1, atol=0.05) and close(v, V_AT_MINUS_1, atol=1e-3):
        raise NotYet(
            f"{V_AT_MINUS_1} is V for the lecture's generator, mu = -1. Move mu over the "
            "whole range and take the smallest value."
        )
    if close(v, LOG4, atol=1e-3):
        raise NotYet("Check the sign: V(D*, G) = -log 4 + 2 JSD is never above 0.")
    if close(v, -math.log(2), atol=1e-3):
        raise NotYet(
            "log 2 is the cross-entropy on one half of the batch at D = 1/2. V adds both "
            "terms, log(1/2) + log(1/2): -log 4."
        )
    if close(v, 0.0, atol=1e-3):
        raise NotYet("The JSD is zero there, but V = -log 4 + 2 JSD: not zero.")
    expect(
        close(mu, 1.0, atol=0.05),
        f"mu_best = {mu:g} is not where V(D*, G) is smallest. Which generator makes the JSD "
        "to p_data = N(1, 1) vanish?",
    )
    expect(
        close(v, -LOG4, atol=5e-3),  # -1.39, rounded to two decimals, passes
        f"At mu = 1 the value is not {v:g}. There D* = 1/2 everywhere: V = log(1/2) + log(1/2).",
    )
    return (
        "The game is worth -log 4 exactly when the generator matches the data: the minimum "
        "of V(D*, G) is the equilibrium."
    )


# ---- exercise 6: a Fréchet distance by hand ----

FRECHET = (0 - 2) ** 2 + 1 + 9 - 2 * math.sqrt(1 * 9)  # 8.0


@exercise(
    6,
    hint=(
        "In one dimension the formula reads (m1 - m2)^2 + s1^2 + s2^2 - 2 sqrt(s1^2 s2^2), "
        "with s^2 the variances: 1 and 9 here."
    ),
    solution=(
        "(0 - 2)^2 + 1 + 9 - 2 sqrt(1 x 9) = 4 + 10 - 6 = 8. In one dimension it is "
        "(m1 - m2)^2 + (s1 - s2)^2 = 4 + (1 - 3)^2: the means and the spreads both count. "
        "Check: `frechet((np.array([0.0]), np.array([[1.0]])), (np.array([2.0]), "
        "np.array([[9.0]])))` gives 8.0."
    ),
    answer=(FRECHET,),
    mistakes={
        "square root": (4 + 1 + 9 - 2 * 9,),
        "squared": (2 + 1 + 9 - 6,),
        "means": (1 + 9 - 6,),
        "variance": (4 + 1 + 81 - 2 * 9,),
    },
    wrong=[(0.0,), (14.0,), (2.0,), ("8",)],
)
def q6(fd):
    fd = number(fd, "fd")
    if close(fd, -4):
        raise NotYet(
            "A distance cannot be negative: you left out the square root in "
            "tr (S1 S2)^(1/2). sqrt(1 x 9) = 3."
        )
    if close(fd, 6):
        raise NotYet("The mean term is the squared difference: (0 - 2)^2 = 4, not 2.")
    if close(fd, 4):
        raise NotYet("You left out the means' term, (0 - 2)^2: the means differ by 2.")
    if close(fd, 68):
        raise NotYet(
            "9 is the variance, not the standard deviation: the covariance entries are 1 and "
            "9 as they are."
        )
    expect(
        close(fd, FRECHET, atol=1e-3),
        f"Not the distance (yours: {fd:g}). Add the squared difference of the means, the two "
        "variances, and subtract 2 sqrt(product of the variances).",
    )
    return (
        "In 1-D the Fréchet distance is (m1 - m2)^2 + (s1 - s2)^2: a generator with the "
        "right mean but the wrong spread is penalised too."
    )
