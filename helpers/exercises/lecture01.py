"""Checked exercises of lecture 01 (ROC curves and AUC)."""

from __future__ import annotations

from functools import cache

import numpy as np

from helpers.exercises import NotYet, close, exercise, expect, number

# The lecture's exam sample.
SCORES = np.array([0.95, 0.85, 0.78, 0.66, 0.60, 0.55, 0.43, 0.42, 0.41, 0.40])
LABELS = np.array([1, 1, 0, 1, 1, 0, 0, 1, 0, 0])


def _pair_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    pos, neg = scores[labels == 1], scores[labels == 0]
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0) + 0.5 * (diff == 0)).mean())


@exercise(
    1,
    hint=(
        "Swap the two labels, then count, for each positive, the negatives scored below it. "
        "There are 5 x 5 = 25 pairs; the AUC is the fraction ranked correctly."
    ),
    solution=(
        "The new positive at 0.78 beats all five negatives, as do the positives at 0.95, 0.85 "
        "and 0.66; the positive at 0.42 beats only 0.41 and 0.40. 5 + 5 + 5 + 5 + 2 = 22 of "
        "25 pairs: AUC = 22/25 = 0.88 (it was 0.80)."
    ),
    answer=(0.88,),
    mistakes={"as a fraction": (22,), "before the swap": (0.80,), "wrong way round": (0.12,)},
    wrong=[(0.84,), (1.0,), ("0.88",), (np.array([0.88, 0.80]),)],
)
def q1(new_auc):
    new_auc = number(new_auc, "new_auc")
    if close(new_auc, 22):
        raise NotYet("22 is the number of pairs ranked correctly; give the AUC as a fraction.")
    if close(new_auc, 0.80, atol=0.005):
        raise NotYet("0.80 is the AUC before the swap: swap the labels at 0.78 and 0.60 first.")
    if close(new_auc, 0.12, atol=0.005):
        raise NotYet("You counted the pairs ranked the wrong way round: that is 1 - AUC.")
    expect(
        close(new_auc, 0.88, atol=0.005),
        "Not the AUC after the swap. List the positives' scores after it (0.95, 0.85, 0.78, "
        "0.66, 0.42) and count the negatives below each.",
    )
    return "Moving a positive up the ranking can only add correctly ordered pairs."


@exercise(
    2,
    hint=(
        "If every negative is above every positive, how many of the positive-negative pairs "
        "are ranked correctly? For the fix, think of a map that reverses any ranking."
    ),
    solution=(
        "No pair is ranked correctly, so the AUC is 0 (the ROC curve runs along the x axis to "
        "(1, 0), then up). Reverse the ranking, e.g. `lambda s: -s` or `lambda s: 1 - s`: "
        "every pair is then correct and the AUC is 1. An AUC far below 0.5 is as informative "
        "as one far above it; the labels or the score's sign are swapped."
    ),
    answer=(0.0, lambda s: 1 - s),
    mistakes={
        "no pair": (0.5, lambda s: -s),
        "should reverse": (0.0, lambda s: s + 1),
        "a function": (0.0, 1.0),
    },
    wrong=[
        (1.0, lambda s: -s),
        (0.0, lambda s: np.abs(s - 0.5)),
        (0.0, lambda s: s[::-1]),
        (0.0, lambda s: np.sort(s)[::-1]),
    ],
)
def q2(auc_reversed, flip):
    auc_reversed = number(auc_reversed, "auc_reversed")
    expect(
        close(auc_reversed, 0.0, atol=1e-9),
        "A score that puts every negative above every positive ranks no pair correctly: "
        "count them.",
    )
    expect(callable(flip), "flip should be a function from scores to new scores, e.g. a lambda.")
    rng = np.random.default_rng(0)
    labels = np.repeat([1, 0], 20)
    scores = np.concatenate([rng.uniform(0, 0.4, 20), rng.uniform(0.6, 1, 20)])  # all reversed
    order = rng.permutation(len(labels))  # mixed, so that reordering the array is no fix
    labels, scores = labels[order], scores[order]
    new_scores = np.asarray(flip(scores), dtype=float)
    expect(new_scores.shape == scores.shape, "flip should return one new score per score.")
    expect(
        close(_pair_auc(labels, new_scores), 1.0),
        "flip should reverse the ranking of any scores: on a reversed score it must give "
        f"AUC 1, yours gives {_pair_auc(labels, new_scores):.2f}.",
    )
    return "An AUC near 0 is a perfect ranking read the wrong way round."


@cache
def _breast_cancer_oof():
    """The lecture's out-of-fold training scores and test scores (logistic regression)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_breast_cancer()
    X, y = data.data, 1 - data.target
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    oof = cross_val_predict(model, X_train, y_train, cv=5, method="predict_proba")[:, 1]
    test = model.fit(X_train, y_train).predict_proba(X_test)[:, 1]
    return oof, y_train, test, y_test


def _rates(y, scores, threshold):
    positive = scores >= threshold
    return positive[y == 1].mean(), positive[y == 0].mean()


def _best_threshold(y, scores, max_fpr=0.05):
    """The lowest threshold (most true positives) whose FPR is at most ``max_fpr``."""
    candidates = [t for t in np.unique(scores) if _rates(y, scores, t)[1] <= max_fpr]
    return min(candidates)


def _q5_reference():
    oof, y_train, _, _ = _breast_cancer_oof()
    return (_best_threshold(y_train, oof),)


def _q5_from_test():
    _, _, test, y_test = _breast_cancer_oof()
    return (_best_threshold(y_test, test),)


@exercise(
    5,
    hint=(
        "Use `oof_scores` and `y_train`, as the lecture does for the TPR requirement. Among the "
        "thresholds whose out-of-fold FPR is at most 0.05, the lowest catches the most "
        "malignant tumours."
    ),
    solution=(
        "`fpr_oof, tpr_oof, thr_oof = roc_curve(y_train, oof_scores, drop_intermediate=False)`, "
        "then `threshold_fpr5 = thr_oof[fpr_oof <= 0.05].min()`. The test FPR can exceed 5 %: "
        "the threshold was tuned on other samples, and with about 90 benign test samples one "
        "false alarm more is 1.1 points."
    ),
    answer=_q5_reference,
    mistakes={"test set": _q5_from_test, "more than 5 %": (0.01,), "lower threshold": (0.9,)},
    wrong=[(0.5,), (0.0,), (1.0,)],
)
def q5(threshold_fpr5):
    threshold = number(threshold_fpr5, "threshold_fpr5")
    oof, y_train, test, y_test = _breast_cancer_oof()
    best = _best_threshold(y_train, oof)
    tpr, fpr = _rates(y_train, oof, threshold)
    from_test = _best_threshold(y_test, test)
    if close(threshold, from_test, rtol=1e-6) and not close(threshold, best, rtol=1e-6):
        raise NotYet(
            "This threshold was read off the test set. Choose it on the out-of-fold training "
            "scores (`oof_scores`, `y_train`), then look at the test set once."
        )
    expect(
        fpr <= 0.05,
        f"On the out-of-fold training scores this threshold flags {fpr:.1%} of benign tumours, "
        "more than 5 %: raise it.",
    )
    best_tpr = _rates(y_train, oof, best)[0]
    expect(
        tpr >= best_tpr,
        f"Within 5 % FPR, but a lower threshold would still be within it and catch more "
        f"(out-of-fold TPR {best_tpr:.3f} against your {tpr:.3f}).",
    )
    test_tpr, test_fpr = _rates(y_test, test, threshold)
    return (
        f"On the test set: TPR {test_tpr:.3f}, FPR {test_fpr:.3f}. The threshold was chosen "
        "on other samples, so the test FPR can land on either side of 5 %."
    )
