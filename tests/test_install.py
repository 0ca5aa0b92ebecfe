"""helpers can be installed where students run it: Python 3.11-3.13, and on Colab as it is.

Each test asks the package registry to resolve helpers' requirements (``pip install --dry-run``
with wheels only, for a given Python version); nothing is installed. Without a reachable
registry the tests are skipped, saying so.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COLAB = Path(__file__).with_name("colab_packages.txt")

pytestmark = pytest.mark.registry


@functools.cache
def registry_unreachable() -> str:
    """Why the registry cannot be asked ('' when it can)."""
    probe = [
        sys.executable,
        "-m",
        "pip",
        "index",
        "versions",
        "--disable-pip-version-check",
        "--timeout",
        "15",
        "--retries",
        "0",
        "pip",
    ]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "the package registry did not answer within 60 s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"the package registry is not reachable ({last})"
    return ""


def resolve(tmp_path: Path, python: str, target: str, *extra: str):
    """Ask pip to resolve ``target`` for ``python`` (nothing is installed); return the result.

    The project itself is resolved (not a copy of its requirements), so that its
    ``requires-python`` counts too: that is what refused every Colab install before.
    """
    if reason := registry_unreachable():
        pytest.skip(reason)
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--quiet",
        "--disable-pip-version-check",
        "--ignore-installed",
        "--only-binary=:all:",
        "--python-version",
        python,
        "--target",
        str(tmp_path / "target"),
        target,
        *extra,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def conflict(result) -> str:
    lines = [line for line in result.stderr.splitlines() if "ERROR" in line or "conflict" in line]
    return "\n".join(lines[-6:]) or result.stderr[-2000:]


@pytest.mark.parametrize("python", ["3.11", "3.12", "3.13"])
def test_requirements_resolve_for_each_supported_python(tmp_path, python):
    """What `make PYTHON=pythonX.Y` installs (helpers and the book's tools) exists for X.Y."""
    result = resolve(tmp_path, python, f"{ROOT}[book]")
    assert result.returncode == 0, f"cannot install the book on Python {python}:\n" + conflict(
        result
    )


def test_colab_keeps_what_it_has(tmp_path):
    """helpers' requirements resolve with Colab's installed versions fixed: the install cell
    adds only what is missing and upgrades or downgrades none of Colab's packages."""
    result = resolve(tmp_path, "3.12", str(ROOT), "-c", str(COLAB))
    assert result.returncode == 0, (
        "on Colab, installing helpers would replace packages it already has; widen the bound "
        "in pyproject.toml (and environment.yml) that excludes Colab's version:\n"
        + conflict(result)
    )
