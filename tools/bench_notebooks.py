"""Time every lecture notebook end to end, and the book build: what `make bench` runs.

Each notebook is executed in a fresh kernel (as nbval and the book build do) and its
wall-clock time is written, with the machine and run profile, to benchmarks/notebooks.md so
that regressions show up in review. Budgets (DESIGN.md): 120 s a notebook in the quick profile
on a 2-core CPU, 20 minutes for the whole book.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 120


def time_notebook(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def time_book_builds() -> tuple[float, float]:
    """Seconds for a cold build (empty output folder) and a rebuild with nothing changed."""
    command = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(ROOT),
        "-W",
        "-n",
        "--keep-going",
        "--path-output",
    ]
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(2):
            start = time.perf_counter()
            subprocess.run([*command, out], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return times[0], times[1]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    import helpers

    profile = helpers.get_profile()
    paths = [Path(p) for p in argv] or sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    rows = []
    for path in paths:
        seconds = time_notebook(path)
        verdict = "ok" if seconds <= BUDGET_S or profile.full else "OVER BUDGET"
        rows.append(f"| {path.stem} | {seconds:.1f} | {verdict} |")
        print(rows[-1], flush=True)
    builds = ""
    if not argv:
        cold, cached = time_book_builds()
        builds = f"Book build: {cold:.1f} s cold (executes every notebook), {cached:.1f} s cached."
        print(builds)
    out = ROOT / "benchmarks" / f"notebooks_{profile.name}.md"
    if argv and out.exists():  # a partial run updates its rows and keeps the others
        measured = {row.split("|")[1].strip(): row for row in rows}
        old = out.read_text().splitlines()
        kept = [line for line in old if line.startswith("| 0") or line.startswith("| 1")]
        merged = {line.split("|")[1].strip(): line for line in kept} | measured
        rows = [merged[name] for name in sorted(merged)]
        builds = next((line for line in old if line.startswith("Book build")), "")
    cores = len(os.sched_getaffinity(0))
    table = "\n".join(
        [
            f"Measured {date.today()} by `make bench` on {platform.machine()}, {cores} cores, "
            f"{helpers.devices.device_report()}, profile {profile.name}, Python "
            f"{platform.python_version()}.",
            "",
            "| notebook | seconds | budget (120 s) |",
            "| --- | ---: | --- |",
            *rows,
            "",
            builds,
            "",
        ]
    )
    out.parent.mkdir(exist_ok=True)
    out.write_text(table)
    print(f"written {out.relative_to(ROOT)}")
    return 0 if all("OVER" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
