"""helpers/__init__: a light import, setup (seed, profile, one report line), a quiet Keras."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tiny import run_python

import helpers


def test_import_is_light():
    out = run_python(
        "import sys, json, helpers; "
        "print(json.dumps(sorted(m for m in ('tensorflow', 'keras', 'matplotlib', "
        "'jax', 'torch') if m in sys.modules)))"
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [], "import helpers must not import heavy frameworks"


def test_setup_seeds_numpy_and_reports_one_line(capsys):
    profile = helpers.setup(seed=7, profile="quick")
    first = np.random.rand(3)
    helpers.setup(seed=7, profile="quick")
    assert np.array_equal(first, np.random.rand(3))
    helpers.setup(seed=8, profile="quick")
    assert not np.array_equal(first, np.random.rand(3))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all("profile quick" in line and "seed" in line for line in lines)
    assert profile.quick and not profile.full


KERAS_SETUP = """
import helpers
helpers.setup(seed=3, keras=True, profile="quick")
import keras
layer = keras.layers.Dense(4)
layer.build((None, 2))
print(layer.kernel.numpy().round(6).tolist())
"""


def test_keras_import_is_quiet_and_seeded():
    first, second = run_python(KERAS_SETUP), run_python(KERAS_SETUP)
    assert first.returncode == 0, first.stderr
    assert first.stderr == "", f"log noise on stderr:\n{first.stderr}"
    report, weights = first.stdout.strip().splitlines()
    assert "Keras 3." in report and "profile quick" in report
    assert weights == second.stdout.strip().splitlines()[1], "same seed, different weights"


def test_setup_reports_a_typo_in_helpers_offline(monkeypatch):
    monkeypatch.setenv("HELPERS_OFFLINE", "ture")
    with pytest.raises(ValueError, match="HELPERS_OFFLINE='ture' is neither on nor off"):
        helpers.setup(profile="quick")
