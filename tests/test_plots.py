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


def test_image_grid_shares_one_scale_when_asked():
    import matplotlib.pyplot as plt
    import numpy as np

    dim, bright = np.full((4, 4), 50.0), np.full((4, 4, 1), 200.0)
    fig = plots.plot_image_grid([dim, bright], ["dim", "bright"], ncols=3, title="two")
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == ["dim", "bright"] and len(fig.axes) == 3
    assert shown[0].images[0].get_cmap().name == "gray_r"  # the default: ink on white
    assert shown[0].images[0].get_clim() == (50.0, 50.0)  # each image on its own range
    plt.close(fig)
    fig = plots.plot_image_grid([dim, bright], ["", ""], ncols=2, cmap="gray", vmax=255, size=1)
    assert [ax.images[0].get_clim() for ax in fig.axes] == [(0, 255), (0, 255)]
    assert fig.axes[0].images[0].get_cmap().name == "gray"
    assert tuple(fig.get_size_inches()) == pytest.approx((2.0, 1.3))
    plt.close(fig)
