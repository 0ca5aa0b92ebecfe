"""helpers.profiles: the run profile, from the environment or the hardware."""

from __future__ import annotations

import pytest

import helpers
from helpers import profiles


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


def test_smoke_run_is_the_full_profile_with_its_own_sizes(monkeypatch):
    monkeypatch.delenv("HELPERS_PROFILE", raising=False)
    monkeypatch.setenv("HELPERS_SMOKE", "1")
    profile = profiles.get_profile()
    assert (profile.name, profile.smoke) == ("full", True)
    assert "smoke run" in str(profile)
    assert profile.pick(quick=2, full=10, smoke=1) == 1
    assert profile.pick(quick=2, full=10) == 10  # no smoke size given: the full one
    monkeypatch.setenv("HELPERS_SMOKE", "0")
    monkeypatch.setenv("HELPERS_PROFILE", "full")
    assert profiles.get_profile().pick(quick=2, full=10, smoke=1) == 10
    monkeypatch.setenv("HELPERS_PROFILE", "quick")
    assert profiles.get_profile().pick(quick=2, full=10, smoke=1) == 2


def test_smoke_run_of_the_quick_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HELPERS_PROFILE", "quick")
    monkeypatch.setenv("HELPERS_SMOKE", "1")
    with pytest.raises(ValueError, match="a smoke run exercises the full profile"):
        profiles.get_profile()
    monkeypatch.setenv("HELPERS_SMOKE", "maybe")
    with pytest.raises(ValueError, match=r"HELPERS_SMOKE='maybe': use 1 or 0"):
        profiles.get_profile()
