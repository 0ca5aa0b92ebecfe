"""Fetching data files: a verified cache, offline copies first, downloads through pooch.

Every file the book reads is described by a :class:`RemoteFile` with a pinned sha256. Finding
it follows the data policy (``DESIGN.md``): a verified copy already on this machine (the cache,
a copy a package ships, a path the user names) is used without touching the network; only
then is the file downloaded, by pooch, into the cache.

One rule checks every copy, wherever it comes from: the sha256 of the file's bytes, or, for a
``compression="gzip"`` file, of its decompressed content (so a copy that Debian or a user
compressed differently is as good as the canonical download).

The cache is safe to share between processes (two notebooks, ``pytest -n 2``): whatever
changes a cached file (moving a corrupted one aside, downloading) happens under a
cross-process lock, a download lands in a private temporary folder and is moved into place
only once verified, and the leftovers of a download that was killed are removed by the next
one. A read-only cache is read but never written: a file that must be downloaded then fails
with one line saying so, before any download starts.

Environment variables:
    HELPERS_DATA: the cache folder (default: ``~/.cache/helpers-data``, or
        ``$XDG_CACHE_HOME/helpers-data``).
    HELPERS_OFFLINE: 1 (or true, yes, on) never uses the network (CI, trains, exams);
        0 (false, no, off) or unset allows it.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

OFFLINE_ENV = "HELPERS_OFFLINE"
DATA_ENV = "HELPERS_DATA"
_CHUNK = 1 << 20
_ON, _OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
LOCK_TIMEOUT = 30 * 60  # seconds; a download of the book's largest file takes far less

log = logging.getLogger(__name__)


class DataUnavailableError(RuntimeError):
    """A dataset could not be found offline nor downloaded; the message says how to fix it.

    Attributes:
        reason: the short cause ("HELPERS_OFFLINE is set", "download ... failed: ...").
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class CacheFolderError(DataUnavailableError):
    """The cache folder cannot be used: ``$HELPERS_DATA`` names a file, or it is read-only."""


class CorruptDataError(RuntimeError):
    """A data file's content does not match its pinned checksum."""


@dataclass(frozen=True)
class RemoteFile:
    """One data file: where it lives online, its checksum, and where copies may be offline.

    Attributes:
        dataset: the dataset's name, for messages ("MNIST").
        fname: the file name in the cache (``<cache>/<subdir>/<fname>``).
        sha256: the pinned checksum of the file's bytes, or of its decompressed content
            when ``compression`` is set.
        url: the canonical download address (``None``: offline sources only).
        subdir: the folder in the cache for this dataset.
        offline: other places a verified copy may be found (a package's data, a Debian
            package's folder, another library's cache).
        hint: what else the user can do, for the error message ("install the Debian
            package dataset-fashion-mnist").
        compression: ``"gzip"`` when ``sha256`` is that of the decompressed content.
        accepts_path: whether the dataset's loader takes ``path=`` (the error then offers it).
    """

    dataset: str
    fname: str
    sha256: str
    url: str | None = None
    subdir: str = ""
    offline: tuple[Path, ...] = field(default_factory=tuple)
    hint: str = ""
    compression: str | None = None
    accepts_path: bool = False

    def __post_init__(self) -> None:
        if self.compression not in (None, "gzip"):
            raise ValueError(f"compression must be None or 'gzip', not {self.compression!r}")


def cache_dir() -> Path:
    """The data cache folder: ``$HELPERS_DATA``, else the user's cache folder."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "helpers-data"


def offline_mode() -> bool:
    """Whether ``$HELPERS_OFFLINE`` forbids network access.

    Raises:
        ValueError: the variable holds something that is neither on nor off.
    """
    value = os.environ.get(OFFLINE_ENV, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise ValueError(
        f"{OFFLINE_ENV}={value!r} is neither on nor off: set it to 1 (never use "
        f"the network) or 0 (download what is missing)"
    )


def cache_problem(folder: Path | None = None) -> str:
    """Why the cache (or ``folder`` inside it) cannot be written to; ``""`` when it can.

    Creates the folder if needed and tries a real write, so a read-only mount, missing
    permissions and ``$HELPERS_DATA`` naming a file are all caught before any work starts.
    """
    root = cache_dir()
    if problem := _not_a_folder(root):
        return problem
    folder = folder or root
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        return f"the cache folder {folder} is not writable ({err.strerror or err})"
    return ""


def _not_a_folder(root: Path) -> str:
    return (
        f"${DATA_ENV}={root} is a file, not a folder" if root.exists() and not root.is_dir() else ""
    )


def require_writable_cache(folder: Path | None = None) -> Path:
    """Return ``folder`` (default: the cache) once it is known to be writable.

    Raises:
        CacheFolderError: it is not, with the fix (set ``$HELPERS_DATA``).
    """
    if problem := cache_problem(folder):
        raise CacheFolderError(f"{problem}; set {DATA_ENV} to a writable folder", problem)
    return folder or cache_dir()


@contextlib.contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """Hold a cross-process lock called ``name`` in the cache (for changes to cached files).

    Raises:
        CacheFolderError: the cache is not writable, or another process held the lock for
            longer than :data:`LOCK_TIMEOUT`.
    """
    import filelock

    locks = require_writable_cache(cache_dir() / ".locks")
    path = locks / f"{name}.lock"
    try:
        with filelock.FileLock(path, timeout=LOCK_TIMEOUT):
            yield
    except filelock.Timeout:
        reason = f"another process has held {path} for {LOCK_TIMEOUT // 60} minutes"
        raise CacheFolderError(
            f"{reason}; if no other notebook or test is running, delete that file", reason
        ) from None


def sha256sum(path: Path, compression: str | None = None) -> str:
    """The sha256 hex digest of a file (of its decompressed content for ``"gzip"``).

    Raises:
        OSError, EOFError, zlib.error: the file cannot be read or decompressed.
    """
    digest = hashlib.sha256()
    opener = gzip.open if compression == "gzip" else open
    with opener(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified(path: Path, sha256: str, compression: str | None = None) -> bool:
    """Whether ``path`` is a readable file with the expected checksum (never raises)."""
    try:
        return path.is_file() and sha256sum(path, compression) == sha256
    except (OSError, EOFError, zlib.error):  # unreadable, truncated or not gzip at all
        return False


def _quarantine(path: Path) -> Path:
    """Move a corrupted cached file aside (never deleted silently, never used again)."""
    bad = path.with_name(path.name + ".corrupt")
    os.replace(path, bad)
    return bad


def fetch(remote: RemoteFile, *, path: str | os.PathLike | None = None) -> tuple[Path, str]:
    """Return a verified local copy of ``remote`` and a phrase naming where it came from.

    Args:
        remote: the file to find.
        path: a file the user names; it must match the checksum.

    Returns:
        ``(path, source)``, e.g. ``(Path(".../mnist.npz"), "cache ~/.cache/helpers-data")``.

    Raises:
        CorruptDataError: the user-named file does not match the pinned checksum.
        DataUnavailableError: no verified copy offline and the download failed or was not
            allowed; the message names where we looked and what to do.
    """
    if path is not None:
        return _user_copy(remote, Path(path).expanduser())

    root = cache_dir()
    cached = root / remote.subdir / remote.fname
    unusable = _not_a_folder(root)
    if not unusable and cached.is_file():
        if verified(cached, remote.sha256, remote.compression):
            return cached, f"cache {cached.parent}"
        _set_aside(remote, cached)
    for candidate in remote.offline:
        if verified(candidate, remote.sha256, remote.compression):
            return candidate, str(candidate.parent)
        if candidate.exists():
            log.warning(
                "%s: %s is damaged (checksum mismatch); skipping it", remote.dataset, candidate
            )

    looked = [str(cached), *map(str, remote.offline)]
    if remote.url is None:
        reason = "it has no download address"
    elif offline_mode():
        reason = f"{OFFLINE_ENV} is set"
    else:
        reason = unusable or cache_problem(cached.parent)
    if reason:
        raise DataUnavailableError(_unavailable(remote, looked, reason), reason)
    try:
        with cache_lock(f"{remote.subdir}-{remote.fname}"):
            if verified(cached, remote.sha256, remote.compression):  # another process did it
                return cached, f"cache {cached.parent}"
            _download(remote, cached)
    except CacheFolderError:
        raise
    except CorruptDataError as err:
        raise DataUnavailableError(_unavailable(remote, looked, str(err)), str(err)) from None
    except Exception as err:  # requests, socket and OS errors all mean "no copy"
        reason = f"the download from {remote.url} failed ({type(err).__name__})"
        raise DataUnavailableError(_unavailable(remote, looked, reason), reason) from None
    return cached, f"{remote.url}, downloaded into {cached.parent}"


def _user_copy(remote: RemoteFile, user: Path) -> tuple[Path, str]:
    if user.is_dir():
        raise DataUnavailableError(
            f"{remote.dataset}: {user} is a folder; pass the path of "
            f"the file itself, e.g. {user / remote.fname}"
        )
    if not user.is_file():
        raise DataUnavailableError(
            f"{remote.dataset}: {user} does not exist; pass the path "
            f"of your copy of {remote.fname}, or leave path unset"
        )
    if not verified(user, remote.sha256, remote.compression):
        where = f"download it again from {remote.url}" if remote.url else "fetch it again"
        raise CorruptDataError(
            f"{remote.dataset}: {user} is not the expected {remote.fname} "
            f"(sha256 mismatch, truncated or damaged); {where}"
        )
    return user, f"the file you named, {user}"


def _set_aside(remote: RemoteFile, cached: Path) -> None:
    """Move a cached file that failed its checksum aside, once, whoever else is looking.

    In a read-only cache it stays where it is and is ignored.
    """
    if cache_problem(cached.parent):
        log.warning(
            "%s: cached %s failed its checksum and the cache is read-only; ignoring it",
            remote.dataset,
            cached,
        )
        return
    with cache_lock(f"{remote.subdir}-{remote.fname}"):
        # Another process may have moved it, or replaced it with a good copy, meanwhile.
        if cached.is_file() and not verified(cached, remote.sha256, remote.compression):
            bad = _quarantine(cached)
            log.warning(
                "%s: cached %s failed its checksum; moved to %s", remote.dataset, cached.name, bad
            )


def _download(remote: RemoteFile, target: Path) -> None:
    """Download into ``target``: via a private temporary folder, verified, then moved.

    Called under the file's lock, so leftovers of earlier downloads of the same file belong
    to processes that died: they are removed first.
    """
    import pooch  # only needed when downloading

    pooch.get_logger().setLevel(logging.WARNING)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.part-*"):
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.part-", dir=target.parent) as tmp:
        print(f"{remote.dataset}: downloading {remote.fname} from {remote.url}")
        downloader = pooch.HTTPDownloader(timeout=(10, 60), progressbar=True)
        got = pooch.retrieve(
            remote.url, known_hash=None, fname=target.name, path=tmp, downloader=downloader
        )
        if not verified(Path(got), remote.sha256, remote.compression):
            raise CorruptDataError(
                f"the download from {remote.url} failed its checksum "
                f"(the file changed or the transfer was cut)"
            )
        os.replace(got, target)


def _unavailable(remote: RemoteFile, looked: list[str], reason: str) -> str:
    where = ", ".join(looked)
    if reason.startswith((f"${DATA_ENV}", "the cache folder")):
        options = [f"set {DATA_ENV} to a writable folder"]
    else:
        options = [f"put a copy in {cache_dir() / remote.subdir} (or set ${DATA_ENV})"]
    if remote.accepts_path:
        options.append("pass path= to the loader")
    if remote.url is not None and not reason.startswith(("$", "the cache folder")):
        options.insert(0, "connect to the internet once to download it")
    if remote.hint:
        options.append(remote.hint)
    return (
        f"{remote.dataset}: no verified copy of {remote.fname} on this machine (looked in "
        f"{where}) and {reason}. To fix: {'; or '.join(options)}."
    )
