"""Plotting: one consistent style for every figure in the book, and the book's figures of
training (learning curves) and cross-validation (folds)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
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

    def strip(row: int, colours, cmap, **limits) -> None:
        """One line of squares: a colour per sample."""
        ax.scatter(
            np.arange(n),
            np.full(n, row),
            c=colours[:n],
            marker="s",
            s=18,
            lw=0,
            cmap=cmap,
            **limits,
        )

    tested = ListedColormap(["#d9e6f2", POSITIVE])
    for k, (_, test) in enumerate(folds):
        strip(k, np.isin(np.arange(len(y)), test).astype(float), tested, vmin=0, vmax=1)
    strips = [("class", np.asarray(y))] + (
        [("group", np.asarray(groups))] if groups is not None else []
    )
    for j, (label, values) in enumerate(strips, start=len(folds)):
        codes = np.unique(values, return_inverse=True)[1]
        strip(j, codes, "tab10" if label == "class" else "tab20")
    ax.set_yticks(
        range(len(folds) + len(strips)),
        [f"fold {k + 1}" for k in range(len(folds))] + [s[0] for s in strips],
    )
    ax.invert_yaxis()
    ax.set_xlabel(f"sample index (first {n} of {len(y)}); red = tested in that fold")
    ax.set_title(title or type(splitter).__name__)
    ax.grid(False)
    return ax


def _as_dict(history: Any) -> dict[str, list[float]]:
    """The per-epoch logs of a ``History``, or a mapping of lists, as a plain dict."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping) or not logs:
        raise TypeError(
            "expected a keras History (the return value of model.fit) or a dict "
            f"of per-epoch lists, got {type(history).__name__}"
        )
    return {key: list(values) for key, values in logs.items()}


def plot_learning_curves(
    history: Any, metrics: Sequence[str] | None = None, *, axes=None, title: str = ""
):
    """Plot training and validation curves, one panel per metric (loss first).

    Args:
        history: a ``keras.callbacks.History`` or a dict such as ``history.history``.
        metrics: which metrics to draw (default: every metric that has no ``val_`` prefix).
        axes: matplotlib axes to draw into, one per metric (default: a new figure).
        title: a title over the panels.

    Returns:
        The list of axes.

    Raises:
        KeyError: a requested metric is not in the history (the message lists what is).
    """
    import matplotlib.pyplot as plt

    logs = _as_dict(history)
    if metrics is None:
        metrics = [k for k in logs if not k.startswith("val_") and k != "learning_rate"]
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise KeyError(f"no {missing[0]!r} in the history; it has {', '.join(logs)}")
    if axes is None:
        _, axes = plt.subplots(1, len(metrics), figsize=(4.8 * len(metrics), 3.4), squeeze=False)
        axes = list(axes[0])
    for ax, metric in zip(axes, metrics):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], "o-", ms=3, label=f"training {metric}")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], "s-", ms=3, label=f"validation {metric}")
        ax.set(xlabel="epoch", ylabel=metric, title=metric.replace("_", " "))
        ax.legend()
    if title:
        axes[0].figure.suptitle(title)
    return axes


def plot_lr_find(lrs, smoothed, steepest: float, minimum: float, *, ax=None):
    """The learning-rate finder's smoothed loss against the rate (log axis), with the
    steepest-descent suggestion and minimum/10 marked."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    ax.plot(lrs, smoothed, label="smoothed loss")
    for lr, text, marker in [(steepest, "steepest", "o"), (minimum / 10, "minimum / 10", "s")]:
        y = np.interp(np.log(lr), np.log(lrs), smoothed)
        ax.plot(lr, y, marker, label=f"{text}: {lr:.1e}")
    ax.set(
        xscale="log",
        xlabel="learning rate (log scale)",
        ylabel="training loss",
        title="Learning-rate finder",
    )
    ax.legend()
    return ax


def plot_schedule(history: dict[str, Sequence[float]], *, title: str = "", axes=None):
    """Hyperparameter schedules against the batch number, one panel each (name -> values)."""
    import matplotlib.pyplot as plt

    n = len(history)
    axes = axes if axes is not None else plt.subplots(1, n, figsize=(5 * n, 3), squeeze=False)[1]
    axes = np.ravel(axes)
    for i, (ax, (name, values)) in enumerate(zip(axes, history.items())):
        ax.plot(values, color=f"C{i}")
        label = name.replace("_", " ")
        ax.set(xlabel="batch", ylabel=label, title=f"{title}: {label}" if title else label)
    return axes


def plot_confusion_matrix(matrix, class_names: Sequence[str], *, ax=None):
    """A confusion matrix (rows: true class) as a labelled heat map, scikit-learn's display."""
    from sklearn.metrics import ConfusionMatrixDisplay

    display = ConfusionMatrixDisplay(matrix, display_labels=list(class_names))
    display.plot(ax=ax, colorbar=False, xticks_rotation=45)
    display.ax_.set_title("Confusion matrix")
    return display.ax_


def plot_image_grid(
    images,
    titles: Sequence[str],
    *,
    ncols: int = 3,
    title: str = "",
    cmap: str = "gray_r",
    vmax: float | None = None,
    size: float = 2.2,
):
    """Greyscale (or colour) images in a grid, each with its title; returns the figure.

    ``cmap="gray_r"`` draws ink dark on white (MNIST-style digits); pass ``cmap="gray"`` for
    photographs. With ``vmax`` every image is drawn on the same scale, 0 to ``vmax`` (255 for
    raw pixels), so that images compare; without it each is stretched to its own range.
    ``size`` is the width of one image in inches.
    """
    import matplotlib.pyplot as plt

    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + 0.3) * nrows))
    for ax in np.ravel(axes):
        ax.axis("off")
    scale = {} if vmax is None else {"vmin": 0, "vmax": vmax}
    for ax, image, text in zip(np.ravel(axes), images, titles):
        ax.imshow(np.squeeze(image), cmap=cmap, **scale)
        ax.set_title(text, fontsize=9)
    if title:
        fig.suptitle(title)
    return fig
