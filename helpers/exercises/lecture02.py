"""Checked exercises of lecture 02 (error estimation and cross-validation)."""

from __future__ import annotations

import contextlib
import io
from functools import cache

import numpy as np

from helpers.exercises import NotYet, exercise, expect, integer, number

# Breast cancer labels (212 malignant = 0, 357 benign = 1), sorted as in exercise 2.
Y_SORTED = np.repeat([0, 1], [212, 357])

# Standard deviations of the test accuracy over 60 random splits (seeds 0-59, the quick
# profile's N_REPEATS) of the lecture's standardised logistic regression; with 10 or 500
# splits they range over 0.0077-0.0083 (50/50) and 0.0184-0.0222 (90/10).
STD_50, STD_90 = 0.00835, 0.01836
MEAN_50, MEAN_90 = 0.9726, 0.9813


@exercise(
    1,
    hint=(
        "Rerun the repeated-split experiment with `test_size=0.5` and `test_size=0.1` and take "
        "`.std()` of each array of scores: the spread of the estimate, not its mean. A test set "
        "of n samples gives an accuracy p with a standard deviation of about sqrt(p (1 - p) / n)."
    ),
    solution=(
        "Over 60 splits: std_50 = 0.0083 (285 test samples), std_90 = 0.0184 (57 test "
        "samples), against 0.0135 for the lecture's 75/25 split. The binomial estimate "
        "sqrt(0.975 x 0.025 / n) gives 0.0092 and 0.0207. The 90/10 split scatters more "
        "because each test sample weighs 1/57 = 1.75 points; its mean is a little higher "
        "(0.981 against 0.973) because the model trains on 90 % of the data."
    ),
    answer=(STD_50, STD_90),
    mistakes={
        "swapped": (STD_90, STD_50),
        "mean accuracy": (MEAN_50, MEAN_90),
        "variance": (STD_50**2, STD_90**2),
        "percentage points": (100 * STD_50, 100 * STD_90),
    },
    wrong=[(0.0135, 0.0135), (0.02, 0.05), (STD_50, STD_50), ("0.008", "0.018")],
)
def q1(std_50, std_90):
    std_50, std_90 = number(std_50, "std_50"), number(std_90, "std_90")
    if std_50 > 0.5 and std_90 > 0.5 and max(std_50, std_90) <= 1:
        raise NotYet(
            "These look like the mean accuracy of the splits; the exercise asks for their "
            "spread: the standard deviation of the scores over the random splits."
        )
    if min(std_50, std_90) > 0.2 and max(std_50, std_90) < 5:
        raise NotYet(
            "These look like standard deviations in percentage points; give them as "
            "fractions of 1, like the accuracies (0.01 for one point)."
        )
    if max(std_50, std_90) < 0.002:
        raise NotYet(
            "These are too small for standard deviations of an accuracy: is it the variance? "
            "Take the square root (or use `.std()`)."
        )
    if std_50 > std_90 and 0.013 < std_50 < 0.03 and 0.005 < std_90 < 0.012:
        raise NotYet(
            "Your two values are swapped: the 50/50 split has the larger test set (285 "
            "samples), so its estimate scatters less than the 90/10 split's (57 samples)."
        )
    expect(
        0.005 < std_50 < 0.012,
        f"std_50 = {std_50:.4f} is not the spread of 50/50 test accuracies: with 285 test "
        "samples and an accuracy near 0.97, expect about sqrt(0.97 x 0.03 / 285) = 0.01.",
    )
    expect(
        0.013 < std_90 < 0.03,
        f"std_90 = {std_90:.4f} is not the spread of 90/10 test accuracies: with 57 test "
        "samples and an accuracy near 0.98, expect about sqrt(0.98 x 0.02 / 57) = 0.019.",
    )
    return (
        f"The 90/10 estimate scatters {std_90 / std_50:.1f} times as much: a test set five "
        "times smaller makes the estimate about sqrt(5) = 2.2 times noisier."
    )


def _splitter(name, *args, **kwargs):
    import sklearn.model_selection

    return getattr(sklearn.model_selection, name)(*args, **kwargs)


def _test_shares(cv) -> list[float]:
    """Class-1 share of each test fold of ``cv`` on the sorted labels."""
    X = np.zeros((len(Y_SORTED), 1))
    folds = list(cv.split(X, Y_SORTED))
    tested = np.sort(np.concatenate([test for _, test in folds]))
    expect(
        np.array_equal(tested, np.arange(len(Y_SORTED))),
        "The test folds of this splitter do not cover every sample exactly once.",
    )
    return [float(Y_SORTED[test].mean()) for _, test in folds]


@exercise(
    2,
    hint=(
        "Sorted by label, the 212 malignant tumours come first. `KFold(10)` without shuffling "
        "cuts 57 consecutive rows per fold: count the folds whose rows are all one class. "
        "For the fix, give a splitter object (with its parentheses) that deals each class "
        "out evenly."
    ),
    solution=(
        "9 of the 10 folds hold one class only: folds 1-3 are all malignant, folds 5-10 all "
        "benign, and fold 4 (rows 171-227) straddles the boundary at row 212. "
        "`StratifiedKFold(10)`, even without shuffling, gives every test fold the overall "
        "share of benign tumours (0.61 to 0.63, overall 0.627)."
    ),
    answer=lambda: (9, _splitter("StratifiedKFold", 10)),
    mistakes={
        "straddles": lambda: (10, _splitter("StratifiedKFold", 10)),
        "without shuffling": lambda: (0, _splitter("StratifiedKFold", 10)),
        "Shuffling": lambda: (9, _splitter("KFold", 10, shuffle=True, random_state=0)),
        "one sample": lambda: (9, _splitter("LeaveOneOut")),
        "splitter object": lambda: (9, type(_splitter("StratifiedKFold", 10))),
    },
    wrong=[
        lambda: (9, _splitter("KFold", 10)),
        lambda: (9, "StratifiedKFold"),
        lambda: (9, _splitter("GroupKFold", 10)),
        lambda: (8, _splitter("StratifiedKFold", 10)),
    ],
)
def q2(n_one_class, fixed_cv):
    n = integer(n_one_class, "n_one_class")
    if n == 10:
        raise NotYet(
            "Not all ten: the boundary between the classes (row 212) falls inside one fold, "
            "which straddles it and holds both classes."
        )
    if n == 0:
        raise NotYet(
            "None? Then the folds were shuffled or the data not sorted. Sort with "
            "`np.argsort(y)` and use `KFold(10)` without shuffling."
        )
    expect(
        n == 9,
        f"Not {n}. The folds hold 57 consecutive rows each (the last 56); the first 212 rows "
        "are malignant. Which folds lie entirely on one side of row 212?",
    )
    if isinstance(fixed_cv, str):
        raise NotYet("fixed_cv should be a splitter object, not its name: add the parentheses.")
    if isinstance(fixed_cv, type):
        raise NotYet("fixed_cv is a class: give a splitter object, e.g. `StratifiedKFold(10)`.")
    expect(hasattr(fixed_cv, "split"), "fixed_cv should be a splitter with a `split` method.")
    try:
        shares = _test_shares(fixed_cv)
    except ValueError as error:
        raise NotYet(
            f"This splitter cannot split these data on their own ({error}). Group splitters "
            "need groups; here the folds need the classes balanced."
        ) from None
    overall = Y_SORTED.mean()
    if all(share in (0.0, 1.0) for share in shares):
        raise NotYet(
            "Each test fold holds one sample, so one class only: the fold scores are 0 or 1. "
            "Keep ten folds, each with the classes in their overall proportion."
        )
    spread = max(abs(share - overall) for share in shares)
    if spread > 0.03 and getattr(fixed_cv, "shuffle", False):
        raise NotYet(
            "Shuffling breaks the blocks, but the class share still varies from fold to fold "
            f"(from {min(shares):.2f} to {max(shares):.2f}; overall {overall:.2f}). Use the "
            "splitter that deals each class out evenly."
        )
    expect(
        spread <= 0.03,
        f"The share of benign tumours in the test folds ranges from {min(shares):.2f} to "
        f"{max(shares):.2f} (overall {overall:.2f}): this splitter does not stratify.",
    )
    return (
        "Unshuffled K-fold on sorted data tests on one class at a time; stratifying keeps "
        "every fold representative, whatever the order of the rows."
    )


@cache
def _panel_years() -> np.ndarray:
    """The year of each row of the lecture's wage panel (loaded without its printed line)."""
    from helpers.datasets import load_wage_panel

    with contextlib.redirect_stdout(io.StringIO()):
        return load_wage_panel().year


def _panel_splits(cv_name: str, by: str = "year", n_splits: int | None = None) -> tuple:
    from helpers.datasets import load_wage_panel

    with contextlib.redirect_stdout(io.StringIO()):
        panel = load_wage_panel()
    cv = _splitter(cv_name) if n_splits is None else _splitter(cv_name, n_splits)
    if cv_name == "KFold":
        return (list(cv.split(panel.X, panel.y)),)
    groups = panel.year if by == "year" else panel.groups
    return (list(cv.split(panel.X, panel.y, groups=groups)),)


def _swapped(answer: tuple) -> tuple:
    return ([(test, train) for train, test in answer[0]],)


@exercise(
    4,
    hint=(
        "`LeaveOneGroupOut().split(Xp, yp, groups=panel.year)` gives one split per year. "
        "Wrap it in `list(...)`: each element is a pair (training rows, test rows)."
    ),
    solution=(
        "`year_splits = list(LeaveOneGroupOut().split(Xp, yp, groups=panel.year))`: 7 "
        "splits, each testing the 595 rows of one year and training on the 3,570 of the "
        "other six. It asks how well the model predicts a year it has not seen, for people "
        "it has seen in other years (every person is on both sides). GroupKFold by person "
        "asks how well it predicts people it has never seen."
    ),
    answer=lambda: _panel_splits("LeaveOneGroupOut"),
    mistakes={
        "person": lambda: _panel_splits("LeaveOneGroupOut", by="person"),
        "all seven years": lambda: _panel_splits("GroupKFold", by="person", n_splits=7),
        "swapped": lambda: _swapped(_panel_splits("LeaveOneGroupOut")),
    },
    wrong=[
        lambda: _panel_splits("KFold", n_splits=7),
        lambda: (7,),
        lambda: _panel_splits("GroupKFold", by="year", n_splits=5),
    ],
)
def q4(year_splits):
    years = _panel_years()
    if isinstance(year_splits, (int, float, np.integer)):
        raise NotYet("year_splits should be the list of (train, test) pairs, not their number.")
    splits = list(year_splits)
    expect(
        all(len(pair) == 2 for pair in splits),
        "Each element of year_splits should be a pair (training rows, test rows).",
    )
    if len(splits) == 595:
        raise NotYet(
            "595 splits: one per person. Here the groups are the years: pass "
            "`groups=panel.year`, not the person ids."
        )
    test_years = [np.unique(years[np.asarray(test)]) for _, test in splits]
    train_years = [np.unique(years[np.asarray(train)]) for train, _ in splits]
    if all(len(t) == 6 for t in test_years) and all(len(t) == 1 for t in train_years):
        raise NotYet(
            "Training and test rows are swapped: each split should train on six years and "
            "test on the seventh."
        )
    tested = np.sort(np.concatenate([np.asarray(test) for _, test in splits]))
    expect(
        np.array_equal(tested, np.arange(len(years))),
        "The test rows of these splits do not cover every row of the panel exactly once.",
    )
    if all(len(t) == 7 for t in test_years):
        raise NotYet(
            "Each test fold holds rows of all seven years: this splits by person or at "
            "random, not by year. Pass the year as the groups: `groups=panel.year`."
        )
    expect(
        len(splits) == 7 and all(len(t) == 1 for t in test_years),
        f"{len(splits)} splits; leave-one-year-out has 7, each testing exactly one year.",
    )
    for (train, _), test_year in zip(splits, test_years):
        expect(
            test_year[0] not in set(years[np.asarray(train)]),
            f"The year {test_year[0]} is tested and trained on in the same split.",
        )
    return (
        "Every person is on both sides of each split: this estimates how well the model "
        "predicts a new year for known people, not how well it does on new people."
    )
