"""Fetching data files: a verified cache, offline copies first, downloads through pooch.

Every file the book reads is described by a :class:`RemoteFile` with a pinned sha256. Finding
it follows the data policy (``DESIGN.md``): a verified copy already on this machine (the cache,
a copy a package ships, a path the user names) is used without touching the network; only
then is the file downloaded, by pooch, into the cache. pooch writes to a temporary file in
the cache folder, checks the hash and renames it into place, so an interrupted or corrupted
download never leaves a file where a good one is expected, and two processes fetching the same
file at once cannot corrupt it. A cached file whose hash does not match is moved aside and
never used.

Environment variables:
    HELPERS_DATA: the cache folder (default: ``~/.cache/helpers-data``, or
        ``$XDG_CACHE_HOME/helpers-data``).
    HELPERS_OFFLINE: set to 1 to never use the network (CI, trains, exams).
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

OFFLINE_ENV = "HELPERS_OFFLINE"
DATA_ENV = "HELPERS_DATA"
_CHUNK = 1 << 20


class DataUnavailableError(RuntimeError):
    """A dataset could not be found offline nor downloaded; the message says how to fix it.

    Attributes:
        reason: the short cause ("HELPERS_OFFLINE is set", "download ... failed: ...").
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class CorruptDataError(RuntimeError):
    """A data file's content does not match its pinned checksum."""


@dataclass(frozen=True)
class RemoteFile:
    """One data file: where it lives online, its checksum, and where copies may be offline.

    Attributes:
        dataset: the dataset's name, for messages ("MNIST").
        fname: the file name in the cache (``<cache>/<subdir>/<fname>``).
        sha256: the pinned checksum of the file's bytes.
        url: the canonical download address (``None``: offline sources only).
        subdir: the folder in the cache for this dataset.
        offline: other places a verified copy may be found (a package's data, a Debian
            package's folder, another library's cache).
        hint: what else the user can do, for the error message ("install the Debian
            package dataset-fashion-mnist").
    """

    dataset: str
    fname: str
    sha256: str
    url: str | None = None
    subdir: str = ""
    offline: tuple[Path, ...] = field(default_factory=tuple)
    hint: str = ""


def cache_dir() -> Path:
    """The data cache folder: ``$HELPERS_DATA``, else the user's cache folder."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "helpers-data"


def offline_mode() -> bool:
    """Whether ``$HELPERS_OFFLINE`` forbids network access."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes")


def sha256sum(path: Path) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified(path: Path, sha256: str) -> bool:
    """Whether ``path`` exists and has the expected checksum."""
    return path.is_file() and sha256sum(path) == sha256


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
        user = Path(path).expanduser()
        if not user.is_file():
            raise DataUnavailableError(f"{remote.dataset}: {user} does not exist; pass the path "
                                       f"of {remote.fname}, or leave path unset")
        if not verified(user, remote.sha256):
            raise CorruptDataError(f"{remote.dataset}: {user} is not the expected {remote.fname} "
                                   f"(sha256 mismatch); download it again from {remote.url}")
        return user, f"the file you named, {user}"

    cached = cache_dir() / remote.subdir / remote.fname
    if cached.is_file():
        if verified(cached, remote.sha256):
            return cached, f"cache {cached.parent}"
        bad = _quarantine(cached)
        logging.getLogger(__name__).warning("%s: cached %s failed its checksum; moved to %s",
                                            remote.dataset, cached.name, bad)
    for candidate in remote.offline:
        if verified(candidate, remote.sha256):
            return candidate, str(candidate.parent)

    looked = [str(cached), *map(str, remote.offline)]
    if remote.url is None:
        reason = "it has no download address"
        raise DataUnavailableError(_unavailable(remote, looked, reason), reason)
    if offline_mode():
        reason = f"{OFFLINE_ENV} is set"
        raise DataUnavailableError(_unavailable(remote, looked, reason), reason)
    try:
        _download(remote, cached)
    except CorruptDataError as err:
        raise DataUnavailableError(_unavailable(remote, looked, str(err)), str(err)) from None
    except Exception as err:  # noqa: BLE001 (requests, socket and OS errors all mean "no copy")
        reason = f"the download from {remote.url} failed ({type(err).__name__})"
        raise DataUnavailableError(_unavailable(remote, looked, reason), reason) from None
    return cached, f"downloaded from {remote.url} into {cached.parent}"


def _download(remote: RemoteFile, target: Path) -> None:
    """Download into ``target`` atomically, verifying the checksum (pooch does both)."""
    import pooch  # noqa: PLC0415 (only needed when downloading)

    pooch.get_logger().setLevel(logging.WARNING)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        pooch.retrieve(remote.url, known_hash=f"sha256:{remote.sha256}", fname=target.name,
                       path=target.parent, progressbar=False,
                       downloader=pooch.HTTPDownloader(timeout=(10, 60), progressbar=False))
    except ValueError as err:  # pooch's hash mismatch; it has already removed the download
        if "hash" in str(err).lower():
            raise CorruptDataError(f"the download from {remote.url} failed its checksum "
                                   f"(the file changed or the transfer was cut)") from None
        raise


def _unavailable(remote: RemoteFile, looked: list[str], reason: str) -> str:
    where = ", ".join(looked)
    options = [f"put a copy in {cache_dir() / remote.subdir} (or set ${DATA_ENV})",
               "pass path= to the loader"]
    if remote.url is not None:
        options.insert(0, "connect to the internet once to download it")
    if remote.hint:
        options.append(remote.hint)
    return (f"{remote.dataset}: no verified copy of {remote.fname} on this machine (looked in "
            f"{where}) and {reason}. To fix: {'; or '.join(options)}.")
