"""Datasets built by a stated recipe: from real images, or synthetic where no real data ships.

- :func:`make_fashion_mosaics`: multi-label images, 2 x 2 mosaics of real Fashion-MNIST items
  labelled with the set of classes present (lecture 14).
- :func:`make_fashion_locations`: image regression, one real Fashion-MNIST item placed on a
  larger canvas, the target its centre (lecture 14).
- :func:`make_fashion_pair`: a binary task between two real Fashion-MNIST classes, sized and
  balanced like the course's image competition (lecture 09).
- :func:`load_acoustic_scenes`: log-mel spectrogram sequences (40 bands x 501 frames) shaped
  like the course's acoustic-scene competition: the real data from a folder you name, else a
  synthetic stand-in, always announced as such (lecture 08).

Train and test sets are built from the canonical Fashion-MNIST train and test items
respectively, so no item appears on both sides of a split.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from helpers.datasets import Dataset, load_fashion_mnist
from helpers.fetch import DataUnavailableError, needed_for


@functools.lru_cache(maxsize=1)
def _fashion() -> Dataset:
    """Fashion-MNIST, read once per process for all constructions (they only index it).

    Raises:
        DataUnavailableError: it is not on this machine (without the loader's ``path=``
            option, which the constructions do not take).
    """
    try:
        return load_fashion_mnist()
    except DataUnavailableError as err:
        raise needed_for(err, "this construction is made of Fashion-MNIST images") from None


def _check_count(name: str, value: int, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be a whole number >= {low}, not {value!r}")
    return int(value)


def make_fashion_mosaics(
    n_train: int = 6000, n_test: int = 1000, *, grid: int = 2, p_empty: float = 0.25, seed: int = 0
) -> Dataset:
    """Multi-label images: a ``grid`` x ``grid`` mosaic of Fashion-MNIST items.

    Each cell holds a random item (or stays empty with probability ``p_empty``); the label is
    the multi-hot vector of the classes present, so an image has between 0 and grid**2
    positive labels (an empty mosaic is redrawn).

    Returns:
        Dataset (kind ``constructed``) with ``x_train`` (n, 28*grid, 28*grid) uint8,
        ``y_train`` (n, 10) multi-hot uint8, ``x_test``, ``y_test`` and ``class_names``.
    """
    n_train, n_test = _check_count("n_train", n_train), _check_count("n_test", n_test)
    grid = _check_count("grid", grid)
    if not 0 <= p_empty < 1:
        raise ValueError(f"p_empty must be in [0, 1), not {p_empty!r}")
    fashion = _fashion()
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", n_train), ("test", n_test)):
        items, labels = fashion[f"x_{split}"], fashion[f"y_{split}"]
        picks = rng.integers(0, len(items), size=(n, grid * grid))
        used = rng.random((n, grid * grid)) >= p_empty
        used[~used.any(axis=1), 0] = True  # every mosaic shows at least one item
        tiles = np.where(used[..., None, None], items[picks], 0)
        x = tiles.reshape(n, grid, grid, 28, 28).transpose(0, 1, 3, 2, 4)
        y = np.zeros((n, 10), np.uint8)
        rows = np.repeat(np.arange(n), grid * grid)[used.ravel()]
        y[rows, labels[picks][used]] = 1
        arrays[f"x_{split}"], arrays[f"y_{split}"] = x.reshape(n, 28 * grid, 28 * grid), y
    note = (
        f"{grid}x{grid} mosaics of Fashion-MNIST items, labelled with the classes present; "
        f"train from train items, test from test items, seed {seed}"
    )
    return Dataset(
        "Fashion-MNIST mosaics",
        arrays,
        fashion.source,
        "constructed",
        note,
        {"class_names": fashion.class_names},
    ).announce()


def make_fashion_pair(
    positive: str = "Shirt",
    negative: str = "T-shirt/top",
    *,
    n_positive: int = 1448,
    n_negative: int = 847,
    n_test: int = 1531,
    first_item: int = 0,
    seed: int = 0,
) -> Dataset:
    """A binary task between two Fashion-MNIST classes, sized like the image competition of
    the course (seed 003: 2,295 labelled photos, 1,448 of one class and 847 of the other, and
    1,531 test photos).

    The labelled images come from the training items, the test images from the test items,
    in the same proportions. Label 1 is ``positive``. With ``first_item=40_000`` the labelled
    images come only from training items 40,000 onwards, which the ``"fashion-mnist-40k"``
    body of :mod:`helpers.backbones` never saw.

    Returns:
        Dataset (kind ``constructed``) with ``x_train`` (n, 28, 28) uint8, ``y_train`` (n,)
        int in {0, 1}, ``x_test``, ``y_test`` and ``class_names`` ``[negative, positive]``.

    Raises:
        ValueError: an unknown class name, the same class twice, counts too large, or a
            ``first_item`` outside the training set.
    """
    fashion = _fashion()
    if not 0 <= first_item < len(fashion.y_train):
        raise ValueError(
            f"first_item must be a training item, 0 to {len(fashion.y_train) - 1:,}; "
            f"got {first_item!r}"
        )
    names = list(fashion.class_names)
    for name in (positive, negative):
        if name not in names:
            raise ValueError(f"unknown Fashion-MNIST class {name!r}: use one of {names}")
    if positive == negative:
        raise ValueError(f"positive and negative must be different classes, both are {positive!r}")
    n_pos, n_neg = _check_count("n_positive", n_positive), _check_count("n_negative", n_negative)
    n_test = _check_count("n_test", n_test, low=2)
    test_pos = round(n_test * n_pos / (n_pos + n_neg))
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, counts in (("train", (n_neg, n_pos)), ("test", (n_test - test_pos, test_pos))):
        labels = fashion[f"y_{split}"]
        start = first_item if split == "train" else 0
        picks = []
        for name, count in zip((negative, positive), counts):
            pool = start + np.flatnonzero(labels[start:] == names.index(name))
            if count > len(pool):
                where = f" from item {start:,} on" if start else ""
                raise ValueError(
                    f"{split}: asked for {count} {name!r} items, Fashion-MNIST has "
                    f"{len(pool)}{where}"
                )
            picks.append(rng.choice(pool, count, replace=False))
        order = rng.permutation(np.concatenate(picks))
        arrays[f"x_{split}"] = fashion[f"x_{split}"][order]
        arrays[f"y_{split}"] = (labels[order] == names.index(positive)).astype(np.int64)
    train_items = f"train items {first_item:,} on" if first_item else "train items"
    note = (
        f"{positive!r} (label 1) against {negative!r} (label 0), {n_pos:,} + {n_neg:,} labelled "
        f"like the course's image competition; train from {train_items}, test from test items"
    )
    return Dataset(
        "Fashion-MNIST pair",
        arrays,
        fashion.source,
        "constructed",
        note,
        {"class_names": [negative, positive]},
    ).announce()


def make_fashion_locations(
    n_train: int = 6000,
    n_test: int = 1000,
    *,
    canvas: int = 64,
    frames_per_item: int = 1,
    seed: int = 0,
) -> Dataset:
    """Image regression: a Fashion-MNIST item pasted at a random place on a blank canvas.

    With ``frames_per_item`` > 1 the images come in short "video clips": each item appears in
    that many consecutive images, moving at most 2 pixels per frame, like the frames of one
    person in a head-pose dataset. ``g_train`` / ``g_test`` then say which clip an image is
    from, so that a validation split can keep clips together.

    Returns:
        Dataset (kind ``constructed``) with ``x_train`` (n, canvas, canvas) uint8,
        ``y_train`` (n, 2) float32, the item's centre as (row, column) in pixels, the item's
        class in ``c_train``, its clip in ``g_train``, and the same for test.
    """
    n_train, n_test = _check_count("n_train", n_train), _check_count("n_test", n_test)
    canvas = _check_count("canvas", canvas, low=28)
    frames = _check_count("frames_per_item", frames_per_item)
    fashion = _fashion()
    rng = np.random.default_rng(seed)
    arrays = {}
    high = canvas - 28
    for split, n in (("train", n_train), ("test", n_test)):
        items, labels = fashion[f"x_{split}"], fashion[f"y_{split}"]
        clips = -(-n // frames)
        picks = np.repeat(rng.integers(0, len(items), size=clips), frames)[:n]
        group = np.repeat(np.arange(clips), frames)[:n]
        start = rng.integers(0, high + 1, size=(clips, 2))
        steps = rng.integers(-2, 3, size=(clips, frames, 2))
        steps[:, 0] = 0
        corner = np.clip(start[:, None] + np.cumsum(steps, axis=1), 0, high)
        top, left = corner.reshape(-1, 2)[:n].T
        x = np.zeros((n, canvas, canvas), np.uint8)
        for k in range(n):
            x[k, top[k] : top[k] + 28, left[k] : left[k] + 28] = items[picks[k]]
        arrays[f"x_{split}"] = x
        arrays[f"y_{split}"] = np.stack([top + 13.5, left + 13.5], axis=1).astype(np.float32)
        arrays[f"c_{split}"] = labels[picks]
        arrays[f"g_{split}"] = group
    clip_note = f", in clips of {frames} frames" if frames > 1 else ""
    note = (
        f"Fashion-MNIST items at random places on a {canvas}x{canvas} canvas{clip_note}, "
        f"target the item's centre (row, column); train from train items, test from test "
        f"items"
    )
    return Dataset(
        "Fashion-MNIST locations",
        arrays,
        fashion.source,
        "constructed",
        note,
        {"class_names": fashion.class_names},
    ).announce()


# --------------------------------------------------------------------------- acoustic scenes
SCENES = ["street", "beach", "park", "metro", "office", "cafe"]
EVENTS = ["car", "wave", "bird", "whine", "click", "clink"]  # one per scene, in that order
N_MELS, N_FRAMES = 40, 501


def load_acoustic_scenes(
    n_per_class: int = 100,
    *,
    path: str | os.PathLike | None = None,
    places_per_class: int = 8,
    seed: int = 0,
) -> Dataset:
    """Log-mel spectrogram sequences, 40 mel bands x 501 frames, one acoustic scene each.

    With ``path``: the course competition's data, a folder holding ``X_train.npy`` (n, 40,
    501) and ``y_train.csv`` (a ``scene_label`` column, and optionally a location or block
    column named ``location`` or ``block`` for group-aware cross-validation).

    Without it: a SYNTHETIC stand-in (no real acoustic-scene audio ships offline), built so
    that the lecture's points can be made on it:

    - Order matters. Street and beach have the same noise colour and the same number and size
      of loud passages; a car's sound swells slowly and stops quickly, a wave breaks suddenly
      and ebbs slowly. Each is the other reversed in time, so statistics of the frames that
      ignore their order (mean, spread, histogram per band) cannot tell them apart. The other
      four scenes differ in their spectrum too: bird chirps that sweep upwards (park), a hum
      and a rising whine (metro), clicks (office), babble and clinks (cafe).
    - Places are nested in scenes, as in real recordings: each of ``places_per_class`` places
      per scene adds its signature (a hum line and a room colouring), so a split that puts
      recordings of one place on both sides leaks.
    - Frame labels: ``events`` (n, 501, 6) says in which frames each event sounds (the
      scene's own event; see ``event_names``), for an event roll.

    Values are in dB, like ``librosa.power_to_db`` output.

    Returns:
        Dataset with ``X`` (n, 40, 501) float32, ``y`` (scene index), ``groups`` (place),
        ``events`` (n, 501, 6) uint8 for the synthetic set, ``class_names``, ``event_names``.

    Raises:
        DataUnavailableError: ``path`` lacks ``X_train.npy`` or ``y_train.csv``.
        ValueError: either file is damaged, empty or of the wrong shape (the error names it).
    """
    if path is not None:
        return _load_scene_folder(Path(path).expanduser())
    n_per_class = _check_count("n_per_class", n_per_class)
    places_per_class = _check_count("places_per_class", places_per_class)
    rng = np.random.default_rng(seed)
    mel = np.linspace(0, 1, N_MELS)[:, None]  # 0 = lowest band, 1 = highest
    t = np.arange(N_FRAMES)[None, :]
    n_places = places_per_class * len(SCENES)
    # A place: a hum line at one band, and a tilt of the whole spectrum (the room).
    place_hum = rng.integers(2, 12, size=n_places)
    place_tilt = rng.normal(0, 3, size=n_places)
    y = np.repeat(np.arange(len(SCENES)), n_per_class)
    groups = y * places_per_class + rng.integers(0, places_per_class, size=len(y))
    X = np.empty((len(y), N_MELS, N_FRAMES), np.float32)
    events = np.zeros((len(y), N_FRAMES, len(EVENTS)), np.uint8)
    for k, (label, place) in enumerate(zip(y, groups)):
        spectrogram, active = _scene(SCENES[label], rng, mel, t)
        X[k] = spectrogram + _place(place_hum[place], place_tilt[place], mel)
        events[k, :, label] = active
    note = (
        f"{len(SCENES)} classes x {n_per_class} recordings from {n_places} places "
        f"({places_per_class} per class), seed {seed}; pass path= for the real competition data"
    )
    return Dataset(
        "Acoustic scenes",
        {"X": X, "y": y, "groups": groups, "events": events},
        "helpers.constructed's generator",
        "synthetic",
        note,
        {"class_names": SCENES, "event_names": EVENTS},
    ).announce()


def _place(hum_band: int, tilt: float, mel: np.ndarray) -> np.ndarray:
    hum = np.zeros_like(mel)
    hum[hum_band] = 6.0
    return hum + tilt * (mel - 0.5)


def _colour(slope: float, level: float, mel: np.ndarray) -> np.ndarray:
    """A stationary noise floor in dB: louder low bands for negative slopes (brown-ish)."""
    return level + slope * mel


def _passages(rng: np.random.Generator, reverse: bool) -> np.ndarray:
    """Loudness (dB) over time: 8-13 passages that swell for 90 % of their length and stop in
    the last 10 % (``reverse``: start suddenly, fade slowly), at random, non-overlapping
    times."""
    lengths = rng.integers(15, 31, size=rng.integers(8, 14))
    gaps = rng.dirichlet(np.ones(len(lengths) + 1)) * (N_FRAMES - lengths.sum())
    envelope = np.zeros(N_FRAMES)
    start = gaps[0]
    for length, gap in zip(lengths, gaps[1:]):
        rise = int(0.9 * length)
        shape = np.concatenate([np.linspace(0, 1, rise), np.linspace(1, 0, length - rise)])
        shape = 12 * (shape[::-1] if reverse else shape)
        envelope[int(start) : int(start) + length] = shape
        start += length + gap
    return envelope


def _scene(
    name: str, rng: np.random.Generator, mel: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One recording's log-mel spectrogram in dB (before the place's signature), and the
    frames in which its scene's event sounds."""
    level = rng.normal(0, 2)  # recordings differ in gain
    frames = N_FRAMES
    noise = rng.normal(0, 2.0, size=(N_MELS, frames))  # frame-to-frame texture
    active = np.zeros(frames, np.uint8)
    if name in ("street", "beach"):
        # Same colour and the same passages, mirrored in time: cars swell and stop, waves
        # break and ebb.
        envelope = _passages(rng, reverse=name == "beach")
        active[envelope > 3] = 1
        return _colour(-22, -20 + level, mel) + envelope[None, :] + noise, active
    if name == "park":
        s = _colour(-8, -38 + level, mel) + noise
        for start in rng.integers(0, frames - 12, size=rng.integers(6, 14)):
            band0 = rng.integers(24, 32)
            for j in range(10):  # a chirp sweeping upwards, one band every other frame
                s[min(band0 + j // 2, N_MELS - 1), start + j] += 18
            active[start : start + 10] = 1
        return s, active
    if name == "metro":
        s = _colour(-25, -22 + level, mel) + noise
        s[rng.integers(3, 6)] += 10  # traction hum
        start = rng.integers(50, frames - 150)
        for j in range(120):  # departure: a whine that rises in pitch
            s[min(12 + j // 10, N_MELS - 1), start + j] += 14
        active[start : start + 120] = 1
        return s, active
    if name == "office":
        s = _colour(-10, -42 + level, mel) + noise
        clicks = rng.integers(0, frames, size=rng.integers(30, 60))
        s[:, clicks] += rng.uniform(10, 18, size=(1, len(clicks)))  # broadband transients
        active[clicks] = 1
        return s, active
    # cafe: babble in the speech bands, with cutlery clinks high up
    s = _colour(-12, -30 + level, mel) + noise
    speech = np.exp(-0.5 * ((mel[:, 0] - 0.35) / 0.12) ** 2)[:, None]
    s += 8 * speech * (1 + 0.5 * np.sin(2 * np.pi * t / rng.uniform(15, 25)))
    clinks = rng.integers(0, frames, size=rng.integers(5, 12))
    s[28:, clinks] += 15
    active[clinks] = 1
    return s, active


def _first_line(err: Exception | str) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _load_scene_folder(folder: Path) -> Dataset:
    import pandas as pd

    x_file, y_file = folder / "X_train.npy", folder / "y_train.csv"
    missing = [f.name for f in (x_file, y_file) if not f.is_file()]
    if missing:
        raise DataUnavailableError(
            f"acoustic scenes: {folder} has no {missing[0]}; pass the "
            "folder with the competition's X_train.npy and y_train.csv"
        )
    try:
        X = np.load(x_file, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        # numpy's advice for pickled data (load it unsafely) is not advice for a student
        reason = "pickled objects: allow_pickle=False" if "pickle" in str(err) else err
        raise ValueError(
            f"{x_file} is not a readable numpy array ({_first_line(reason)}); copy the "
            "competition's X_train.npy again, or write yours with np.save"
        ) from None
    if X.ndim != 3 or X.shape[1:] != (N_MELS, N_FRAMES):
        raise ValueError(f"{x_file} has shape {X.shape}; expected (n, {N_MELS}, {N_FRAMES})")
    try:
        table = pd.read_csv(y_file)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(
            f"{y_file} is not a readable CSV file ({_first_line(err)}); it needs a "
            "scene_label column and one row per spectrogram"
        ) from None
    if "scene_label" not in table.columns or len(table) != len(X):
        raise ValueError(
            f"{y_file} needs a scene_label column and one row per spectrogram "
            f"({len(X)}); it has columns {list(table.columns)}, {len(table)} rows"
        )
    class_names = sorted(table["scene_label"].astype(str).unique())
    arrays = {
        "X": X.astype(np.float32),
        "y": np.searchsorted(class_names, table["scene_label"].astype(str)),
    }
    for column in ("location", "block"):
        if column in table.columns:
            arrays["groups"] = table[column].to_numpy()
            break
    return Dataset(
        "Acoustic scenes", arrays, str(folder), "full", info={"class_names": class_names}
    ).announce()
