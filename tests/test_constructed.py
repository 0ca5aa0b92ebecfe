"""helpers.constructed: the sets built from real ones (mosaics, locations) and the scenes."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import constructed, datasets
from helpers.fetch import DataUnavailableError

needs_fashion = pytest.mark.skipif(
    not datasets.FASHION_DEBIAN.is_dir(),
    reason="Fashion-MNIST offline copy missing: apt-get install dataset-fashion-mnist",
)


@needs_fashion
def test_mosaic_labels_are_the_classes_of_their_tiles():
    fashion = datasets.load_fashion_mnist()
    lookup = {item.tobytes(): label for item, label in zip(fashion.x_test, fashion.y_test)}
    ds = constructed.make_fashion_mosaics(n_train=10, n_test=50, seed=3)
    assert ds.kind == "constructed" and ds.x_test.shape == (50, 56, 56)
    for image, labels in zip(ds.x_test, ds.y_test):
        tiles = [image[r : r + 28, c : c + 28] for r in (0, 28) for c in (0, 28)]
        present = {lookup[t.tobytes()] for t in tiles if t.any()}  # test tiles: test items
        assert present == set(np.flatnonzero(labels))


@needs_fashion
def test_pair_is_sized_like_the_competition_and_labels_the_right_items(capsys):
    fashion = datasets.load_fashion_mnist()
    shirts = {item.tobytes() for item in fashion.x_test[fashion.y_test == 6]}
    ds = constructed.make_fashion_pair(seed=1)
    assert "CONSTRUCTED ('Shirt' (label 1) against 'T-shirt/top'" in capsys.readouterr().out
    assert ds.x_train.shape == (2295, 28, 28) and ds.y_train.sum() == 1448
    assert len(ds.y_test) == 1531 and ds.y_test.sum() == round(1531 * 1448 / 2295)
    assert all((x.tobytes() in shirts) == bool(y) for x, y in zip(ds.x_test, ds.y_test))
    assert ds.class_names == ["T-shirt/top", "Shirt"]
    assert 0.3 < ds.y_train[:100].mean() < 0.9  # shuffled, not sorted by class


@needs_fashion
def test_pair_from_a_first_item_draws_labelled_images_only_from_there(capsys):
    """Lecture 09's competition: labelled images the 40k body never saw, test items as usual."""
    fashion = datasets.load_fashion_mnist()
    late = {item.tobytes() for item in fashion.x_train[40_000:]}
    early = {item.tobytes() for item in fashion.x_train[:40_000]} - late  # duplicates aside
    ds = constructed.make_fashion_pair("Coat", "Pullover", first_item=40_000)
    assert "train from train items 40,000 on" in capsys.readouterr().out
    assert ds.x_train.shape == (2295, 28, 28) and ds.class_names == ["Pullover", "Coat"]
    assert all(x.tobytes() in late and x.tobytes() not in early for x in ds.x_train)
    coats = {item.tobytes() for item in fashion.x_train[fashion.y_train == 4]}
    assert all((x.tobytes() in coats) == bool(y) for x, y in zip(ds.x_train, ds.y_train))


@needs_fashion
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"positive": "Shirts"}, "unknown Fashion-MNIST class 'Shirts'"),
        ({"negative": "Shirt"}, "must be different classes"),
        ({"n_positive": 7000}, "asked for 7000 'Shirt' items, Fashion-MNIST has 6000"),
        (
            {"first_item": 55_000},
            r"asked for 847 'T-shirt/top' items, Fashion-MNIST has \d+ from item 55,000 on",
        ),
        ({"first_item": 60_000}, "first_item must be a training item, 0 to 59,999"),
        ({"first_item": -1}, "first_item must be a training item"),
    ],
)
def test_pair_arguments_are_checked(bad, message):
    with pytest.raises(ValueError, match=message):
        constructed.make_fashion_pair(**bad)


@needs_fashion
def test_location_targets_are_the_item_centres():
    ds = constructed.make_fashion_locations(n_train=10, n_test=20, canvas=48)
    for image, (row, col) in zip(ds.x_test, ds.y_test):
        top, left = int(row - 13.5), int(col - 13.5)
        inside = image[top : top + 28, left : left + 28]
        assert image.sum() == inside.astype(int).sum()  # nothing outside the item's box


@needs_fashion
def test_location_clips_keep_one_item_and_move_a_little():
    ds = constructed.make_fashion_locations(n_train=23, n_test=5, canvas=48, frames_per_item=5)
    assert ds.g_train.tolist() == np.repeat(np.arange(5), 5)[:23].tolist()
    assert np.all((ds.y_train >= 13.5) & (ds.y_train <= 48 - 14.5))
    for clip in range(5):
        frames = ds.g_train == clip
        assert len(set(ds.c_train[frames])) == 1
        assert np.abs(np.diff(ds.y_train[frames], axis=0)).max() <= 2
    with pytest.raises(ValueError, match="frames_per_item"):
        constructed.make_fashion_locations(n_train=5, n_test=5, frames_per_item=0)


def test_synthetic_scenes_are_named_and_shaped(capsys):
    ds = constructed.load_acoustic_scenes(n_per_class=5, places_per_class=3)
    assert "SYNTHETIC" in capsys.readouterr().out and ds.kind == "synthetic"
    assert ds.X.shape == (30, 40, 501) and ds.X.dtype == np.float32
    assert np.bincount(ds.y).tolist() == [5] * 6
    assert ds.events.shape == (30, 501, 6) and ds.event_names[:2] == ["car", "wave"]


def test_places_are_nested_in_scenes_and_events_belong_to_their_scene():
    ds = constructed.load_acoustic_scenes(n_per_class=20, places_per_class=4)
    for place in np.unique(ds.groups):
        assert len(set(ds.y[ds.groups == place])) == 1  # a place records one scene
    assert len(np.unique(ds.groups)) <= 24
    for label in range(6):
        sounding = ds.events[:, :, label].any(axis=1)
        assert sounding[ds.y == label].all() and not sounding[ds.y != label].any()


def _street_and_beach(n=150, seed=0):
    rng = np.random.default_rng(seed)
    mel, t = np.linspace(0, 1, 40)[:, None], np.arange(501)[None, :]
    y = np.arange(2 * n) % 2
    X = np.stack([constructed._scene(constructed.SCENES[k], rng, mel, t)[0] for k in y])
    return X, y


def test_street_and_beach_differ_only_in_order():
    """Order-free statistics of the frames cannot tell street from beach; the direction of
    the loud passages' steep edge (an order statistic) can."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    X, y = _street_and_beach()
    bag = np.hstack([X.mean(axis=2), X.std(axis=2), np.percentile(X, 90, axis=2)])
    assert cross_val_score(LogisticRegression(max_iter=3000), bag, y, cv=5).mean() < 0.65
    steps = np.diff(X.mean(axis=1), axis=1)  # the band-averaged loudness, frame to frame
    edges = np.c_[(steps > 1.5).sum(axis=1), (steps < -1.5).sum(axis=1)]
    assert cross_val_score(LogisticRegression(), edges, y, cv=5).mean() > 0.9
    rng = np.random.default_rng(1)
    cars, waves = (
        constructed._passages(rng, False),
        constructed._passages(np.random.default_rng(1), True),
    )
    np.testing.assert_allclose(np.sort(cars), np.sort(waves))  # the same loudness values
    assert not np.allclose(cars, waves)


def test_a_random_split_leaks_places():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_score

    ds = constructed.load_acoustic_scenes(n_per_class=40)
    bag = np.hstack([ds.X.mean(axis=2), ds.X.std(axis=2)])
    model = LogisticRegression(max_iter=3000)
    shuffled = StratifiedKFold(5, shuffle=True, random_state=0)
    random_split = cross_val_score(model, bag, ds.y, cv=shuffled).mean()
    grouped = cross_val_score(model, bag, ds.y, cv=GroupKFold(5), groups=ds.groups).mean()
    assert random_split > grouped + 0.03, (random_split, grouped)


def test_scene_folder_checks_shapes_and_refuses_pickles(tmp_path):
    np.save(tmp_path / "X_train.npy", np.zeros((2, 40, 500), np.float32))
    (tmp_path / "y_train.csv").write_text("scene_label\nbeach\npark\n")
    with pytest.raises(ValueError, match=r"expected \(n, 40, 501\)"):
        constructed.load_acoustic_scenes(path=tmp_path)
    np.save(tmp_path / "X_train.npy", np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        constructed.load_acoustic_scenes(path=tmp_path)
    np.save(tmp_path / "X_train.npy", np.zeros((2, 40, 501), np.float32))
    ds = constructed.load_acoustic_scenes(path=tmp_path)
    assert ds.kind == "full" and ds.class_names == ["beach", "park"]
    with pytest.raises(DataUnavailableError, match="has no X_train.npy"):
        constructed.load_acoustic_scenes(path=tmp_path / "nowhere")


@pytest.mark.parametrize("bad", [{"n_train": 0}, {"grid": -1}, {"p_empty": 1.0}])
def test_bad_arguments_are_clear(bad):
    with pytest.raises(ValueError, match="must be"):
        constructed.make_fashion_mosaics(**bad)


@pytest.mark.parametrize("bad", [True, False])
def test_counts_are_not_booleans(bad):
    with pytest.raises(ValueError, match="must be a whole number"):
        constructed.make_fashion_mosaics(n_train=bad)


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("y_train.csv", b"", r"y_train.csv is not a readable CSV file \(No columns"),
        ("y_train.csv", b"\xff\xfe\x00\x01binary\x00\x80junk", r"y_train.csv is not a readable"),
        ("X_train.npy", b"", r"X_train.npy is not a readable numpy array"),
        ("X_train.npy", b"not numpy at all" * 8, r"X_train.npy is not a readable.*pickled"),
        ("X_train.npy", "truncated", r"X_train.npy is not a readable numpy array \(Failed"),
    ],
)
def test_damaged_scene_files_are_named_in_one_line(tmp_path, file, content, message):
    np.save(tmp_path / "X_train.npy", np.zeros((2, 40, 501), np.float32))
    (tmp_path / "y_train.csv").write_text("scene_label\nbeach\npark\n")
    if content == "truncated":
        content = (tmp_path / file).read_bytes()[:1000]
    (tmp_path / file).write_bytes(content)
    with pytest.raises(ValueError, match=message) as error:
        constructed.load_acoustic_scenes(path=tmp_path)
    assert "\n" not in str(error.value) and "unsafely" not in str(error.value)


def test_no_fashion_mnist_offers_only_fixes_that_exist(monkeypatch):
    """The constructions take no path=, so their error does not offer the loader's."""
    from helpers import constructed, datasets
    from helpers import fetch as F  # noqa: N812

    missing = F.RemoteFile("Fashion-MNIST", "x.gz", "0" * 64, "http://x", accepts_path=True)
    monkeypatch.setattr(constructed, "load_fashion_mnist", lambda: F.fetch(missing))
    monkeypatch.setattr(datasets, "load_fashion_mnist", lambda: F.fetch(missing))
    constructed._fashion.cache_clear()
    try:
        with pytest.raises(F.DataUnavailableError) as err:
            constructed.make_fashion_pair()
    finally:
        constructed._fashion.cache_clear()
    message = str(err.value)
    assert "path=" not in message and "\n" not in message
    assert message.startswith("this construction is made of Fashion-MNIST images, and ")
