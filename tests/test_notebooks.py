"""Every lecture executed from top to bottom, once, as the book build executes it.

Each notebook runs in a fresh kernel, in its own folder, with the build's cell timeout
(``_config.yml``); a cell that fails, a hidden check among them, fails the test, and the
message shows that cell and its traceback. ``pytest --durations=0`` shows how long each took,
and the summary at the end names each notebook's slowest cells (tests/conftest.py).

The executed notebook then goes into the book build's execution cache
(``_build/.jupyter_cache``), exactly as jupyter-book's own execution would put it there, so
that ``make book`` after ``make test`` renders these outputs instead of executing every
notebook a second time: CI builds the site from the executions its tests made (``.ci/run``).

Environment variables:
    BOOK_CACHE: 0 executes without writing the cache (the other paths a student takes:
        Colab's versions, the JAX backend, the full profile's smoke run).
    KERAS_BACKEND, HELPERS_PROFILE, HELPERS_SMOKE: passed on to the kernels, like any other.
    HELPERS_EXERCISES_STRICT: 1 unless set, so that an exercise check that says "Not yet"
        in an executed solution fails the notebook.
    OMP_NUM_THREADS and the like: set to each kernel's share of the cores under pytest-xdist
        (``_share_the_cores``), unless already set.
"""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from notebook_client import SlicedClient  # tools/, on pytest's pythonpath

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "_build" / ".jupyter_cache"
TIMEOUT = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]["timeout"]
# Longest first (benchmarks/notebooks_quick.md), so that two workers finish together.
LONGEST_FIRST = ["12", "10", "09", "08", "07", "11", "13", "15", "14", "03", "06", "04", "02"]


def _order(path: Path) -> tuple[int, str]:
    number = path.name[:2]
    return (LONGEST_FIRST.index(number) if number in LONGEST_FIRST else 99, path.name)


NOTEBOOKS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"), key=_order)

pytestmark = pytest.mark.notebook


def _share_the_cores() -> None:
    """Give each kernel its share of the cores when pytest-xdist runs several at once.

    Left alone, every kernel starts a thread per core (OpenMP in LightGBM and scikit-learn,
    OpenBLAS, TensorFlow, XLA), and kernels that spin-wait on each other's cores can run
    several times slower: on 2 cores, lecture 11 took 447 s beside a JAX lecture, and 29 s with
    these variables set for the whole pytest run (in a later run with them set here it took
    220 s beside lecture 10, so the gain is not settled). Values already in the environment
    are kept.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2:
        return
    threads = str(max(1, len(os.sched_getaffinity(0)) // workers))
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, threads)
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", threads)
    os.environ.setdefault(
        "XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}"
    )


_share_the_cores()
# A worked solution that calls ``ex.qN.check(...)`` must be judged correct (helpers.exercises).
os.environ.setdefault("HELPERS_EXERCISES_STRICT", "1")


@pytest.fixture(autouse=True)
def private_cache():
    """Not conftest's empty offline cache: a lecture runs with the reader's data cache and
    network setting (the bodies and word vectors `make data` put there), as the build does."""


def _caching() -> bool:
    return os.environ.get("BOOK_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def _cache(path: Path, executed: nbformat.NotebookNode, seconds: float) -> None:
    """Store ``executed`` where jupyter-book's cached execution looks for it (myst-nb's
    ``NotebookClientCache`` does the same after executing a notebook itself)."""
    import filelock
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(CACHE.parent / ".jupyter_cache.lock"):  # one writer of its database
        cache = get_cache(CACHE)
        record = cache.add_nb_to_project(str(path))
        cache.cache_notebook_bundle(
            CacheBundleIn(executed, record.uri, data={"execution_seconds": seconds}),
            check_validity=False,
            overwrite=True,
        )


def _slowest_cells(
    notebook: nbformat.NotebookNode, started: datetime, ended: datetime, n: int = 3
) -> str:
    """The ``n`` slowest cells as "cell 37 (590 s)", from nbclient's timing records (which are
    then removed: jupyter-cache hashes cell metadata, and the cached notebook must match the
    file); and, where the notebook took more than half a minute longer than its cells, how
    much and where most of it went: before the first cell (the kernel's start), between two
    cells, or after the last (its stop). Lecture 03 once took 620 s and once 659 s in CI
    runs, with no cell over 41 s."""
    cells, gaps, previous_end = [], [], started
    for number, cell in enumerate(notebook.cells):
        timing = cell.get("metadata", {}).pop("execution", None) or {}
        stamps = {
            key: datetime.fromisoformat(at.replace("Z", "+00:00")) for key, at in timing.items()
        }
        start = stamps.get("iopub.status.busy", stamps.get("iopub.execute_input"))
        end = stamps.get("iopub.status.idle", stamps.get("shell.execute_reply"))
        if start is None or end is None:
            continue
        cells.append(((end - start).total_seconds(), number))
        gaps.append(((start - previous_end).total_seconds(), f"before cell {number}"))
        previous_end = end
    gaps.append(((ended - previous_end).total_seconds(), "after the last cell"))
    text = ", ".join(f"cell {i} ({s:.0f} s)" for s, i in sorted(cells, reverse=True)[:n])
    outside = (ended - started).total_seconds() - sum(s for s, _ in cells)
    if outside > 30:
        gap, where = max(gaps)
        text += f"; {outside:.0f} s outside cells (most: {gap:.0f} s {where})"
    return text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, record_property):
    notebook = nbformat.read(path, as_version=4)
    # As the book build runs it (jupyter-cache's ``single_nb_execution``, with _ext/sliced_reads.py
    # in place): the client reads the kernel's channels in short slices (nbclient#312).
    overrides = notebook.metadata.get("execution", {})
    client = SlicedClient(
        notebook,
        timeout=overrides.get("timeout", TIMEOUT),
        allow_errors=overrides.get("allow_errors", False),
        record_timing=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = datetime.now(UTC)
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError):
        error = traceback.format_exc()
    else:
        error = None
    ended = datetime.now(UTC)
    summary = _slowest_cells(notebook, started, ended) + client.late_summary()
    record_property("slowest_cells", summary)
    if error is not None:
        pytest.fail(f"{path.name} failed:\n{error}", pytrace=False)
    if _caching():
        _cache(path, notebook, (ended - started).total_seconds())
