"""helpers can be installed where students run it: Python 3.11-3.13, and on Colab as it is.

Two checks per target. pip refuses a package whose ``requires-python`` excludes the running
Python (that is what broke every Colab install cell once): checked directly. Then the
project's requirements are resolved against the package registry for that Python on x86-64
Linux, by uv, which (unlike ``pip --python-version``) evaluates the packages' environment
markers for the target and not for the Python running the test; nothing is installed. Without
a reachable registry the resolution is skipped, saying so.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
REQUIRES_PYTHON = SpecifierSet(
    tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
)
COLAB = Path(__file__).with_name("colab_packages.txt")
COLAB_PYTHON = "3.12"  # Colab's runtime (tests/colab_packages.txt)

pytestmark = pytest.mark.registry


@functools.cache
def registry_unreachable() -> str:
    """Why the registry cannot be asked ('' when it can)."""
    probe = [sys.executable, "-m", "pip", "index", "versions", "--disable-pip-version-check",
             "--timeout", "15", "--retries", "0", "pip"]  # fmt: skip
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "the package registry did not answer within 60 s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"the package registry is not reachable ({last})"
    return ""


def resolve(python: str, requirement: str, *extra: str) -> subprocess.CompletedProcess:
    """Resolve ``requirement`` for ``python`` on x86-64 Linux with uv; return the result."""
    if reason := registry_unreachable():
        pytest.skip(reason)
    from uv import find_uv_bin

    # The resolution goes to stdout (`--output-file -` would write a file named "-").
    command = [find_uv_bin(), "pip", "compile", "-", "--quiet",
               "--python-version", python, "--python-platform", "x86_64-manylinux_2_28",
               "--only-binary", ":all:", *extra]  # fmt: skip
    return subprocess.run(command, input=requirement, capture_output=True, text=True,
                          timeout=600)  # fmt: skip


@pytest.mark.parametrize("python", ["3.11", "3.12", "3.13"])
def test_book_installs_on_each_supported_python(python):
    """What `make PYTHON=pythonX.Y` installs (helpers and the book's tools) exists for X.Y."""
    assert REQUIRES_PYTHON.contains(f"{python}.0"), (
        f"pyproject.toml's requires-python {REQUIRES_PYTHON} refuses Python {python}"
    )
    result = resolve(python, f"helpers[book] @ {ROOT.as_uri()}")
    assert result.returncode == 0, f"cannot install the book on Python {python}:\n{result.stderr}"


def test_colab_keeps_what_it_has():
    """helpers' requirements resolve with Colab's installed versions fixed: the install cell
    adds only what is missing and upgrades or downgrades none of Colab's packages."""
    assert REQUIRES_PYTHON.contains(f"{COLAB_PYTHON}.0"), (
        f"pyproject.toml's requires-python {REQUIRES_PYTHON} refuses Colab's Python"
    )
    result = resolve(COLAB_PYTHON, f"helpers @ {ROOT.as_uri()}", "--constraint", str(COLAB))
    assert result.returncode == 0, (
        "on Colab, installing helpers would replace packages it already has; widen the bound "
        f"in pyproject.toml (and environment.yml) that excludes Colab's version:\n{result.stderr}"
    )
