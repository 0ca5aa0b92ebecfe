"""Unit tests of the helpers package: run profile, setup, devices, quiet Keras import."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import helpers
from helpers import devices, profiles


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter (imports and C++ logging start from scratch)."""
    import os

    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        check=False,
    )


def test_import_is_light():
    out = run_python(
        "import sys, json, helpers; "
        "print(json.dumps(sorted(m for m in ('tensorflow', 'keras', 'matplotlib', "
        "'jax', 'torch') if m in sys.modules)))"
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [], "import helpers must not import heavy frameworks"


@pytest.mark.parametrize("name", ["quick", "full", " Full "])
def test_profile_from_environment(monkeypatch, name):
    monkeypatch.setenv("HELPERS_PROFILE", name)
    profile = profiles.get_profile()
    assert profile.name == name.strip().lower()
    assert "HELPERS_PROFILE" in profile.reason


@pytest.mark.parametrize("gpu, expected", [(True, "full"), (False, "quick")])
def test_profile_default_follows_gpu(monkeypatch, gpu, expected):
    monkeypatch.delenv("HELPERS_PROFILE", raising=False)
    monkeypatch.setattr(profiles, "gpu_available", lambda: gpu)
    assert profiles.get_profile().name == expected


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HELPERS_PROFILE", "fast")
    with pytest.raises(ValueError, match=r"unknown run profile 'fast': use one of quick, full"):
        profiles.get_profile()


def test_pick_returns_the_profiles_value():
    assert helpers.RunProfile("quick", "test").pick(quick=2, full=10) == 2
    assert helpers.RunProfile("full", "test").pick(quick=2, full=10) == 10


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


def test_cuda_visible_devices_hides_gpus(monkeypatch):
    devices.gpu_available.cache_clear()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    try:
        assert devices.gpu_available() is False
    finally:
        devices.gpu_available.cache_clear()


def test_device_report_names_cores():
    assert f"CPU ({devices.cpu_count()} cores)" in devices.device_report()


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
