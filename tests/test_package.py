"""The helpers package reads bottom-up: every import points to a lower layer.

Low-level modules import nothing of the package; datasets and training stand on them; the
learner and the constructed sets on those; the pretrained backbones on top. Imports inside
functions (the lazy ones that keep ``import helpers`` light) count too. Strict layering rules
out import circles, and no module imports another's private names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "helpers"
LAYERS = {
    "devices": 0,
    "fetch": 0,
    "plots": 0,
    "profiles": 1,
    "datasets": 1,
    "training": 1,
    "schedules": 1,
    "interpret": 1,
    "layers": 1,
    "learner": 2,
    "constructed": 2,
    "backbones": 3,
}
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def imports_of(module: str) -> list[tuple[str, list[str]]]:
    """(helpers module imported, names taken from it) for every import in ``module``."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "helpers":
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers."):
            found.append((node.module.split(".")[1], [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [
                (a.name.split(".")[1], []) for a in node.names if a.name.startswith("helpers.")
            ]
    return found


def test_every_module_has_a_layer():
    assert sorted(LAYERS) == MODULES, "place the new module in LAYERS (tests/test_package.py)"


@pytest.mark.parametrize("module", [*MODULES, "__init__"])
def test_every_module_has_its_test_file(module):
    name = "init" if module == "__init__" else module
    assert (PACKAGE.parent / "tests" / f"test_{name}.py").is_file(), (
        f"tests of helpers/{module}.py go in tests/test_{name}.py (one file per module)"
    )


@pytest.mark.parametrize("module", MODULES)
def test_imports_point_down_and_take_no_private_names(module):
    for target, names in imports_of(module):
        assert LAYERS[target] < LAYERS[module], (
            f"helpers.{module} (layer {LAYERS[module]}) imports helpers.{target} "
            f"(layer {LAYERS[target]}): an arrow that does not point down"
        )
        private = [name for name in names if name.startswith("_")]
        assert not private, f"helpers.{module} imports private {private} from helpers.{target}"


def test_every_subpackage_is_installed():
    """pyproject lists the packages by name: a new subpackage left out of the list would be
    missing from the wheel that Colab installs (``helpers @ git+...``)."""
    import tomllib

    listed = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        ".".join(p.parent.relative_to(PACKAGE.parent).parts) for p in PACKAGE.rglob("__init__.py")
    }
    assert found == set(listed["packages"]), (found, listed["packages"])
