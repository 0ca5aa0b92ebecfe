"""Run the convnet benchmark and the lectures that train networks on the lent GPU machine.

Called by ``bash tools/gpu_run.sh run`` (which installs the carried wheels first); writes
markdown tables with the date, the GPU, the backend and the command:

- ``gpu_<profile>_profile.md``: per lecture its wall time, status, failed hidden checks, slowest
  cells and last lines of output (the headline numbers), then the preflight and the benchmark;
- ``gpu_convnet.md``: ``tools/bench_convnet.py``'s table (switches on and off);
- ``gpu_lectures.log`` (every lecture's output) and ``gpu_run.log`` (this script's).

They go into ``--out``, else ``$OUT`` (the device tool brings back what is there), else
``benchmarks/`` (logs into ``/tmp/gpu-run``).

Lectures run as scripts in priority order (06, 07, 08, 09, 10, 12, 13, then 05, 14, 15), one
process each, ``--jobs`` at a time, each within its own time limit and all within ``--budget``
seconds from the start of ``gpu_run.sh``; those that no longer fit are skipped and listed. A
lecture runs cell by cell (the py:percent cells of ``book/NN_topic.py``) in one namespace, as
Jupyter would: a cell's last expression is printed, figures are closed after each cell, and an
``AssertionError`` in a hidden check cell (tag ``remove-cell``) is recorded and the lecture goes
on (any other error stops it, as in Jupyter). A lecture whose imports cannot be satisfied there
(the preflight says which) is not started.

``--tiny`` is the CPU rehearsal: quick profile, lectures 06 and 13, a few benchmark steps, and
``HELPERS_XLA=1`` (Keras on JAX without jit is op-by-op and very slow on a CPU).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import importlib.metadata
import importlib.util
import io
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
PRIORITY = ["06", "07", "08", "09", "10", "12", "13", "05", "14", "15"]
SCRATCH = Path("/tmp/gpu-run")
TAIL = 15  # last lines of a lecture's output shown in the report
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x08]")
CELL = re.compile(r"^# %%(.*)$")

_log_file: list[Path] = []  # gpu_run.log, written line by line (kept if the run is killed)


def log(*parts: object) -> None:
    line = " ".join(str(p) for p in parts)
    print(line, flush=True)
    for path in _log_file:
        with path.open("a") as f:
            f.write(line + "\n")


def lecture_file(number: str) -> Path:
    found = sorted(BOOK.glob(f"{number}_*.py"))
    if not found:
        raise SystemExit(f"error: no lecture book/{number}_*.py")
    return found[0]


def clean(text: str) -> list[str]:
    """Output lines as a terminal shows them: no colour codes, only what follows a ``\\r``."""
    return [ANSI.sub("", line.split("\r")[-1]).rstrip() for line in text.splitlines()]


# ------------------------------------------------------------------ child: one lecture
def cells(path: Path) -> list[tuple[int, bool, str]]:
    """The code cells of a py:percent file: (first line of the code, is a check cell, code)."""
    found, header, start, body = [], None, 1, []
    for number, line in enumerate(path.read_text().splitlines(keepends=True), start=1):
        match = CELL.match(line)
        if match:
            if header is not None:
                found.append((start, header, "".join(body)))
            header, start, body = match.group(1), number + 1, []
        elif header is not None:
            body.append(line)
    if header is not None:
        found.append((start, header, "".join(body)))
    return [
        (start, "remove-cell" in header, code)
        for start, header, code in found
        if not re.search(r"\[(markdown|md|raw)\]", header) and code.strip()
    ]


def show(value: object) -> None:
    """Print a cell's last value as Jupyter would show it (figures are left out)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    if value is None or any(type(v).__module__.startswith("matplotlib") for v in items):
        return
    if type(value).__module__.startswith("pandas") and hasattr(value, "to_string"):
        print(value.to_string() if len(value) <= 60 else repr(value))
    else:
        print(repr(value))


def exec_lecture(path: Path, progress: Path) -> int:
    """Run a lecture cell by cell; 0: all ran, 2: all ran but checks failed, 1: an error."""
    sys.path.insert(0, str(path.parent))
    namespace = {"__name__": "__main__", "__file__": str(path)}
    code_cells = cells(path)
    state = {"cells": len(code_cells), "done": 0, "running": None, "checks_failed": []}
    state |= {"times": [], "error": None}

    def save() -> None:
        progress.write_text(json.dumps(state))

    for start, is_check, code in code_cells:
        state["running"] = start
        save()
        began = time.perf_counter()
        try:
            tree = ast.parse("\n" * (start - 1) + code, str(path))
            last = None
            if (
                tree.body
                and isinstance(tree.body[-1], ast.Expr)
                and not code.rstrip().endswith(";")
            ):
                last = ast.Expression(tree.body.pop().value)
            exec(compile(tree, str(path), "exec"), namespace)
            if last is not None:
                show(eval(compile(last, str(path), "eval"), namespace))
        except AssertionError as err:
            if not is_check:
                raise
            message = " ".join(str(err).split())[:200] or "assert failed"
            print(f"HIDDEN CHECK FAILED (cell at line {start}): {message}", flush=True)
            state["checks_failed"].append(f"line {start}: {message}")
        except BaseException as err:
            traceback.print_exc()
            line = next(
                (
                    f.lineno
                    for f in reversed(traceback.extract_tb(err.__traceback__))
                    if f.filename == str(path)
                ),
                start,
            )
            first = " ".join(str(err).split())[:200]
            state["error"] = f"{type(err).__name__} at line {line}: {first}"
            state["times"].append([start, round(time.perf_counter() - began, 2)])
            save()
            return 1
        finally:
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
        state["times"].append([start, round(time.perf_counter() - began, 2)])
        state["done"] += 1
        state["running"] = None
        save()
    print(f"== {len(code_cells)} cells ran, {len(state['checks_failed'])} hidden checks failed")
    return 2 if state["checks_failed"] else 0


# ------------------------------------------------------------------ child: preflight
DATA_CHECKS = {  # name used in a lecture -> (helpers module, function, keyword arguments)
    "load_fashion_mnist": ("datasets", "load_fashion_mnist", {"n_train": 100, "n_test": 100}),
    "load_mnist": ("datasets", "load_mnist", {"n_train": 100, "n_test": 100}),
    "load_japanese_vowels": ("datasets", "load_japanese_vowels", {}),
    "load_tweets": ("datasets", "load_tweets", {}),
    "load_movielens": ("datasets", "load_movielens", {}),
    "load_word_vectors": ("datasets", "load_word_vectors", {}),
    "load_cats_vs_dogs": ("datasets", "load_cats_vs_dogs", {"n_train": 10, "n_test": 10}),
    "load_images": ("datasets", "load_images", {"names": ["camera"]}),
}


def missing_imports(path: Path) -> list[str]:
    """Imports of a lecture that fail here, one phrase each."""
    problems = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            wanted = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            wanted = [(node.module, alias.name) for alias in node.names]
        else:
            continue
        for module, name in wanted:
            try:
                imported = importlib.import_module(module)
                if name and not hasattr(imported, name):
                    importlib.import_module(f"{module}.{name}")
            except Exception as err:  # ImportError, and whatever a broken package raises
                problems.append(f"{module}{'.' + name if name else ''} ({type(err).__name__})")
    return sorted(set(problems))


def preflight(numbers: list[str], result: Path) -> int:
    """Check each lecture's imports and data offline; write {number: {...}} to ``result``."""
    from helpers.backbones import FASHION_BODIES, _read_record
    from helpers.devices import import_keras, keras_report
    from helpers.fetch import cache_dir

    keras = import_keras()
    report = {"keras": keras_report(keras), "lectures": {}}
    print(f"KERAS: {report['keras']}", flush=True)
    outcomes: dict[str, str] = {}
    for number in numbers:
        path = lecture_file(number)
        source = path.read_text()
        data = []
        for name, (module, function, kwargs) in DATA_CHECKS.items():
            if not re.search(rf"\b{name}\(", source):
                continue
            if name not in outcomes:
                out = io.StringIO()
                try:
                    with contextlib.redirect_stdout(out):
                        loader = getattr(importlib.import_module(f"helpers.{module}"), function)
                        loader(**kwargs)
                    lines = [line for line in out.getvalue().splitlines() if line.strip()]
                    outcomes[name] = "ok: " + " / ".join(lines)[:300]
                except Exception as err:
                    outcomes[name] = f"unavailable: {type(err).__name__}: {str(err)[:200]}"
            data.append(f"{name}: {outcomes[name]}")
        for body, spec in FASHION_BODIES.items():
            if f'"{body}"' in source or (body == "fashion-mnist" and "load_backbone(" in source):
                cached = _read_record(cache_dir() / "backbones", spec, quiet=True)
                state = "cached" if cached else "not cached: pretrained in the lecture"
                data.append(f"body {body}: {state}")
        missing = missing_imports(path)
        report["lectures"][number] = {"missing": missing, "data": data}
        print(f"{path.stem}: imports {'MISSING ' + ', '.join(missing) if missing else 'ok'}")
        for line in data:
            print(f"    {line}")
    result.write_text(json.dumps(report))
    return 0


# ------------------------------------------------------------------ parent
@dataclass
class Lecture:
    number: str
    path: Path
    status: str = "not run"
    seconds: float | None = None
    checks_failed: list[str] = field(default_factory=list)
    slowest: str = ""
    tail: list[str] = field(default_factory=list)
    log: Path | None = None


def versions() -> str:
    names = ["keras", "jax", "jaxlib", "numpy", "scikit-learn", "h5py"]
    found = []
    for name in names:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found.append(f"{name} {importlib.metadata.version(name)}")
    return f"Python {platform.python_version()}; " + ", ".join(found)


def gpu_name() -> str:
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return "none (no nvidia-smi)"
    query = ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"]
    out = subprocess.run([smi, *query], capture_output=True, text=True, timeout=30)
    return out.stdout.strip().replace("\n", "; ") or f"nvidia-smi failed: {out.stderr.strip()}"


def run_bench(args, env: dict, logs: Path) -> tuple[list[str], str]:
    """tools/bench_convnet.py from a scratch root (it appends to <root>/benchmarks/convnet.md,
    which must not be the repository's): its table lines and what happened."""
    root = SCRATCH / "bench-root"
    shutil.rmtree(root, ignore_errors=True)
    (root / "tools").mkdir(parents=True)
    shutil.copy(ROOT / "tools" / "bench_convnet.py", root / "tools")
    (root / "helpers").symlink_to(ROOT / "helpers")
    command = [sys.executable, "tools/bench_convnet.py", "--steps", str(args.bench_steps)]
    command += ["--batch", str(args.bench_batch)]
    log(f"bench: {' '.join(command[1:])} (limit {args.bench_timeout} s)")
    began = time.monotonic()
    with open(logs / "bench.log", "w") as out:
        proc = subprocess.Popen(
            command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            proc.wait(timeout=args.bench_timeout)
            what = f"finished in {time.monotonic() - began:.0f} s, exit status {proc.returncode}"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            what = f"stopped at its {args.bench_timeout} s limit; the rows below are those done"
    lines = clean((logs / "bench.log").read_text(errors="replace"))
    table = root / "benchmarks" / "convnet.md"
    rows = [line for line in lines if line.startswith("| ")]
    if table.exists():  # its title line, then "### <date, backend, settings>" and the table
        rows = table.read_text().strip().splitlines()[1:]
        while rows and not rows[0].strip():
            rows.pop(0)
        rows = [row.replace("### ", "", 1) for row in rows]
    elif rows:
        rows = ["| configuration | settings | training samples/s |", "| --- | --- | ---: |", *rows]
    for line in lines[-5:] if proc.returncode not in (0, None) else []:
        log(f"    bench: {line}")
    log(f"bench: {what}")
    return rows, what


def start_lecture(lecture: Lecture, env: dict, logs: Path) -> subprocess.Popen:
    lecture.log = logs / f"{lecture.path.stem}.log"
    progress = logs / f"{lecture.path.stem}.json"
    progress.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--exec-lecture", str(lecture.path)]
    command += ["--progress", str(progress)]
    out = open(lecture.log, "w")  # noqa: SIM115 (closed by the child's exit; Popen keeps it)
    return subprocess.Popen(
        command, cwd=BOOK, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def finish_lecture(lecture: Lecture, rc: int, seconds: float, limit: float | None) -> None:
    lecture.seconds = seconds
    progress = lecture.log.with_suffix(".json")
    state = json.loads(progress.read_text()) if progress.exists() else {}
    lecture.checks_failed = state.get("checks_failed", [])
    times = sorted(state.get("times", []), key=lambda t: -t[1])[:3]
    lecture.slowest = ", ".join(f"line {line}: {secs:.0f} s" for line, secs in times)
    done = f"{state.get('done', 0)}/{state.get('cells', '?')} cells"
    if limit is not None:
        where = state.get("running")
        lecture.status = f"stopped at its {limit:.0f} s limit in the cell at line {where} ({done})"
    elif rc == 0:
        lecture.status = "ok"
    elif rc == 2:
        lecture.status = f"ran to the end; {len(lecture.checks_failed)} hidden check(s) failed"
    else:
        lecture.status = f"error ({done}): {state.get('error') or f'exit status {rc}'}"
    lines = [line for line in clean(lecture.log.read_text(errors="replace")) if line.strip()]
    lecture.tail = lines[-TAIL:]
    log(f"{lecture.path.stem}: {seconds:.1f} s, {lecture.status}")


def run_lectures(lectures: list[Lecture], args, env: dict, logs: Path, deadline: float) -> None:
    pending = [lec for lec in lectures if lec.status == "not run"]
    running: list[tuple[Lecture, subprocess.Popen, float, float]] = []
    while pending or running:
        for item in list(running):
            lecture, proc, began, limit = item
            elapsed = time.monotonic() - began
            rc = proc.poll()
            stopped = None
            if rc is None and elapsed > limit:
                os.killpg(proc.pid, signal.SIGKILL)
                rc, stopped = proc.wait(), limit
            if rc is not None:
                finish_lecture(lecture, rc, elapsed, stopped)
                running.remove(item)
        while pending and len(running) < args.jobs:
            left = deadline - time.time()
            if left < args.min_start:
                for lecture in pending:
                    lecture.status = (
                        f"skipped: time ran out ({max(left, 0):.0f} s of the budget left)"
                    )
                    log(f"{lecture.path.stem}: {lecture.status}")
                pending = []
                break
            lecture = pending.pop(0)
            limit = min(args.caps.get(lecture.number, args.cap), left - 5)
            log(f"{lecture.path.stem}: started, limit {limit:.0f} s")
            running.append((lecture, start_lecture(lecture, env, logs), time.monotonic(), limit))
        time.sleep(0.5)


def fence(lines: list[str]) -> str:
    return "```text\n" + "\n".join(line.replace("```", "'''") for line in lines) + "\n```\n"


def write_report(out: Path, head: dict, lectures, preflight_report, bench) -> list[Path]:
    profile = head["profile"]
    where = "on this machine's CPU (no GPU)" if head["gpu"].startswith("none") else "on a GPU"
    rows = ["| lecture | seconds | status | hidden checks failed | slowest cells |"]
    rows.append("| --- | ---: | --- | --- | --- |")
    for lec in lectures:
        seconds = f"{lec.seconds:.1f}" if lec.seconds is not None else ""
        checks = "; ".join(lec.checks_failed).replace("|", "/")
        status = lec.status.replace("|", "/")
        rows.append(f"| {lec.path.stem} | {seconds} | {status} | {checks} | {lec.slowest} |")
    intro = [
        f"# Lectures {where}, {profile} profile, Keras on JAX (`tools/gpu_run.sh run`)\n",
        f"- date: {head['date']}",
        f"- GPU: {head['gpu']}",
        f"- backend: {head['keras']}; {head['versions']}",
        f"- code: commit {head['commit']}",
        f"- command: `{head['command']}`",
        f"- environment: `{head['env']}`",
        f"- how: each lecture's py:percent cells in one process, as Jupyter runs them (a failed "
        f"hidden check is recorded and the lecture goes on); {head['jobs']} lecture(s) at a time"
        f"{' (their times include that sharing)' if head['jobs'] > 1 else ''}; each within its "
        f"own limit (default {head['cap']} s), all within {head['budget']} s of the start",
        f"- total: {head['total']:.0f} s from the start of gpu_run.sh\n",
    ]
    text = "\n".join(intro) + "\n" + "\n".join(rows) + "\n"
    text += "\n## Imports and data there (preflight)\n\n" + fence(preflight_report)
    bench_rows, bench_what = bench
    text += "\n## Convnet throughput, switches on and off (`tools/bench_convnet.py`)\n\n"
    text += f"{head['bench_command']}: {bench_what}.\n\n" + "\n".join(bench_rows) + "\n"
    text += "\n## Last lines of each lecture\n"
    for lec in lectures:
        if lec.tail:
            text += f"\n### {lec.path.stem}: {lec.status}\n\n" + fence(lec.tail)
    for row in rows:
        log(row)
    for row in bench_rows:
        log(row)
    written = []
    out.mkdir(parents=True, exist_ok=True)
    report = out / f"gpu_{profile}_profile.md"
    report.write_text(text)
    written.append(report)
    convnet = out / "gpu_convnet.md"
    convnet.write_text(
        f"# Convnet training throughput on a GPU, Keras on JAX\n\n- date: {head['date']}\n"
        f"- GPU: {head['gpu']}\n- backend: {head['keras']}; {head['versions']}\n"
        f"- command: `{head['bench_command']}` ({bench_what})\n\n" + "\n".join(bench_rows) + "\n"
    )
    written.append(convnet)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lectures", nargs="*", help="lecture numbers (default: the priority list)")
    parser.add_argument("--tiny", action="store_true", help="CPU rehearsal (see the docstring)")
    parser.add_argument("--jobs", type=int, default=1, help="lectures at a time")
    parser.add_argument("--budget", type=float, default=540, help="seconds for the whole run")
    parser.add_argument("--cap", type=float, default=300, help="seconds per lecture at most")
    parser.add_argument("--cap-for", action="append", default=[], metavar="NN=SECONDS")
    parser.add_argument(
        "--min-start",
        type=float,
        default=40,
        help="start no lecture with fewer seconds of the budget left",
    )
    parser.add_argument("--bench-steps", type=int, default=200)
    parser.add_argument("--bench-batch", type=int, default=128)
    parser.add_argument("--bench-timeout", type=int, default=150)
    parser.add_argument("--no-bench", action="store_true")
    parser.add_argument(
        "--out", type=Path, help="where the tables go (default $OUT, else benchmarks/)"
    )
    parser.add_argument("--exec-lecture", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--progress", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--preflight", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.exec_lecture:
        return exec_lecture(args.exec_lecture, args.progress)
    if args.preflight:
        return preflight(args.lectures, args.preflight)

    started = float(os.environ.get("GPU_RUN_START", time.time()))
    deadline = started + args.budget
    args.caps = {k: float(v) for k, v in (item.split("=") for item in args.cap_for)}
    if args.tiny:
        args.lectures = args.lectures or ["06", "13"]
        args.bench_steps, args.bench_batch = min(args.bench_steps, 5), min(args.bench_batch, 32)
    numbers = args.lectures or PRIORITY
    profile = "quick" if args.tiny else "full"
    env = dict(os.environ)
    env |= {
        "KERAS_BACKEND": env.get("KERAS_BACKEND", "jax"),
        "HELPERS_PROFILE": profile,
        "HELPERS_OFFLINE": "1",
        "HELPERS_DATA": str(ROOT / ".gpu-carry" / "data"),
        "MPLBACKEND": "Agg",
        "PYTHONUNBUFFERED": "1",
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false",  # several processes share the GPU
        "PYTHONWARNINGS": "ignore:FigureCanvasAgg is non-interactive",
    }
    lecture_env = dict(env)
    if args.tiny:
        lecture_env.setdefault("HELPERS_XLA", "1")
    shown = ["KERAS_BACKEND", "HELPERS_PROFILE", "HELPERS_OFFLINE", "HELPERS_DATA", "MPLBACKEND"]
    shown += ["XLA_PYTHON_CLIENT_PREALLOCATE"] + (["HELPERS_XLA"] if args.tiny else [])
    env_text = " ".join(f"{k}={lecture_env[k]}" for k in shown).replace(str(ROOT) + "/", "")
    out = args.out or (Path(os.environ["OUT"]) if os.environ.get("OUT") else ROOT / "benchmarks")
    logs = SCRATCH / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    log_dir = out if (args.out or os.environ.get("OUT")) else SCRATCH
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "gpu_run.log").write_text("")
    _log_file.append(log_dir / "gpu_run.log")
    commit_file = ROOT / ".gpu-carry" / "commit.txt"
    head = {
        "profile": profile,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "gpu": gpu_name(),
        "versions": versions(),
        "commit": commit_file.read_text().strip() if commit_file.exists() else "unknown",
        "command": os.environ.get("GPU_RUN_COMMAND", " ".join(sys.argv)),
        "env": env_text,
        "jobs": args.jobs,
        "cap": f"{args.cap:.0f}",
        "budget": f"{args.budget:.0f}",
        "bench_command": f"tools/bench_convnet.py --steps {args.bench_steps} "
        f"--batch {args.bench_batch}",
    }
    log(f"GPU: {head['gpu']}")
    log(f"versions: {head['versions']}; code: commit {head['commit']}")
    log(
        f"profile {profile}, lectures {' '.join(numbers)}, {args.jobs} at a time, "
        f"budget {args.budget:.0f} s ({deadline - time.time():.0f} s left)"
    )

    # Preflight: every lecture's imports and data, offline, in one child process.
    result = logs / "preflight.json"
    began = time.monotonic()
    checked = [*numbers, *(n for n in PRIORITY if n not in numbers)]  # all, for the record
    command = [sys.executable, str(Path(__file__).resolve()), "--preflight", str(result), *checked]
    try:
        pre = subprocess.run(
            command, cwd=BOOK, env=env, capture_output=True, text=True, timeout=180
        )
        stdout, stderr, failed = pre.stdout, pre.stderr, pre.returncode != 0
    except subprocess.TimeoutExpired as err:  # a hung import: say so, and run the lectures
        stdout, stderr, failed = err.stdout or "", "timed out after 180 s", True
        stdout = stdout.decode(errors="replace") if isinstance(stdout, bytes) else stdout
    preflight_lines = [f"({time.monotonic() - began:.0f} s)", *clean(stdout)]
    if failed or not result.exists():
        preflight_lines += ["preflight failed:", *clean(stderr)[-15:]]
        report = {"keras": "unknown (preflight failed)", "lectures": {}}
    else:
        report = json.loads(result.read_text())
    for line in preflight_lines:
        log(f"preflight: {line}")
    head["keras"] = report["keras"]

    lectures = [Lecture(n, lecture_file(n)) for n in numbers]
    others = [Lecture(n, lecture_file(n)) for n in checked if n not in numbers]
    has_tf = importlib.util.find_spec("tensorflow") is not None
    for lecture in [*lectures, *others]:
        missing = report["lectures"].get(lecture.number, {}).get("missing", [])
        if "TextVectorization(" in lecture.path.read_text() and not has_tf:
            lecture.status = (
                "left out: its keras.layers.TextVectorization needs TensorFlow, which is not "
                "installed here (and its wheel is far over the 64 MiB carry)"
            )
        elif missing:
            lecture.status = f"left out: cannot import {', '.join(missing)}"
        if lecture.status != "not run":
            log(f"{lecture.path.stem}: {lecture.status}")
        elif lecture in others:
            lecture.status = "not asked for in this run"

    bench = ([], "not run (--no-bench)")
    if not args.no_bench:
        bench = run_bench(args, env, logs)
    run_lectures(lectures, args, lecture_env, logs, deadline)
    head["total"] = time.time() - started

    written = write_report(out, head, [*lectures, *others], preflight_lines, bench)
    with open(log_dir / "gpu_lectures.log", "w") as f:
        for lecture in lectures:
            if lecture.log and lecture.log.exists():
                lines = clean(lecture.log.read_text(errors="replace"))
                f.write(f"\n===== {lecture.path.stem}: {lecture.status}\n")
                f.write("\n".join(lines[-3000:]) + "\n")
        if (logs / "bench.log").exists():
            f.write("\n===== bench_convnet\n" + (logs / "bench.log").read_text(errors="replace"))
    written.append(log_dir / "gpu_lectures.log")
    written.append(log_dir / "gpu_run.log")
    log(f"total {head['total']:.0f} s; wrote " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
