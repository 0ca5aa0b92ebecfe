"""helpers.fetch against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import http.server
import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from helpers import fetch as F  # noqa: N812 (F for the module under test reads well)

GOOD = bytes(range(256)) * 4096  # 1 MiB
GOOD_SHA = hashlib.sha256(GOOD).hexdigest()


REQUESTS: list[str] = []  # every path the test server was asked for


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # http.server's naming (N802 is ignored for tests)
        REQUESTS.append(self.path)
        if self.path.startswith("/slow"):  # a quarter, then nothing for a minute
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD[: len(GOOD) // 4])
            self.wfile.flush()
            time.sleep(60)
            return
        if self.path.startswith("/good"):
            body, length = GOOD, len(GOOD)
        elif self.path.startswith("/bad"):
            body, length = GOOD[::-1], len(GOOD)
        elif self.path.startswith("/cut"):  # promises 1 MiB, sends half, hangs up
            body, length = GOOD[: len(GOOD) // 2], len(GOOD)
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        for i in range(0, len(body), 65536):
            self.wfile.write(body[i : i + 65536])
        self.wfile.flush()
        if length != len(body):
            self.connection.close()

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPERS_DATA", str(tmp_path / "cache"))
    monkeypatch.delenv("HELPERS_OFFLINE", raising=False)
    REQUESTS.clear()
    return tmp_path / "cache"


def closed_port_url() -> str:
    """An address on this machine where nothing listens: a network that does not answer."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/good.bin"


def remote(url: str | None, sha: str = GOOD_SHA, **kw) -> F.RemoteFile:
    return F.RemoteFile("Test set", "data.bin", sha, url, subdir="test", **kw)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_is_verified_cached_and_reused_offline(server, cache, monkeypatch):
    path, source = F.fetch(remote(f"{server}/good.bin"))
    assert path == cache / "test" / "data.bin" and path.read_bytes() == GOOD
    assert source == f"{server}/good.bin, downloaded into {cache / 'test'}"
    monkeypatch.setenv("HELPERS_OFFLINE", "1")
    again, source = F.fetch(remote(closed_port_url()))
    assert again == path and source.startswith("cache")


def test_checksum_mismatch_on_download_leaves_nothing(server, cache):
    with pytest.raises(F.DataUnavailableError, match="checksum"):
        F.fetch(remote(f"{server}/bad.bin"))
    assert leftovers(cache / "test") == []


def test_interrupted_download_leaves_no_partial_file(server, cache):
    with pytest.raises(F.DataUnavailableError) as err:
        F.fetch(remote(f"{server}/cut.bin"))
    assert "Test set" in str(err.value)
    assert leftovers(cache / "test") == []


def test_corrupted_cache_is_quarantined_and_refetched(server, cache):
    target = cache / "test" / "data.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"garbage")
    path, source = F.fetch(remote(f"{server}/good.bin"))
    assert path.read_bytes() == GOOD and source.endswith(f"downloaded into {cache / 'test'}")
    assert (cache / "test" / "data.bin.corrupt").read_bytes() == b"garbage"


def test_corrupted_cache_offline_is_never_used(cache, monkeypatch):
    target = cache / "test" / "data.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"garbage")
    monkeypatch.setenv("HELPERS_OFFLINE", "1")
    with pytest.raises(F.DataUnavailableError, match="HELPERS_OFFLINE is set"):
        F.fetch(remote("http://example.invalid/data.bin"))
    assert not target.exists()


def test_no_network_no_copy_is_one_clear_line(cache):
    with pytest.raises(F.DataUnavailableError) as err:
        F.fetch(remote(closed_port_url(), hint="install the package that ships it"))
    message = str(err.value)
    assert "\n" not in message
    for part in (
        "Test set",
        str(cache / "test" / "data.bin"),
        "download",
        "failed",
        "connect to the internet once",
        "HELPERS_DATA",
        "install the package that ships it",
    ):
        assert part in message, part
    assert "path=" not in message  # this loader takes no path: do not offer one
    with pytest.raises(F.DataUnavailableError, match=r"pass path= to the loader"):
        F.fetch(remote(closed_port_url(), accepts_path=True))


def test_offline_copy_is_used_before_the_network(tmp_path, server, cache):
    shipped = tmp_path / "package" / "data.bin"
    shipped.parent.mkdir()
    shipped.write_bytes(GOOD)
    path, source = F.fetch(remote(f"{server}/good.bin", offline=(shipped,)))
    assert path == shipped and source == str(shipped.parent)
    assert REQUESTS == []  # a server that would have answered was never asked


def test_user_path_must_match_the_checksum(tmp_path, cache):
    wrong = tmp_path / "mine.bin"
    wrong.write_bytes(b"not it")
    with pytest.raises(F.CorruptDataError, match="sha256 mismatch"):
        F.fetch(remote(None), path=wrong)
    with pytest.raises(F.DataUnavailableError, match="does not exist"):
        F.fetch(remote(None), path=tmp_path / "missing.bin")
    with pytest.raises(F.DataUnavailableError, match=r"is a folder; pass the path of the file"):
        F.fetch(remote(None), path=tmp_path)


def _fetch_in_child(url: str, cache_dir: str, queue) -> None:
    import os

    os.environ["HELPERS_DATA"] = cache_dir
    try:
        path, _ = F.fetch(remote(url))
        queue.put(F.sha256sum(path))
    except Exception as err:  # report to the parent
        queue.put(repr(err))


def test_two_processes_fetching_at_once_do_not_corrupt_the_cache(server, cache):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [
        ctx.Process(target=_fetch_in_child, args=(f"{server}/good.bin", str(cache), queue))
        for _ in range(3)
    ]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert results == [GOOD_SHA] * 3
    assert leftovers(cache / "test") == ["data.bin"]


def _fetch_when_told(url: str, cache_dir: str, offline_copy: str, go, queue) -> None:
    os.environ["HELPERS_DATA"] = cache_dir
    os.environ.pop("HELPERS_OFFLINE", None)
    go.wait(60)
    try:
        path, _ = F.fetch(remote(url, offline=(Path(offline_copy),)))
        queue.put(F.sha256sum(path))
    except Exception as err:  # report to the parent
        queue.put(repr(err))


@pytest.mark.parametrize("copy", ["offline copy", "download"])
def test_many_processes_finding_one_corrupted_file_all_succeed(tmp_path, server, cache, copy):
    """Six processes start at once on a cache whose file is damaged: each gets good data,
    the damaged file is set aside once, and nothing else is left behind."""
    target = cache / "test" / "data.bin"
    target.parent.mkdir(parents=True)
    damaged = GOOD[::-1] * 8  # large, like a real dataset: checking it takes a while
    target.write_bytes(damaged)
    shipped = tmp_path / "package" / "data.bin"
    if copy == "offline copy":
        shipped.parent.mkdir()
        shipped.write_bytes(GOOD)
    ctx = multiprocessing.get_context("spawn")
    go, queue = ctx.Event(), ctx.Queue()
    args = (f"{server}/good.bin", str(cache), str(shipped), go, queue)
    workers = [ctx.Process(target=_fetch_when_told, args=args) for _ in range(6)]
    for w in workers:
        w.start()
    time.sleep(2)  # let every process import and wait at the start line
    go.set()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert results == [GOOD_SHA] * 6
    assert (cache / "test" / "data.bin.corrupt").read_bytes() == damaged
    expected = ["data.bin", "data.bin.corrupt"] if copy == "download" else ["data.bin.corrupt"]
    assert leftovers(cache / "test") == expected
    assert len(REQUESTS) == (1 if copy == "download" else 0)


def test_read_only_cache_falls_back_to_a_verified_copy(tmp_path, server, cache, make_read_only):
    target = cache / "test" / "data.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"garbage")
    shipped = tmp_path / "package" / "data.bin"
    shipped.parent.mkdir()
    shipped.write_bytes(GOOD)
    make_read_only(cache)
    make_read_only(cache / "test")
    path, _ = F.fetch(remote(f"{server}/good.bin", offline=(shipped,)))
    assert path == shipped and target.read_bytes() == b"garbage"  # left as it was


def test_read_only_cache_refuses_a_download_before_starting(server, cache, make_read_only):
    cache.mkdir()
    make_read_only(cache)
    with pytest.raises(F.DataUnavailableError) as err:
        F.fetch(remote(f"{server}/good.bin"))
    message = str(err.value)
    assert f"the cache folder {cache / 'test'} is not writable" in message
    assert "set HELPERS_DATA to a writable folder" in message and "\n" not in message
    assert "download" not in err.value.reason and REQUESTS == []


def test_cache_variable_naming_a_file(tmp_path, server, cache, monkeypatch):
    not_a_folder = tmp_path / "helpers-data.txt"
    not_a_folder.write_text("oops")
    monkeypatch.setenv("HELPERS_DATA", str(not_a_folder))
    with pytest.raises(F.DataUnavailableError) as err:
        F.fetch(remote(f"{server}/good.bin"))
    assert f"$HELPERS_DATA={not_a_folder} is a file, not a folder" in str(err.value)
    assert "set HELPERS_DATA to a writable folder" in str(err.value) and REQUESTS == []
    shipped = tmp_path / "package" / "data.bin"
    shipped.parent.mkdir()
    shipped.write_bytes(GOOD)
    assert F.fetch(remote(f"{server}/good.bin", offline=(shipped,)))[0] == shipped


def _fetch_slowly(url: str, cache_dir: str) -> None:
    os.environ["HELPERS_DATA"] = cache_dir
    os.environ.pop("HELPERS_OFFLINE", None)
    F.fetch(remote(url))


def test_killed_download_leaves_nothing_for_good(server, cache):
    """A download killed midway (the kernel restarted, Ctrl-C twice) leaves a partial file;
    the next download of the same file removes it."""
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_fetch_slowly, args=(f"{server}/slow.bin", str(cache)))
    child.start()
    folder = cache / "test"
    deadline = time.monotonic() + 60
    while not (folder.exists() and leftovers(folder)):  # the download has begun writing
        assert time.monotonic() < deadline, "the slow download never started"
        time.sleep(0.05)
    time.sleep(0.5)  # part of the file is written
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    assert leftovers(folder) != []  # the killed download left something
    path, _ = F.fetch(remote(f"{server}/good.bin"))
    assert path.read_bytes() == GOOD and leftovers(folder) == ["data.bin"]


def test_download_shows_progress(server, cache, capsys):
    F.fetch(remote(f"{server}/good.bin"))
    out, err = capsys.readouterr()
    assert "Test set: downloading data.bin from" in out
    assert "100%" in err  # the progress bar reached its end


def test_one_checksum_rule_for_compressed_files(tmp_path, server, cache):
    """A gzip file is judged by its content: a copy compressed differently (Debian's, a
    user's) is accepted; a truncated or plain copy is refused without a raw gzip error."""
    content = bytes(range(200)) * 50
    sha = hashlib.sha256(content).hexdigest()
    gz = F.RemoteFile(
        "Zipped", "data.gz", sha, None, subdir="z", compression="gzip", accepts_path=True
    )
    other = tmp_path / "other.gz"
    other.write_bytes(gzip.compress(content, compresslevel=1, mtime=123))
    assert F.fetch(gz, path=other)[0] == other
    cached = cache / "z" / "data.gz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(gzip.compress(content, compresslevel=9))
    assert F.fetch(gz)[0] == cached
    for aside, damaged in [
        ("data.gz.corrupt", gzip.compress(content)[:-40]),  # truncated
        ("data.gz.corrupt-2", content),  # not gzip at all; the first one is kept
    ]:
        other.write_bytes(damaged)
        with pytest.raises(F.CorruptDataError, match=f"{other} is not the expected data.gz"):
            F.fetch(gz, path=other)
        cached.write_bytes(damaged)
        with pytest.raises(F.DataUnavailableError, match="no verified copy of data.gz"):
            F.fetch(dataclasses.replace(gz, offline=(other,)))
        assert (cache / "z" / aside).read_bytes() == damaged


@pytest.mark.parametrize(
    ("value", "offline"),
    [("on", True), ("YES", True), ("1", True), ("off", False), ("0", False), ("", False)],
)
def test_offline_variable_words(monkeypatch, value, offline):
    monkeypatch.setenv("HELPERS_OFFLINE", value)
    assert F.offline_mode() is offline


def test_offline_variable_nonsense_is_an_error(monkeypatch):
    monkeypatch.setenv("HELPERS_OFFLINE", "maybe")
    with pytest.raises(ValueError, match="HELPERS_OFFLINE='maybe' is neither on nor off"):
        F.offline_mode()


def test_helpers_never_extracts_archives_or_unpickles_arrays():
    """No archive extraction (path traversal) and no allow_pickle anywhere in helpers."""
    source = "".join(p.read_text() for p in Path(F.__file__).parent.glob("*.py"))
    for forbidden in ("extractall", "pooch.Untar", "pooch.Unzip", "allow_pickle=True"):
        assert forbidden not in source, forbidden


# ------------------------------------------------------------ damaged copies, locks, disks
def test_quarantine_never_overwrites_and_never_fails_the_load(server, cache):
    """The ``.corrupt`` name may be taken (a folder, an earlier damaged copy): the damaged
    file goes to the next free name, and the load goes on."""
    folder = cache / "test"
    folder.mkdir(parents=True)
    (folder / "data.bin.corrupt").mkdir()
    (folder / "data.bin.corrupt-2").write_bytes(b"earlier damage")
    (folder / "data.bin").write_bytes(b"new damage")
    path, _ = F.fetch(remote(f"{server}/good.bin"))
    assert path.read_bytes() == GOOD and (folder / "data.bin.corrupt").is_dir()
    assert (folder / "data.bin.corrupt-2").read_bytes() == b"earlier damage"
    assert (folder / "data.bin.corrupt-3").read_bytes() == b"new damage"


def test_a_folder_in_the_way_keeps_the_verified_download(server, cache, monkeypatch, caplog):
    """The cache's place for the file is a folder: the verified download is kept beside it
    and used, and the next load finds it without downloading again."""
    (cache / "test" / "data.bin").mkdir(parents=True)
    path, _ = F.fetch(remote(f"{server}/good.bin"))
    assert path.parent == cache / "test" and path.name.startswith("data.bin.kept-")
    assert path.read_bytes() == GOOD and (cache / "test" / "data.bin").is_dir()
    assert "(it is a folder); the verified file is kept as data.bin.kept-" in caplog.text
    monkeypatch.setenv("HELPERS_OFFLINE", "1")
    assert F.fetch(remote(f"{server}/good.bin"))[0] == path and len(REQUESTS) == 1


@pytest.fixture
def full_cache(small_disk, monkeypatch):
    """A 256 KiB disk as the cache: the 1 MiB test file does not fit (root only)."""
    disk = small_disk("256k")
    monkeypatch.setenv("HELPERS_DATA", str(disk))
    monkeypatch.delenv("HELPERS_OFFLINE", raising=False)
    return disk


def test_full_disk_is_named_and_not_blamed_on_the_network(server, full_cache):
    with pytest.raises(F.DataUnavailableError) as err:
        F.fetch(remote(f"{server}/good.bin"))
    message = str(err.value)
    assert "No space left on device" in message and "\n" not in message
    assert "free some space there or set HELPERS_DATA" in message
    assert "internet" not in message and "download from" not in message
    assert leftovers(full_cache / "test") == []


def _hold_lock(cache_dir: str, name: str, seconds: float, held) -> None:
    os.environ["HELPERS_DATA"] = cache_dir
    with F.cache_lock(name):
        held.set()
        time.sleep(seconds)


@pytest.fixture
def lock_held_elsewhere(cache):
    """Another process holds the test file's lock for 4 s."""
    ctx = multiprocessing.get_context("spawn")
    held = ctx.Event()
    child = ctx.Process(target=_hold_lock, args=(str(cache), "test-data.bin", 4.0, held))
    child.start()
    assert held.wait(60), "the other process never took the lock"
    yield
    child.join(timeout=60)


def test_a_verified_copy_elsewhere_does_not_wait_for_a_lock(
    tmp_path, cache, lock_held_elsewhere, capsys
):
    target = cache / "test" / "data.bin"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"garbage")
    shipped = tmp_path / "package" / "data.bin"
    shipped.parent.mkdir()
    shipped.write_bytes(GOOD)
    start = time.monotonic()
    path, _ = F.fetch(remote(None, offline=(shipped,)))
    assert path == shipped and time.monotonic() - start < 2
    assert "waiting" not in capsys.readouterr().out


def test_a_load_waiting_on_a_lock_says_so(server, cache, lock_held_elsewhere, monkeypatch, capsys):
    monkeypatch.setattr(F, "WAIT_NOTICE", 0.5)
    path, _ = F.fetch(remote(f"{server}/good.bin"))
    assert path.read_bytes() == GOOD
    out = capsys.readouterr().out
    assert "waiting for another process fetching Test set's data.bin (it holds " in out
    assert str(cache / ".locks" / "test-data.bin.lock") in out


# ------------------------------------------------ one cache, several users (root: setpriv)
NOBODY = 65534
_AS_NOBODY = """
import logging, sys
from pathlib import Path
logging.basicConfig(format="%(message)s")
from helpers import fetch as F
fname, url, *offline = sys.argv[1:]
r = F.RemoteFile("Test set", fname, F.sha256sum(Path(sys.argv[0]).parent / "good.bin"),
                 url or None, subdir="test", offline=tuple(map(Path, offline)))
try:
    path, _ = F.fetch(r)
    print("OK", path)
except Exception as err:
    print("ERROR", type(err).__name__, err)
"""


@pytest.fixture
def shared(tmp_path_factory, monkeypatch):
    """A course's shared cache (mode 1777, like /tmp) and ``nobody`` as a second user.

    Yields ``(cache, run)``; ``run(fname, url, *offline)`` fetches as ``nobody`` and returns
    its result line ("OK <path>" or "ERROR <type> <message>") and the warnings it logged."""
    import shutil
    import subprocess
    import sys
    import tempfile

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to act as a second user")
    top = Path(tempfile.mkdtemp(prefix="helpers-shared-", dir="/tmp"))
    top.chmod(0o755)  # the second user can reach it
    cache = top / "cache"
    cache.mkdir()
    cache.chmod(0o1777)
    (top / "good.bin").write_bytes(GOOD)
    (top / "as_nobody.py").write_text(_AS_NOBODY)
    monkeypatch.setenv("HELPERS_DATA", str(cache))
    monkeypatch.delenv("HELPERS_OFFLINE", raising=False)
    REQUESTS.clear()

    def run(fname, url, *offline, env=None):
        done = subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
            + [sys.executable, str(top / "as_nobody.py"), fname, url, *map(str, offline)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(top), **(env or {})},
            check=False,
        )
        if "ModuleNotFoundError" in done.stderr or "Permission denied" in done.stderr[:300]:
            pytest.skip(f"the second user cannot run helpers from here: {done.stderr[-300:]}")
        return done.stdout.strip().splitlines()[-1], done.stderr  # the result line

    yield cache, run
    shutil.rmtree(top, ignore_errors=True)


def _shipped_copy(folder: Path) -> Path:
    """A verified copy of the test file outside the cache, as a package would ship it."""
    shipped = folder / "package" / "data.bin"
    shipped.parent.mkdir()
    shipped.write_bytes(GOOD)
    return shipped


def test_two_users_share_one_cache(server, shared):
    cache, run = shared
    path, _ = F.fetch(remote(f"{server}/good.bin"))  # the first user (root) downloads
    assert path.stat().st_mode & 0o044 == 0o044  # readable by the others
    for folder in (cache / "test", cache / ".locks"):
        assert folder.stat().st_mode & 0o7777 == 0o1777, folder  # shared like the cache
    out, err = run("data.bin", f"{server}/good.bin")
    assert out == f"OK {path}" and len(REQUESTS) == 1, err  # read, not downloaded again
    out, err = run("data2.bin", f"{server}/good.bin")  # the second user downloads another
    assert out == f"OK {cache / 'test' / 'data2.bin'}", err
    mine = cache / "test" / "data2.bin"
    assert mine.stat().st_uid == NOBODY and mine.read_bytes() == GOOD


def test_another_users_damaged_file_does_not_stop_a_load(tmp_path, server, shared):
    """A damaged file the second user may not move (another user's, in a sticky folder):
    ignored with a warning; a verified copy elsewhere is used; without one, the download is
    kept beside it and found again offline."""
    cache, run = shared
    path, _ = F.fetch(remote(f"{server}/good.bin"))  # root's file and lock
    path.write_bytes(b"garbage")
    shipped = _shipped_copy(cache.parent)
    out, err = run("data.bin", f"{server}/good.bin", shipped)
    assert out == f"OK {shipped}", err
    assert "failed its checksum and cannot be moved aside (Operation not permitted)" in err
    out, err = run("data.bin", f"{server}/good.bin")
    kept = out.removeprefix("OK ")
    assert Path(kept).name.startswith("data.bin.kept-") and Path(kept).read_bytes() == GOOD, err
    out, err = run("data.bin", "", env={"HELPERS_OFFLINE": "1"})
    assert out == f"OK {kept}" and len(REQUESTS) == 2, err
    assert path.read_bytes() == b"garbage"  # root's file is left for root


def test_an_unreadable_file_is_reported_as_unreadable(server, shared):
    cache, run = shared
    path, _ = F.fetch(remote(f"{server}/good.bin"))
    path.chmod(0o600)  # as an older helpers left its downloads
    shipped = _shipped_copy(cache.parent)
    out, err = run("data.bin", f"{server}/good.bin", shipped)
    assert out == f"OK {shipped}", err
    assert "is not readable for this user (it belongs to user id 0)" in err
    assert "checksum" not in err and path.read_bytes() == GOOD  # not moved, not "damaged"


def test_a_lock_file_another_user_did_not_share_is_one_clear_line(server, shared):
    cache, run = shared
    locks = cache / ".locks"
    locks.mkdir()
    locks.chmod(0o1777)
    (locks / "test-data.bin.lock").touch(mode=0o644)  # root's, as filelock made it before
    (locks / "test-data.bin.lock").chmod(0o644)
    out, err = run("data.bin", f"{server}/good.bin")
    assert out.startswith("ERROR CacheFolderError") and "\n" not in out, err
    assert f"the lock file {locks / 'test-data.bin.lock'} belongs to another user" in out
    assert "chmod a+rw" in out and "set HELPERS_DATA to a folder of your own" in out
