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
    for damaged in (gzip.compress(content)[:-40], content):  # truncated; not gzip at all
        other.write_bytes(damaged)
        with pytest.raises(F.CorruptDataError, match=f"{other} is not the expected data.gz"):
            F.fetch(gz, path=other)
        cached.write_bytes(damaged)
        with pytest.raises(F.DataUnavailableError, match="no verified copy of data.gz"):
            F.fetch(dataclasses.replace(gz, offline=(other,)))
        assert (cache / "z" / "data.gz.corrupt").read_bytes() == damaged


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
