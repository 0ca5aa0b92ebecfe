"""Every notebook in book/ is a Jupytext pair in sync, committed without outputs."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.compare import NotebookDifference, compare_notebooks

BOOK = Path(__file__).resolve().parent.parent / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
SCRIPTS = sorted(BOOK.glob("*.py"))
FIX = "run `make sync` (it re-pairs the notebooks and strips outputs), then commit both files"


def test_book_has_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {BOOK}"


@pytest.mark.parametrize("path", NOTEBOOKS + SCRIPTS, ids=lambda p: p.name)
def test_each_file_has_its_pair(path: Path):
    other = path.with_suffix(".py" if path.suffix == ".ipynb" else ".ipynb")
    assert other.exists(), f"{path.name} has no paired {other.name}: {FIX}"


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=lambda p: p.name)
def test_pair_contents_agree(ipynb: Path):
    py = ipynb.with_suffix(".py")
    if not py.exists():
        pytest.skip("missing pair reported by test_each_file_has_its_pair")
    try:
        compare_notebooks(jupytext.read(py), jupytext.read(ipynb), fmt="py:percent")
    except NotebookDifference as diff:
        pytest.fail(f"{ipynb.name} and {py.name} differ: {FIX}.\n{diff}")


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(ipynb: Path):
    nb = nbformat.read(ipynb, as_version=4)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count is not None)
    ]
    assert not dirty, f"{ipynb.name} has outputs in code cells {dirty}: {FIX}"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{ipynb.name} does not name the python3 kernel: {FIX}"
    )
