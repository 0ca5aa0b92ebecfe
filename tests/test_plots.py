"""helpers.plots: every figure is labelled, and bad input is a clear error."""

from __future__ import annotations

import matplotlib
import pytest
from tiny import tiny_fit

from helpers import plots

matplotlib.use("Agg")


def test_learning_curves_from_history_and_dict():
    import matplotlib

    matplotlib.use("Agg")
    history = tiny_fit(epochs=2)
    axes = plots.plot_learning_curves(history)
    assert sorted(ax.get_ylabel() for ax in axes) == ["accuracy", "loss"]
    assert len(axes[0].lines) == 2  # training and validation
    axes = plots.plot_learning_curves({"loss": [1.0, 0.5]}, ["loss"])
    assert len(axes[0].lines) == 1
    with pytest.raises(KeyError, match="no 'auc' in the history; it has loss"):
        plots.plot_learning_curves({"loss": [1.0]}, ["auc"])
    with pytest.raises(TypeError, match="expected a keras History"):
        plots.plot_learning_curves([1, 2, 3])
