"""helpers.fetch against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import hashlib
import http.server
import multiprocessing
import threading
from pathlib import Path

import pytest

from helpers import fetch as F

GOOD = bytes(range(256)) * 4096  # 1 MiB
GOOD_SHA = hashlib.sha256(GOOD).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
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
            self.wfile.write(body[i:i + 65536])
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
    assert source.startswith("downloaded from")
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
    assert path.read_bytes() == GOOD and source.startswith("downloaded")
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
    for part in ("Test set", str(cache / "test" / "data.bin"), "download", "failed",
                 "connect to the internet once", "HELPERS_DATA", "path=",
                 "install the package that ships it"):
        assert part in message, part


def test_offline_copy_is_used_before_the_network(tmp_path, cache):
    shipped = tmp_path / "package" / "data.bin"
    shipped.parent.mkdir()
    shipped.write_bytes(GOOD)
    path, source = F.fetch(remote(closed_port_url(), offline=(shipped,)))
    assert path == shipped and source == str(shipped.parent)


def test_user_path_must_match_the_checksum(tmp_path, cache):
    wrong = tmp_path / "mine.bin"
    wrong.write_bytes(b"not it")
    with pytest.raises(F.CorruptDataError, match="sha256 mismatch"):
        F.fetch(remote(None), path=wrong)
    with pytest.raises(F.DataUnavailableError, match="does not exist"):
        F.fetch(remote(None), path=tmp_path / "missing.bin")


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
    workers = [ctx.Process(target=_fetch_in_child, args=(f"{server}/good.bin", str(cache), queue))
               for _ in range(3)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert results == [GOOD_SHA] * 3
    assert leftovers(cache / "test") == ["data.bin"]


def test_helpers_never_extracts_archives_or_unpickles_arrays():
    """No archive extraction (path traversal) and no allow_pickle anywhere in helpers."""
    source = "".join(p.read_text() for p in Path(F.__file__).parent.glob("*.py"))
    for forbidden in ("extractall", "pooch.Untar", "pooch.Unzip", "allow_pickle=True"):
        assert forbidden not in source, forbidden
