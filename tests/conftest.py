"""Shared fixtures: every test runs on its own empty cache, offline unless it says otherwise."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch) -> Path:
    """A temporary ``$HELPERS_DATA`` and no network: tests never read or change the user's
    cache and never reach the internet (tests of downloads serve files on 127.0.0.1)."""
    folder = tmp_path_factory.mktemp("helpers-data")
    monkeypatch.setenv("HELPERS_DATA", str(folder))
    monkeypatch.setenv("HELPERS_OFFLINE", "1")
    return folder


@pytest.fixture
def make_read_only() -> Iterator[Callable[[Path], None]]:
    """Make folders read-only for real, also for root (which ignores permission bits): the
    ext4 immutable flag (chattr +i) as root, chmod 555 otherwise. Undone after the test."""
    done: list[tuple[Path, str]] = []

    def read_only(folder: Path) -> None:
        if os.geteuid() == 0:
            if shutil.which("chattr") is None:
                pytest.skip("running as root without chattr: cannot make a folder read-only")
            made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
            if made.returncode != 0:
                pytest.skip(f"chattr +i not supported here: {made.stderr.strip()}")
            done.append((folder, "chattr"))
        else:
            folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
            done.append((folder, "chmod"))

    yield read_only
    for folder, how in reversed(done):
        if how == "chattr":
            subprocess.run(["chattr", "-i", str(folder)], check=False)
        else:
            folder.chmod(0o755)


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Callable[[str], Path]]:
    """``small_disk("128k")`` mounts a tmpfs of that size and returns its folder: a disk that
    fills up for real (root only; skipped elsewhere). Unmounted after the test."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        folder = tmp_path / f"small-disk-{len(mounted)}"
        folder.mkdir()
        made = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here (needs root): {made.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=False)


def pytest_terminal_summary(terminalreporter) -> None:
    """Each executed notebook's slowest cells (tests/test_notebooks.py), longest run first:
    where a lecture's time goes, and which cell stalled when one takes far longer than usual."""
    reports = [
        report
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call" and dict(report.user_properties).get("slowest_cells")
    ]
    if not reports:
        return
    terminalreporter.section("slowest cells of each notebook")
    for report in sorted(reports, key=lambda r: -r.duration):
        name = report.nodeid.rpartition("[")[2].rstrip("]")
        cells = dict(report.user_properties)["slowest_cells"]
        terminalreporter.write_line(f"{name}: {report.duration:.0f} s; {cells}")
