"""The book's structure: table of contents, configuration, notebook conventions."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def toc_files() -> list[str]:
    return [chapter["file"] for part in TOC["parts"] for chapter in part["chapters"]]


def test_every_notebook_is_in_the_toc_and_back():
    listed = set(toc_files())
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for p in NOTEBOOKS}
    assert on_disk - listed == set(), f"add these to _toc.yml: {sorted(on_disk - listed)}"
    missing = {f for f in listed if not (ROOT / f).with_suffix(".ipynb").exists()}
    assert not missing, f"_toc.yml lists notebooks that do not exist: {sorted(missing)}"


def test_lectures_are_numbered_in_order():
    numbers = [int(re.match(r"book/(\d\d)_", f).group(1)) for f in toc_files()]
    assert numbers == sorted(numbers), "lectures in _toc.yml must follow their numbers"


def test_execution_fails_on_errors():
    execute = CONFIG["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["raise_on_error"] is True and execute["allow_errors"] is False


def test_launch_buttons_and_repository():
    assert CONFIG["launch_buttons"]["colab_url"].startswith("https://colab.research.google.com")
    assert CONFIG["repository"]["url"].startswith("https://github.com/")
    assert CONFIG["repository"]["path_to_book"] == ""  # notebooks are book/NN.ipynb in the repo


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_conventions(path: Path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "first cell: title"
    assert "Run time" in first.source, "the header states the expected run time"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "helpers.setup(" in code[0].source, "the first code cell calls helpers.setup()"
    install = re.search(r'REPO, BRANCH = "(\S+)", "(\S+)"', code[0].source)
    repository = CONFIG["repository"]
    assert install and install.groups() == (repository["url"], repository["branch"]), (
        "the Colab install line must install helpers from _config.yml's repository url and "
        "branch (the notebook and its helpers come from the same place)"
    )
    assert 'f"helpers @ git+{REPO}@{BRANCH}"' in code[0].source
    checks = [c for c in code if "remove-cell" in c.metadata.get("tags", [])]
    assert checks and all("assert" in c.source for c in checks), (
        "key results need hidden check cells (tag remove-cell) that assert"
    )
    assert "## Exercises" in "".join(c.source for c in nb.cells if c.cell_type == "markdown")
