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
