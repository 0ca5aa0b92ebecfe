"""pyproject.toml (pip) and environment.yml (conda) describe the same environment."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13")


def _pyproject() -> dict[str, SpecifierSet]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    reqs = [Requirement(line) for line in lines]
    return {r.name.lower(): r.specifier for r in reqs}


def _environment() -> dict[str, SpecifierSet]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    entries: list[str] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            entries += [d for d in dep["pip"] if not d.startswith("-")]
        else:
            entries.append(dep)
    found: dict[str, SpecifierSet] = {}
    for entry in entries:
        if entry == "pip" or re.match(r"python[=<>]", entry):
            continue  # the interpreter and pip itself; checked in test_python_versions_match
        name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", entry.strip()).groups()
        found[name.lower()] = SpecifierSet(spec.replace(" ", ""))
    return found


def test_python_versions_match():
    """Both files admit the Pythons the book supports: 3.11 here, 3.12 and 3.13 on Colab."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    conda_spec = SpecifierSet(conda.removeprefix("python").replace(" ", ""))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    for version in SUPPORTED_PYTHONS:
        assert SpecifierSet(requires).contains(f"{version}.0"), (
            f"pyproject.toml's requires-python {requires!r} refuses Python {version}"
        )
        assert conda_spec.contains(f"{version}.0"), (
            f"environment.yml's {conda!r} refuses Python {version}"
        )


def test_same_packages_and_versions():
    pip, conda = _pyproject(), _environment()
    only_pip = sorted(set(pip) - set(conda))
    only_conda = sorted(set(conda) - set(pip))
    assert not only_pip and not only_conda, (
        f"environment.yml and pyproject.toml list different packages: only in pyproject.toml "
        f"{only_pip}, only in environment.yml {only_conda}; add them to the other file"
    )
    differ = {n: (str(pip[n]), str(conda[n])) for n in pip if pip[n] != conda[n]}
    assert not differ, f"versions differ (pyproject.toml, environment.yml): {differ}"


def test_installs_the_helpers_package_editable():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section
