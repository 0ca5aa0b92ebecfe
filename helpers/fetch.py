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

It is also safe to share between users (a course's ``$HELPERS_DATA`` on a lab machine or a
JupyterHub, made with ``mkdir -m 1777``): folders made inside it take its permissions, lock
files are writable by everyone, downloads land readable by everyone who can read the folder,
and a cached file this user cannot read or move (another user's) is ignored with a warning,
never taken for damaged data and never a reason to fail when a verified copy exists.

Environment variables:
    HELPERS_DATA: the cache folder (default: ``~/.cache/helpers-data``, or
        ``$XDG_CACHE_HOME/helpers-data``).
    HELPERS_OFFLINE: 1 (or true, yes, on) never uses the network (CI, trains, exams);
        0 (false, no, off) or unset allows it.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import itertools
import logging
import os
import shutil
import stat
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
WAIT_NOTICE = 5.0  # seconds a load waits on another process's lock before it says so
PATH_FIX = "pass path= to the loader"
# Errors of this machine's disk, not of the network: a download that fails with one of these
# is not helped by "connect to the internet".
_DISK_ERRORS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.EFBIG,
}

log = logging.getLogger(__name__)


class DataUnavailableError(RuntimeError):
    """A dataset could not be found offline nor downloaded; the message says how to fix it.

    Attributes:
        reason: the short cause ("HELPERS_OFFLINE is set", "download ... failed: ...").
        fixes: what the user can do, one phrase each (the message's "To fix:" part).
    """

    def __init__(self, message: str, reason: str = "", fixes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reason = reason or message
        self.fixes = tuple(fixes)


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


def needed_for(err: DataUnavailableError, what: str, *more: str) -> DataUnavailableError:
    """``err`` told by a function that takes no ``path=``: "<what>, and <reason>. To fix:
    ...", without the loader's path option and with ``more`` fixes."""
    fixes = (*(fix for fix in err.fixes if fix != PATH_FIX), *more)
    return DataUnavailableError(
        f"{what}, and {err.reason}. To fix: {'; or '.join(fixes)}.", err.reason, fixes
    )


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
        make_folder(folder)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        return f"the cache folder {folder} is not writable ({err.strerror or err})"
    return ""


def _not_a_folder(root: Path) -> str:
    return (
        f"${DATA_ENV}={root} is a file, not a folder" if root.exists() and not root.is_dir() else ""
    )


def make_folder(folder: Path) -> Path:
    """Create ``folder`` and its missing parents; those made inside the cache share its access.

    A folder made inside a cache that other users may write to (mode 1777, or group-writable)
    gets its parent's permission bits, so that the next user can write there too. The cache
    folder itself, and folders outside it, get the usual ones (umask).
    """
    root = cache_dir()
    missing = []
    level = folder
    while not level.exists() and level != level.parent:
        missing.append(level)
        level = level.parent
    for level in reversed(missing):
        try:
            level.mkdir()
        except FileExistsError:  # made meanwhile by another process
            continue
        shared = stat.S_IMODE(level.parent.stat().st_mode)
        if root in level.parents and shared & (stat.S_IWGRP | stat.S_IWOTH):
            with contextlib.suppress(OSError):
                level.chmod(shared)
    return folder


def require_writable_cache(folder: Path | None = None) -> Path:
    """Return ``folder`` (default: the cache) once it is known to be writable.

    Raises:
        CacheFolderError: it is not, with the fix (set ``$HELPERS_DATA``).
    """
    if problem := cache_problem(folder):
        raise CacheFolderError(f"{problem}; set {DATA_ENV} to a writable folder", problem)
    return folder or cache_dir()


@contextlib.contextmanager
def cache_lock(name: str, purpose: str = "", *, wait: bool = True) -> Iterator[bool]:
    """Hold a cross-process lock called ``name`` in the cache (for changes to cached files).

    The lock file is writable by every user of the cache. A process that has waited
    :data:`WAIT_NOTICE` seconds says what it waits for.

    Args:
        name: the lock's name (one per cached file or body).
        purpose: what the holder does, for the waiting message ("fetching MNIST's mnist.npz").
        wait: False: do not wait; the context then yields False if another process holds it.

    Yields:
        Whether the lock is held.

    Raises:
        CacheFolderError: the cache is not writable, the lock file belongs to another user
            who did not share it, or another process held the lock for longer than
            :data:`LOCK_TIMEOUT`.
    """
    import filelock

    locks = require_writable_cache(cache_dir() / ".locks")
    path = locks / f"{name}.lock"
    lock = filelock.FileLock(path, mode=0o666)  # every user of a shared cache can take it
    try:
        try:
            lock.acquire(timeout=WAIT_NOTICE if wait else 0)
        except filelock.Timeout:
            if not wait:
                acquired = False
            else:
                print(
                    f"waiting for another process {purpose or 'using the cache'} "
                    f"(it holds {path}); up to {LOCK_TIMEOUT // 60} minutes",
                    flush=True,
                )
                lock.acquire(timeout=LOCK_TIMEOUT)
                acquired = True
        else:
            acquired = True
    except filelock.Timeout:
        reason = f"another process has held {path} for {LOCK_TIMEOUT // 60} minutes"
        raise CacheFolderError(
            f"{reason}; if no other notebook or test is running, delete that file", reason
        ) from None
    except PermissionError as err:
        reason = f"the lock file {path} belongs to another user and is not writable for you"
        raise CacheFolderError(
            f"{reason} ({err.strerror}); ask its owner to run chmod a+rw on it (or to delete "
            f"it while nothing runs), or set {DATA_ENV} to a folder of your own",
            reason,
        ) from None
    if not acquired:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


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


def _state(path: Path, remote: RemoteFile) -> str:
    """``"verified"``, ``"damaged"`` or ``"unreadable"`` (this user may not read it)."""
    try:
        good = sha256sum(path, remote.compression) == remote.sha256
    except PermissionError:
        return "unreadable"
    except (OSError, EOFError, zlib.error):  # truncated, or not gzip at all
        return "damaged"
    return "verified" if good else "damaged"


def _quarantine(path: Path) -> Path:
    """Move a damaged cached file aside to the first free name of ``X.corrupt``,
    ``X.corrupt-2``, ... (never over an earlier one; called under the file's lock)."""
    for n in itertools.count(1):
        bad = path.with_name(path.name + (".corrupt" if n == 1 else f".corrupt-{n}"))
        if not os.path.lexists(bad):
            os.rename(path, bad)
            return bad
    raise AssertionError("unreachable")


def _kept(cached: Path) -> list[Path]:
    """Verified downloads that could not be put in place (see :func:`_download`)."""
    return sorted(cached.parent.glob(f"{cached.name}.kept-*")) if cached.parent.is_dir() else []


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
    damaged = False
    if not unusable and cached.is_file():
        state = _state(cached, remote)
        if state == "verified":
            return cached, f"cache {cached.parent}"
        damaged = state == "damaged"
        if state == "unreadable":
            log.warning(
                "%s: cached %s is not readable for this user (it belongs to user id %d); "
                "ignoring it (its owner can share it with chmod a+r)",
                remote.dataset,
                cached,
                cached.stat().st_uid,
            )
    for candidate in (*([] if unusable else _kept(cached)), *remote.offline):
        if verified(candidate, remote.sha256, remote.compression):
            if damaged:  # set it aside if nobody else is busy with it; never wait for that
                _set_aside(remote, cached, wait=False)
            return candidate, str(candidate.parent)
        if candidate.exists():
            log.warning(
                "%s: %s is damaged (checksum mismatch); skipping it", remote.dataset, candidate
            )
    if damaged:
        _set_aside(remote, cached)

    looked = [str(cached), *map(str, remote.offline)]
    if remote.url is None:
        reason = "it has no download address"
    elif offline_mode():
        reason = f"{OFFLINE_ENV} is set"
    else:
        reason = unusable or cache_problem(cached.parent)
    if reason:
        raise _unavailable(remote, looked, reason)
    try:
        with cache_lock(_lock_name(remote), f"fetching {remote.dataset}'s {remote.fname}"):
            if verified(cached, remote.sha256, remote.compression):  # another process did it
                return cached, f"cache {cached.parent}"
            return _download(remote, cached)
    except CacheFolderError:
        raise
    except CorruptDataError as err:
        raise _unavailable(remote, looked, str(err)) from None
    except OSError as err:
        if err.errno not in _DISK_ERRORS:  # requests' errors are OSErrors without an errno
            reason = f"the download from {remote.url} failed ({type(err).__name__})"
            raise _unavailable(remote, looked, reason) from None
        # This machine's disk, not the network: a full disk, a quota, a folder in the way.
        reason = f"saving the download in {cached.parent} failed ({err.strerror})"
        fix = (
            f"free some space there or set {DATA_ENV} to a folder on a disk with room"
            if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
            else f"set {DATA_ENV} to a writable folder"
        )
        raise _unavailable(remote, looked, reason, fix=fix) from None
    except Exception as err:  # requests', urllib3's and socket errors all mean "no copy"
        reason = f"the download from {remote.url} failed ({type(err).__name__})"
        raise _unavailable(remote, looked, reason) from None


def _lock_name(remote: RemoteFile) -> str:
    return f"{remote.subdir}-{remote.fname}"


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


def _set_aside(remote: RemoteFile, cached: Path, *, wait: bool = True) -> None:
    """Move a cached file that failed its checksum aside, once, whoever else is looking.

    In a read-only cache, or where it cannot be moved (another user's file in a shared
    folder, an immutable file), it stays where it is and is ignored, with a warning.
    ``wait=False``: skip it if another process holds the file's lock.
    """
    if cache_problem(cached.parent):
        log.warning(
            "%s: cached %s failed its checksum and the cache is read-only; ignoring it",
            remote.dataset,
            cached,
        )
        return
    purpose = f"fetching {remote.dataset}'s {remote.fname}"
    try:
        with cache_lock(_lock_name(remote), purpose, wait=wait) as held:
            # Another process may have moved it, or replaced it with a good copy, meanwhile.
            if held and cached.is_file() and _state(cached, remote) == "damaged":
                bad = _quarantine(cached)
                log.warning(
                    "%s: cached %s failed its checksum; moved to %s",
                    remote.dataset,
                    cached.name,
                    bad,
                )
    except (OSError, CacheFolderError) as err:
        why = getattr(err, "strerror", None) or getattr(err, "reason", None) or err
        log.warning(
            "%s: cached %s failed its checksum and cannot be moved aside (%s); ignoring it",
            remote.dataset,
            cached,
            why,
        )


def _download(remote: RemoteFile, target: Path) -> tuple[Path, str]:
    """Download into ``target``: via a private temporary folder, verified, then moved.

    Called under the file's lock, so leftovers of earlier downloads of the same file belong
    to processes that died: they are removed first. The file lands readable by everyone who
    can read the folder. Where ``target`` cannot be replaced (a folder is in the way, another
    user's damaged file in a shared folder), the verified download is kept beside it as
    ``<name>.kept-<pid>``, used, and found again by the next load.

    Returns:
        The file's path and where it came from.
    """
    import pooch  # only needed when downloading

    pooch.get_logger().setLevel(logging.WARNING)
    make_folder(target.parent)
    for stale in target.parent.glob(f".{target.name}.part-*"):
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.part-", dir=target.parent) as tmp:
        print(f"{remote.dataset}: downloading {remote.fname} from {remote.url}")
        downloader = pooch.HTTPDownloader(timeout=(10, 60), progressbar=True)
        got = Path(
            pooch.retrieve(
                remote.url, known_hash=None, fname=target.name, path=tmp, downloader=downloader
            )
        )
        if not verified(got, remote.sha256, remote.compression):
            raise CorruptDataError(
                f"the download from {remote.url} failed its checksum "
                f"(the file changed or the transfer was cut)"
            )
        got.chmod(0o644)  # the temporary file is private (0600): share it like the folder
        try:
            os.replace(got, target)
        except OSError as err:
            kept = target.with_name(f"{target.name}.kept-{os.getpid()}")
            os.replace(got, kept)
            why = "it is a folder" if target.is_dir() else err.strerror
            log.warning(
                "%s: the download cannot take the place of %s (%s); the verified file is "
                "kept as %s and used (remove %s to let the next download take its place)",
                remote.dataset,
                target,
                why,
                kept.name,
                target,
            )
            return kept, f"{remote.url}, downloaded into {kept}"
    return target, f"{remote.url}, downloaded into {target.parent}"


def _unavailable(
    remote: RemoteFile, looked: list[str], reason: str, *, fix: str = ""
) -> DataUnavailableError:
    """The one-line error for a file with no verified copy; ``fix`` replaces the usual
    first remedies when the cause is this machine's disk."""
    where = ", ".join(looked)
    cache_at_fault = reason.startswith((f"${DATA_ENV}", "the cache folder"))
    if fix:
        options = [fix]
    elif cache_at_fault:
        options = [f"set {DATA_ENV} to a writable folder"]
    else:
        options = [f"put a copy in {cache_dir() / remote.subdir} (or set ${DATA_ENV})"]
    if remote.accepts_path:
        options.append(PATH_FIX)
    if remote.url is not None and not (fix or cache_at_fault):
        options.insert(0, "connect to the internet once to download it")
    if remote.hint:
        options.append(remote.hint)
    message = (
        f"{remote.dataset}: no verified copy of {remote.fname} on this machine (looked in "
        f"{where}) and {reason}. To fix: {'; or '.join(options)}."
    )
    return DataUnavailableError(message, reason, tuple(options))
