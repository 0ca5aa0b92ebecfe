"""Checked exercises of lecture 04 (ensembles and competition tricks)."""

from __future__ import annotations

import numpy as np

from helpers.exercises import NotYet, as_array, exercise, expect, integer


@exercise(
    1,
    hint=(
        "Each member is either in a subset or not: two choices per member. Leave out the one "
        "subset that has no member at all."
    ),
    solution=(
        "With five members there are 2^5 = 32 ways to include or leave out each, minus the "
        "empty one: 31 subsets (the lecture's four members gave 2^4 - 1 = 15). The search "
        "doubles with every member; the noise of the validation bench does not shrink, so "
        "the chosen subset may change by luck as much as by merit."
    ),
    answer=(31,),
    mistakes={"empty": (32,), "four members": (15,), "order": (120,), "pairs": (10,)},
    wrong=[(25,), (5,), (31.5,), ("31",), (30,)],
)
def q1(n_subsets):
    n = integer(n_subsets, "n_subsets")
    if n == 32:
        raise NotYet("32 counts the empty subset too, which has no members to average.")
    if n == 15:
        raise NotYet("15 is the count for the lecture's four members; there are five now.")
    if n == 120:
        raise NotYet(
            "120 = 5! counts orderings, but the order of members in an average "
            "does not matter: a subset is only who is in and who is out."
        )
    if n == 10:
        raise NotYet("10 counts the pairs only; subsets of every size from 1 to 5 count.")
    expect(
        n == 31,
        f"Not {n}. Each of the 5 members is in or out (2 choices each); drop the empty subset.",
    )
    return "Every member doubles the subsets to try, and the chance of picking one by luck."


@exercise(
    2,
    hint=(
        "Each of the four members gets one of three weights, 0, 1 or 2, independently. Which "
        "weighting averages nothing and must be left out?"
    ),
    solution=(
        "3^4 = 81 weightings, minus the one with every weight 0: 80. The 15 subsets are among "
        "them (weights 0 and 1), so the best weighting is at least as good as the best subset "
        "on the validation bench; on the test set it can gain or lose a little, since 80 "
        "candidates fit the bench's noise more than 15 do."
    ),
    answer=(80,),
    mistakes={"all zero": (81,), "0 or 1": (15,), "multiplied": (12,), "exponent": (64,)},
    wrong=[(16,), (79,), (80.5,), ("80",)],
)
def q2(n_weightings):
    n = integer(n_weightings, "n_weightings")
    if n == 81:
        raise NotYet("81 includes the all zero weighting (every weight 0), which averages nothing.")
    if n == 15:
        raise NotYet("15 are the subsets (weights 0 or 1 only); here each weight can be 2 too.")
    if n == 12:
        raise NotYet(
            "12 = 3 x 4 multiplied the choices by the members; the choices combine: "
            "3 for the first member times 3 for the second, and so on."
        )
    if n in (64, 63):
        raise NotYet("4^3 swaps base and exponent: 3 weights for each of 4 members is 3^4.")
    expect(n == 80, f"Not {n}. Three weights for each of four members; drop the all-zero one.")
    return (
        "More candidates fit the validation bench better, not necessarily the test set: "
        "the search's size is part of its risk."
    )


def _toy_data():
    """90 rows, 4 random features, 3 classes with labels unrelated to the features."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = rng.permutation(np.tile([0, 1, 2], 30))
    return X, y


def _reference_oof(model, X, y):
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros((len(y), len(np.unique(y))))
    for train_rows, held_out in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        out[held_out] = clone(model).fit(X[train_rows], y[train_rows]).predict_proba(X[held_out])
    return out


def _leaky_oof(model, X, y):
    from sklearn.base import clone

    return clone(model).fit(X, y).predict_proba(X)


def _last_fold_only(model, X, y):
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros((len(y), len(np.unique(y))))
    train_rows, held_out = list(StratifiedKFold(5).split(X, y))[-1]
    out[held_out] = clone(model).fit(X[train_rows], y[train_rows]).predict_proba(X[held_out])
    return out


def _labels_only(model, X, y):
    return _reference_oof(model, X, y).argmax(axis=1)


def _transposed(model, X, y):
    return _reference_oof(model, X, y).T


@exercise(
    6,
    hint=(
        "Start from an array of zeros, one row per sample and one column per class. For each "
        "split of `StratifiedKFold(5, shuffle=True, random_state=0)`, fit a `clone(model)` on "
        "the training rows and write its `predict_proba` of the held-out rows into their rows."
    ),
    solution=(
        "Start from `out = np.zeros((len(y), len(np.unique(y))))`. For each `train_rows, "
        "held_out` in `StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)`, fit "
        "`fitted = clone(model).fit(X[train_rows], y[train_rows])` and set `out[held_out] = "
        "fitted.predict_proba(X[held_out])`; then `return out`. Every row is predicted "
        "exactly once, by a model that never saw it. The checker runs your function with a "
        "1-nearest-neighbour classifier on random labels: a row predicted by a model trained "
        "on it is always right (its nearest neighbour is itself); honest out-of-fold "
        "predictions are right about a third of the time."
    ),
    answer=(_reference_oof,),
    mistakes={
        "trained on it": (_leaky_oof,),
        "left at zero": (_last_fold_only,),
        "one column per class": (_labels_only,),
        "transposed": (_transposed,),
    },
    wrong=[(np.zeros((90, 3)),), (lambda model, X, y: None,), (lambda model, X, y: 1 / 0,)],
)
def q6(oof_proba):
    from sklearn.neighbors import KNeighborsClassifier

    expect(
        callable(oof_proba),
        "oof_proba should be a function of (model, X, y), e.g. defined with `def`.",
    )
    X, y = _toy_data()
    try:
        result = oof_proba(KNeighborsClassifier(1), X.copy(), y.copy())
    except Exception as error:  # the student's code: any error becomes a hint
        raise NotYet(
            f"Your function raised {type(error).__name__}: {error}. It is called as "
            "oof_proba(model, X, y) with NumPy arrays X (90 x 4) and y (90 labels, 3 classes)."
        ) from None
    expect(
        result is not None and result is not Ellipsis,
        "Your function returned nothing: end it with `return` and the array of probabilities.",
    )
    result = np.asarray(result)
    if result.ndim == 1:
        raise NotYet(
            f"The result has shape {result.shape}: predicted labels? Return probabilities, "
            "with one column per class (`predict_proba`), shape (number of rows, classes)."
        )
    P = as_array(result, "The result", shape=(90, 3))
    empty = int(np.sum(np.isclose(P.sum(axis=1), 0)))
    if empty:
        raise NotYet(
            f"{empty} of 90 rows are left at zero: every row must be predicted once, as "
            "part of the held-out fold of one split. Loop over all the splits."
        )
    expect(
        np.allclose(P.sum(axis=1), 1, atol=1e-6),
        "Each row should hold class probabilities summing to 1; some rows sum to "
        f"{P.sum(axis=1).max():.2f}: a row written by several folds, added instead of set?",
    )
    right = float(np.mean(P.argmax(axis=1) == y))
    if right > 0.75:
        raise NotYet(
            f"On random labels these predictions are {right:.0%} right: each row was "
            "predicted by a model trained on it. Fit on the other folds, predict the held-out "
            "fold."
        )
    return (
        f"On random labels your out-of-fold predictions are {right:.0%} right, chance level: "
        "no row was predicted by a model that saw it, so a meta-model cannot learn to trust "
        "an overfitting member."
    )
