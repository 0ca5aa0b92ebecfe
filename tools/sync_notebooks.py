"""Re-pair every notebook in book/ and strip outputs: what `make sync` runs.

For each pair, the side edited last wins (jupytext's --sync rule); then the .ipynb is cleared
of outputs and execution counts, because the repository keeps notebooks without outputs.
Pass file names to sync only those; with none, every notebook in book/ is synced.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from jupytext.cli import jupytext as jupytext_cli

BOOK = Path(__file__).resolve().parent.parent / "book"


KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def strip_outputs(path: Path) -> bool:
    """Clear outputs and execution counts in place, and name the kernel; return if it changed."""
    nb = nbformat.read(path, as_version=4)
    changed = nb.metadata.get("kernelspec") != KERNELSPEC
    nb.metadata["kernelspec"] = KERNELSPEC
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count = [], None
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted(BOOK.glob("*.py")) + sorted(BOOK.glob("*.ipynb"))
    # A lone .py (a new lecture) gets its .ipynb; existing pairs are synced newest-first.
    stems = sorted({p.with_suffix("") for p in paths})
    for stem in stems:
        ipynb, py = stem.with_suffix(".ipynb"), stem.with_suffix(".py")
        if not ipynb.exists() and not py.exists():
            print(f"sync: no notebook {stem}.{{ipynb,py}}", file=sys.stderr)
            return 2
        source = ipynb if ipynb.exists() else py
        jupytext_cli(["--quiet", "--sync", "--set-formats", "ipynb,py:percent", str(source)])
        if strip_outputs(ipynb):
            print(f"sync: cleaned {ipynb.name} (outputs removed, kernel named)")
        # Re-sync after stripping so that the pair's timestamps agree again.
        jupytext_cli(["--quiet", "--sync", str(ipynb)])
    print(f"sync: {len(stems)} notebook pair(s) in step")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
