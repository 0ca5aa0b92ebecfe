"""What a classifier gets wrong: confusion matrix, most-confused pairs, top losses, and the
most correct and most uncertain predictions; and how far apart two classifiers are.

:class:`Interpretation` takes predicted probabilities and true labels (numpy arrays, from any
model) and answers the questions of fastai's ``ClassificationInterpretation`` with
scikit-learn and matplotlib. :func:`paired_gap` compares two classifiers on the same
examples, and :func:`verdict` says whether a difference is beyond its noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from helpers.plots import plot_confusion_matrix, plot_image_grid


def _check_probs(probs: np.ndarray) -> None:
    if probs.ndim != 2 or probs.dtype.kind not in "biuf":
        raise ValueError(f"probs must be numbers, shape (n, n_classes), got {probs.shape}")
    if len(probs) == 0:
        raise ValueError("probs is empty: interpret at least one prediction")
    broken = np.flatnonzero(~np.isfinite(probs).all(axis=1))
    if len(broken):
        raise ValueError(
            f"probs has NaN or infinite values in {len(broken)} rows (the first is row "
            f"{broken[0]}): the model's outputs are not probabilities; did training diverge?"
        )
    if not np.allclose(probs.sum(axis=1), 1, atol=1e-3):
        raise ValueError("probs rows must sum to 1: apply a softmax to logits first")


def _class_indices(targets: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """``targets`` as a vector of class indices, one per row of ``probs``."""
    n, n_classes = probs.shape
    if targets.ndim == 2 and targets.shape == probs.shape and n_classes > 1:
        raise ValueError(
            f"targets look one-hot, shape {targets.shape}: pass class indices, "
            "targets.argmax(axis=1)"
        )
    if targets.size != n:
        raise ValueError(
            f"probs must be (n, n_classes) and targets (n,), got {probs.shape} and {targets.shape}"
        )
    targets = targets.ravel()
    if targets.dtype.kind in "biuf":
        bad = targets[~((targets >= 0) & (targets < n_classes) & (targets % 1 == 0))]
    else:
        bad = targets
    if len(bad):
        raise ValueError(
            f"targets must be class indices, whole numbers in [0, {n_classes}), but hold "
            f"{bad[:1].tolist()[0]!r} (map class names to their indices first)"
        )
    return targets.astype(int)


def paired_gap(right_a, right_b) -> tuple[float, float]:
    """Accuracy of model a minus that of model b on the same examples, and its standard error.

    ``right_a`` and ``right_b`` say which examples each model gets right (booleans or 0/1, one
    per example, in the same order). The difference is taken example by example, so the
    examples that both get right or both get wrong add nothing to the error: the standard
    error is that of the mean of the per-example differences, decided by the examples one
    model gets right and the other wrong. Far smaller than the two accuracies' own errors
    when the models agree on most examples.

    Raises:
        ValueError: the two are not vectors of the same length, at least 2.
    """
    a, b = np.asarray(right_a, dtype=float), np.asarray(right_b, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or len(a) < 2:
        raise ValueError(
            f"right_a and right_b must be vectors of the same length (at least 2), one entry "
            f"per example, got shapes {a.shape} and {b.shape}"
        )
    d = a - b
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


def verdict(gap: float, se: float, k: float = 2.0) -> str:
    """``"beyond"`` when ``gap`` is more than ``k`` standard errors ``se`` from zero, else
    ``"within"``: the word a lecture prints after a difference, e.g. "beyond two standard errors".

    Raises:
        ValueError: ``se`` or ``k`` is negative or not a finite number.
    """
    if not (np.isfinite(se) and se >= 0 and np.isfinite(k) and k >= 0):
        raise ValueError(f"se and k must be finite and not negative, got se={se} and k={k}")
    return "beyond" if abs(gap) > k * se else "within"


@dataclass
class Interpretation:
    """Predictions of a single-label classifier next to the truth.

    Attributes:
        probs: (n, n_classes) predicted probabilities (rows sum to 1).
        targets: (n,) true class indices.
        images: (n, ...) the inputs, for :meth:`plot_top_losses` (optional).
        class_names: a name per class (default: the class index).

    Raises:
        ValueError: ``probs`` is empty, not (n, n_classes), has NaN or infinite values, or
            rows that do not sum to 1; ``targets`` are not one class index per row (e.g.
            one-hot, strings, fractions or out of range); fewer ``class_names`` than classes.
    """

    probs: np.ndarray
    targets: np.ndarray
    images: np.ndarray | None = None
    class_names: Sequence[str] | None = None

    def __post_init__(self) -> None:
        self.probs = np.asarray(self.probs)
        _check_probs(self.probs)
        self.targets = _class_indices(np.asarray(self.targets), self.probs)
        n_classes = self.probs.shape[1]
        if self.class_names is None:
            self.class_names = [str(k) for k in range(n_classes)]
        if len(self.class_names) < n_classes:
            raise ValueError(
                f"class_names has {len(self.class_names)} names for {n_classes} classes: "
                "give one name per column of probs"
            )

    @property
    def preds(self) -> np.ndarray:
        """Predicted class per sample."""
        return self.probs.argmax(axis=1)

    @property
    def losses(self) -> np.ndarray:
        """Cross-entropy per sample: minus the log of the probability of the true class."""
        p = self.probs[np.arange(len(self.targets)), self.targets]
        return -np.log(np.clip(p, 1e-12, 1.0))

    def confusion_matrix(self) -> np.ndarray:
        """Counts: rows are the true classes, columns the predicted ones."""
        from sklearn.metrics import confusion_matrix

        return confusion_matrix(self.targets, self.preds, labels=range(self.probs.shape[1]))

    def plot_confusion_matrix(self, ax=None):
        """The confusion matrix as a labelled heat map."""
        return plot_confusion_matrix(self.confusion_matrix(), self.class_names, ax=ax)

    def most_confused(self, min_count: int = 1) -> list[tuple[str, str, int]]:
        """(true class, predicted class, count) of the off-diagonal cells with at least
        ``min_count`` mistakes, most frequent first."""
        cm = self.confusion_matrix()
        np.fill_diagonal(cm, 0)
        rows, cols = np.nonzero(cm >= max(min_count, 1))
        pairs = [
            (self.class_names[r], self.class_names[c], int(cm[r, c]))
            for r, c in zip(rows, cols, strict=True)
        ]
        return sorted(pairs, key=lambda pair: -pair[2])

    def most_correct(self, k: int = 9) -> np.ndarray:
        """Indices of the ``k`` right predictions made with the highest probability."""
        right = np.flatnonzero(self.preds == self.targets)
        return right[np.argsort(-self.probs[right].max(axis=1), kind="stable")][:k]

    def most_uncertain(self, k: int = 9) -> np.ndarray:
        """Indices of the ``k`` predictions with the smallest margin between the two most
        probable classes (right or wrong): where the model hesitates."""
        top_two = np.sort(self.probs, axis=1)[:, -2:]
        return np.argsort(top_two[:, 1] - top_two[:, 0], kind="stable")[:k]

    def top_losses(self, k: int = 9) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` largest losses and their sample indices, largest first."""
        order = np.argsort(-self.losses)[:k]
        return self.losses[order], order

    def plot_samples(self, indices: Sequence[int], title: str, *, ncols: int = 3):
        """The images at ``indices``, titled predicted / true class and the probability of
        the prediction (e.g. ``interp.plot_samples(interp.most_uncertain(), "Most
        uncertain")``)."""
        if self.images is None:
            raise ValueError("pass images=... to Interpretation to plot samples")
        names, indices = self.class_names, np.asarray(indices)
        titles = [
            f"{names[self.preds[i]]} / {names[self.targets[i]]}\n{self.probs[i].max():.2f}"
            for i in indices
        ]
        return plot_image_grid(
            self.images[indices], titles, ncols=ncols, title=f"{title}: predicted / actual"
        )

    def plot_top_losses(self, k: int = 9, *, ncols: int = 3):
        """The images with the largest losses, titled predicted / true / loss / probability
        of the true class."""
        if self.images is None:
            raise ValueError("pass images=... to Interpretation to plot the top losses")
        losses, order = self.top_losses(k)
        names = self.class_names
        titles = [
            f"{names[self.preds[i]]} / {names[self.targets[i]]}\n"
            f"{loss:.2f} / {self.probs[i, self.targets[i]]:.2f}"
            for i, loss in zip(order, losses)
        ]
        return plot_image_grid(
            self.images[order],
            titles,
            ncols=ncols,
            title="Top losses: predicted / actual, loss / probability of actual",
        )
