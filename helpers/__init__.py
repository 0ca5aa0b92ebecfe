"""Helpers for the executable machine-learning lecture book.

Every notebook starts with::

    import helpers
    profile = helpers.setup()

which fixes the random seeds, applies the plot style and prints one line saying which device
and run profile the notebook uses. ``import helpers`` itself is light: it does not import
TensorFlow, Keras or matplotlib; :func:`setup` imports Keras only when asked to.
"""

from __future__ import annotations

import os
import random
from types import ModuleType

from helpers.devices import device_report, gpu_available, import_keras, keras_report
from helpers.profiles import RunProfile, get_profile

__version__ = "0.1.0"
__all__ = ["RunProfile", "get_profile", "gpu_available", "import_keras", "setup"]

DEFAULT_SEED = 42


def setup(
    seed: int = DEFAULT_SEED, *, keras: bool = False, profile: str | None = None
) -> RunProfile:
    """Prepare a notebook: seeds, plot style, quiet logs, and a one-line report.

    Args:
        seed: seed for Python's ``random``, NumPy's global generator and (with ``keras=True``)
            Keras, so that re-running a notebook gives the same numbers on the same machine.
        keras: also import Keras quietly (no TensorFlow start-up noise) and seed it.
        profile: force a run profile instead of reading ``$HELPERS_PROFILE``.

    Returns:
        The run profile; ask it for sizes with ``profile.pick(quick=..., full=...)``
        (``smoke=...`` for a smoke run of the full profile, ``$HELPERS_SMOKE``; skip the
        checks that need real training with ``if not profile.smoke``).

    Raises:
        ValueError: an unknown profile, a smoke run of the quick profile, or
            ``$HELPERS_OFFLINE`` or ``$HELPERS_SMOKE`` set to neither on nor off (found here
            rather than at the first download).
    """
    import numpy as np  # here, not at the top: keeps ``import helpers`` light

    from helpers.fetch import offline_mode
    from helpers.plots import set_style

    run_profile = get_profile(profile)
    offline_mode()  # raises for a typo in $HELPERS_OFFLINE
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    set_style()
    parts = [f"helpers {__version__}", f"profile {run_profile}", device_report()]
    if keras:
        keras_module: ModuleType = import_keras()
        keras_module.utils.set_random_seed(seed)
        parts.append(keras_report(keras_module))
    parts.append(f"seed {seed}")
    print(" | ".join(parts))
    return run_profile
