"""The book's structure: table of contents, configuration, notebook conventions."""

from __future__ import annotations

import math
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


def lectures() -> list[str]:
    """The numbered lectures of the toc (``book/NN_topic``), without other pages."""
    return [f for f in toc_files() if re.match(r"book/\d\d_", f)]


def test_every_notebook_is_in_the_toc_and_back():
    listed = set(toc_files())
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for p in NOTEBOOKS}
    assert on_disk - listed == set(), f"add these to _toc.yml: {sorted(on_disk - listed)}"
    missing = {
        f
        for f in listed
        if not any((ROOT / f).with_suffix(suffix).exists() for suffix in (".ipynb", ".md"))
    }
    assert not missing, f"_toc.yml lists pages that do not exist: {sorted(missing)}"


def test_lectures_are_numbered_in_order():
    numbers = [int(re.match(r"book/(\d\d)_", f).group(1)) for f in lectures()]
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
    install, setup = code[0], code[1]
    assert "remove-cell" in install.metadata.get("tags", []), (
        "the first code cell is the Colab install cell, hidden on the page (tag remove-cell)"
    )
    assert "helpers.setup(" not in install.source and "helpers.setup(" in setup.source, (
        "the second code cell, visible, imports helpers and calls helpers.setup()"
    )
    install_line = re.search(r'REPO, BRANCH = "(\S+)", "(\S+)"', install.source)
    repository = CONFIG["repository"]
    assert install_line and install_line.groups() == (repository["url"], repository["branch"]), (
        "the Colab install line must install helpers from _config.yml's repository url and "
        "branch (the notebook and its helpers come from the same place)"
    )
    assert 'f"helpers @ git+{REPO}@{BRANCH}"' in install.source
    checks = [c for c in code[1:] if "remove-cell" in c.metadata.get("tags", [])]
    assert checks and all("assert" in c.source for c in checks), (
        "key results need hidden check cells (tag remove-cell) that assert"
    )
    assert "## Exercises" in "".join(c.source for c in nb.cells if c.cell_type == "markdown")


BENCH = ROOT / "benchmarks" / "notebooks_quick.md"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_header_run_time_is_the_measured_one(path: Path):
    """The header's coarse run time ("under N minutes") comes from `make bench`, not from a
    hand: the measured seconds doubled (2-core machines differ about that much: lecture 13 took
    44 s on one and 102 s on another), rounded up to whole minutes."""
    measured = dict(re.findall(r"^\| (\d\d_\w+) \| ([\d.]+) \|", BENCH.read_text(), re.M))
    assert path.stem in measured, f"{BENCH.name} has no row for {path.stem}: run `make bench`"
    minutes = math.ceil(2 * float(measured[path.stem]) / 60)
    header = nbformat.read(path, as_version=4).cells[0].source
    claim = re.search(r"\*\*Run time:\*\* under (\d+) minutes?", header)
    assert claim and int(claim.group(1)) == minutes, (
        f"the header should say 'under {minutes} minute(s)': {BENCH.name} measured "
        f"{measured[path.stem]} s"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lectures_refer_to_each_other_by_link(path: Path):
    """'see lecture 2' is a dead end on the site and in Colab; a link is not."""
    prose = "".join(c.source for c in nbformat.read(path, as_version=4).cells
                    if c.cell_type == "markdown")  # fmt: skip
    bare = re.findall(r"\b(?:see|in|from) lectures? \d+\b(?!\]\()", prose, re.IGNORECASE)
    assert not bare, f"write these as links to the lecture's notebook: {bare}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_at_least_two_exercises_have_worked_solutions(path: Path):
    """After a "## Solutions" heading: a label per solution, then a code cell that the site
    folds away (tag hide-cell) and the build and nbval execute."""
    cells = nbformat.read(path, as_version=4).cells
    start = [
        i
        for i, c in enumerate(cells)
        if c.cell_type == "markdown" and re.search(r"^## Solutions$", c.source, re.M)
    ]
    assert start, f"{path.name}: add a '## Solutions' section after the exercises"
    after = cells[start[0] :]
    hidden = [
        c for c in after if c.cell_type == "code" and "hide-cell" in c.metadata.get("tags", [])
    ]
    assert len(hidden) >= 2, f"{path.name}: give at least two exercises a hide-cell solution"
    labels = re.findall(r"\*\*Exercise (\d+)\*\*", "".join(c.source for c in after))
    assert len(labels) == len(hidden), f"{path.name}: label every solution (**Exercise N**)"
    first = next(i for i, c in enumerate(cells) if "## Exercises" in c.source)
    listed = "\n".join(c.source for c in cells[first : start[0]] if c.cell_type == "markdown")
    for number in labels:
        assert re.search(rf"^{number}\. ", listed, re.M), (
            f"{path.name}: the solution to exercise {number} has no exercise {number} above"
        )


def hidden_prose(source: str, longest: int = 5) -> str | None:
    """What in a hidden cell's source belongs on the page: a markdown heading written as a
    comment, or a run of more than `longest` comment lines (prose, not a note on a check)."""
    run = []
    for line in source.splitlines():
        if re.match(r"\s*#\s*#{1,6}\s", line):
            return line.strip()
        run = [*run, line] if line.lstrip().startswith("#") else []
        if len(run) > longest:
            return run[0].strip() + " ..."
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_hidden_cells_hold_no_prose(path: Path):
    """A hidden check cell (tag remove-cell) never reaches the page, so a heading or a
    paragraph that lost its `# %% [markdown]` marker and fell into one is lost text."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code[1:], start=2):  # the first is the install cell
        if "remove-cell" in cell.metadata.get("tags", []):
            found = hidden_prose(cell.source)
            assert found is None, (
                f"hidden code cell {number} holds text meant for the page: {found!r}; "
                "give it its own `# %% [markdown]` cell"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_cells_fit_on_a_screen(path: Path):
    """A code cell of at most 40 lines: longer ones hide what they do (split them where the
    prose can say what the next part does)."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code, start=1):
        lines = len(cell.source.splitlines())
        assert lines <= 40, f"code cell {number} has {lines} lines (at most 40): split it"
