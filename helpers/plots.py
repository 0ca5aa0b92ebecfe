"""Plotting: one consistent style for every figure in the book."""

from __future__ import annotations

import matplotlib as mpl
import seaborn as sns

# Colours used for "positive" and "negative" throughout the book, so figures agree.
POSITIVE = "#c0392b"
NEGATIVE = "#2c7fb8"


def set_style() -> None:
    """Apply the book's figure style: seaborn's white grid, readable sizes, tight layout."""
    sns.set_theme(context="notebook", style="whitegrid", palette="deep")
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "figure.constrained_layout.use": True,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def plot_cv_folds(
    splitter, X, y, groups=None, *, ax=None, title: str | None = None, max_samples: int = 120
):
    """Draw which samples each fold of a scikit-learn splitter tests on (one row per fold).

    Test samples are coloured, training samples pale; under the folds, strips show each
    sample's class and (if given) group, so that stratification and group-keeping are visible.

    Args:
        splitter: any scikit-learn cross-validation splitter (``KFold(5)``, ``GroupKFold()``).
        X, y, groups: the data, as passed to ``splitter.split``.
        ax: where to draw (default: a new figure).
        title: the axes title (default: the splitter's repr).
        max_samples: only the first samples are drawn, so that each one stays visible.

    Returns:
        The matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import ListedColormap

    n = min(len(y), max_samples)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    import warnings

    with warnings.catch_warnings():  # splitters that ignore groups say so; that is fine here
        warnings.filterwarnings("ignore", "The groups parameter is ignored")
        folds = list(splitter.split(X, y, groups))
    for k, (_, test) in enumerate(folds):
        row = np.zeros(len(y))
        row[test] = 1
        ax.scatter(
            np.arange(n),
            np.full(n, k),
            c=row[:n],
            marker="s",
            s=18,
            lw=0,
            cmap=ListedColormap(["#d9e6f2", POSITIVE]),
            vmin=0,
            vmax=1,
        )
    strips = [("class", np.asarray(y))] + (
        [("group", np.asarray(groups))] if groups is not None else []
    )
    for j, (label, values) in enumerate(strips, start=len(folds)):
        codes = np.unique(values, return_inverse=True)[1]
        ax.scatter(
            np.arange(n),
            np.full(n, j),
            c=codes[:n],
            marker="s",
            s=18,
            lw=0,
            cmap="tab10" if label == "class" else "tab20",
        )
    ax.set_yticks(
        range(len(folds) + len(strips)),
        [f"fold {k + 1}" for k in range(len(folds))] + [s[0] for s in strips],
    )
    ax.invert_yaxis()
    ax.set_xlabel(f"sample index (first {n} of {len(y)}); red = tested in that fold")
    ax.set_title(title or type(splitter).__name__)
    ax.grid(False)
    return ax
