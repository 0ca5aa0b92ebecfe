"""helpers.backbones: the bodies, their groups, and the pretrained cache (on a tiny stand-in)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("keras")


def test_fashion_body_takes_any_size_and_has_three_groups():
    from helpers import backbones

    body = backbones.fashion_body()
    assert body(np.zeros((1, 28, 28, 1), "float32")).shape == (1, 7, 7, 64)
    assert body(np.zeros((1, 56, 56, 1), "float32")).shape == (1, 14, 14, 64)
    groups = backbones.fashion_groups(body)
    copy = backbones.Backbone(body, groups, "fashion-mnist", "").copy()
    assert copy.model is not body and copy.groups[0][0] is not groups[0][0]
    assert [[x.name for x in g] for g in copy.groups] == [[x.name for x in g] for g in groups]
    convs = [layer for g in groups for layer in g if "conv" in layer.name]
    assert len(groups) == 3 and len(convs) == 6


def test_imagenet_backbone_architecture_and_groups():
    from helpers import backbones

    b = backbones._imagenet_backbone(1, weights=None)
    assert b.model(np.zeros((2, 28, 28, 1), "float32")).shape == (2, 3, 3, 1280)
    sizes = [len(g) for g in b.groups]
    assert len(sizes) == 3 and min(sizes) > 10
    assert b.groups[0][1].name == "Conv1" and b.groups[2][-1].name == "out_relu"


def test_load_backbone_errors(monkeypatch):
    from helpers import backbones
    from helpers.fetch import DataUnavailableError

    with pytest.raises(ValueError, match="unknown backbone source"):
        backbones.load_backbone("resnet")
    with pytest.raises(ValueError, match="channels"):
        backbones.load_backbone("fashion-mnist", channels=2)
    monkeypatch.setenv("HELPERS_OFFLINE", "1")
    with pytest.raises(DataUnavailableError, match="load_backbone\\('fashion-mnist'\\)"):
        backbones.load_backbone("imagenet")


def _tiny_fashion(monkeypatch):
    """A tiny random stand-in for Fashion-MNIST, so that pretraining takes a second."""
    from helpers import datasets

    rng = np.random.default_rng(0)
    tiny = datasets.Dataset(
        "tiny",
        {
            "x_train": rng.integers(0, 255, (64, 28, 28), np.uint8),
            "y_train": rng.integers(0, 10, 64),
            "x_test": rng.integers(0, 255, (32, 28, 28), np.uint8),
            "y_test": rng.integers(0, 10, 32),
        },
        "test",
        "synthetic",
    )
    monkeypatch.setattr(datasets, "load_fashion_mnist", lambda: tiny)


BODY_FILES = ["fashion_mnist_convnet_v1.weights.h5", "fashion_mnist_convnet_v1.weights.h5.json"]


def test_fashion_backbone_is_pretrained_once_cached_and_verified(
    monkeypatch, private_cache, capsys
):
    """Pretraining (on a tiny stand-in here, for speed) writes weights and a record; the
    next load reuses them; a tampered file is noticed and replaced."""
    from helpers import backbones
    from helpers.fetch import sha256sum

    _tiny_fashion(monkeypatch)
    first = backbones.load_backbone("auto")
    out = capsys.readouterr().out
    assert "ImageNet weights unavailable (HELPERS_OFFLINE is set)" in out
    assert "pretraining the Fashion-MNIST body" in out and first.source == "fashion-mnist"
    assert "Epoch 2/2" in out  # progress, one line per epoch
    folder = private_cache / "backbones"
    assert sorted(p.name for p in folder.iterdir()) == BODY_FILES
    record = json.loads((folder / BODY_FILES[1]).read_text())
    assert record["epochs"] == 2 and record["sha256"] == sha256sum(folder / BODY_FILES[0])
    # The accuracy was measured on the 32 test images: a whole number of them.
    assert record["test_accuracy"] * 32 == pytest.approx(
        round(record["test_accuracy"] * 32), abs=0.01
    )
    second = backbones.load_backbone("fashion-mnist")
    assert "pretraining" not in capsys.readouterr().out
    for a, b in zip(first.model.get_weights(), second.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with open(folder / "fashion_mnist_convnet_v1.weights.h5", "ab") as f:
        f.write(b"tampered")
    backbones.load_backbone("fashion-mnist")
    assert "does not match its record; pretraining it again" in capsys.readouterr().out


def test_backbone_record_without_a_key_is_pretrained_again(monkeypatch, private_cache, capsys):
    from helpers import backbones

    _tiny_fashion(monkeypatch)
    backbones.load_backbone("fashion-mnist")
    record = private_cache / "backbones" / BODY_FILES[1]
    meta = json.loads(record.read_text())
    del meta["epochs"]
    record.write_text(json.dumps(meta))
    capsys.readouterr()
    backbone = backbones.load_backbone("fashion-mnist")
    assert "lacks epochs; pretraining it again" in capsys.readouterr().out
    assert "epochs" in json.loads(record.read_text()) and "2 epochs" in backbone.note


def test_read_only_cache_keeps_the_pretrained_body_in_memory(
    monkeypatch, private_cache, capsys, make_read_only
):
    """Pretraining with a cache it cannot write to: said first, then trained, kept usable."""
    from helpers import backbones

    _tiny_fashion(monkeypatch)
    make_read_only(private_cache)
    backbone = backbones.load_backbone("fashion-mnist")
    out = capsys.readouterr().out
    assert out.index("is not writable") < out.index("pretraining the Fashion-MNIST body")
    assert "set HELPERS_DATA to a writable folder to keep it" in out
    assert "kept in memory only" in backbone.note and list(private_cache.iterdir()) == []
    assert backbone.model(np.zeros((1, 28, 28, 1), "float32")).shape == (1, 7, 7, 64)


def test_make_data_refuses_a_read_only_cache_before_training(
    monkeypatch, private_cache, capsys, make_read_only
):
    from helpers import backbones
    from helpers.fetch import CacheFolderError

    _tiny_fashion(monkeypatch)
    make_read_only(private_cache)
    with pytest.raises(
        CacheFolderError, match=r"backbones is not writable \(.*\); set HELPERS_DATA"
    ):
        backbones.ensure_fashion_body()
    assert "pretraining" not in capsys.readouterr().out


def test_half_body_is_pretrained_on_half_of_the_classes_only(monkeypatch, private_cache, capsys):
    """The second body learns classes 0, 1, 3, 5, 7 (a 5-way head) and has its own files;
    lecture 09's competition classes (pullover 2, coat 4) are not among them."""
    from helpers import backbones

    _tiny_fashion(monkeypatch)
    half = backbones.load_backbone("fashion-mnist-half")
    out = capsys.readouterr().out
    assert "pretraining the Fashion-MNIST body of classes 0, 1, 3, 5, 7" in out
    assert half.source == "fashion-mnist-half" and "classes 0, 1, 3, 5, 7 only" in half.note
    file = backbones.FASHION_BODIES["fashion-mnist-half"].file
    record = json.loads((private_cache / "backbones" / (file + ".json")).read_text())
    assert record["classes"] == [0, 1, 3, 5, 7] and not {2, 4} & set(record["classes"])
    assert not (private_cache / "backbones" / BODY_FILES[0]).exists()  # the full body: untouched


def test_body_cached_for_other_classes_is_pretrained_again(monkeypatch, private_cache, capsys):
    """A cache left by another version of helpers (same file, other classes or epochs) is not
    taken for the body asked for."""
    from helpers import backbones

    _tiny_fashion(monkeypatch)
    backbones.load_backbone("fashion-mnist-half")
    file = backbones.FASHION_BODIES["fashion-mnist-half"].file
    record = private_cache / "backbones" / (file + ".json")
    meta = json.loads(record.read_text())
    record.write_text(json.dumps({**meta, "classes": [1, 3, 5, 7, 9]}))
    capsys.readouterr()
    backbones.load_backbone("fashion-mnist-half")
    out = capsys.readouterr().out
    assert (
        "it was pretrained on classes 1, 3, 5, 7, 9 for 2 epochs, not on classes 0, 1, 3, 5, 7 "
        "for 2; pretraining it again"
    ) in out
    assert json.loads(record.read_text())["classes"] == [0, 1, 3, 5, 7]
    record.write_text(json.dumps({**meta, "epochs": 1}))
    backbones.load_backbone("fashion-mnist-half")
    assert "for 1 epochs, not on classes 0, 1, 3, 5, 7 for 2" in capsys.readouterr().out


def test_40k_body_is_pretrained_on_the_first_items_only(monkeypatch, private_cache, capsys):
    """The third body learns all ten classes from the first items only (40 of the tiny 64)."""
    from helpers import backbones

    _tiny_fashion(monkeypatch)
    spec = backbones.FASHION_BODIES["fashion-mnist-40k"]
    assert spec.items == 40_000 and spec.classes == tuple(range(10))
    monkeypatch.setitem(
        backbones.FASHION_BODIES,
        "fashion-mnist-40k",
        backbones.FashionBody(spec.classes, spec.file, items=40, epochs=1),
    )
    body = backbones.load_backbone("fashion-mnist-40k")
    out = capsys.readouterr().out
    assert "body on the first 40 training images (1 epochs on 40 images" in out
    assert "the first 40 Fashion-MNIST training images (all classes) only" in body.note
    record = json.loads((private_cache / "backbones" / (spec.file + ".json")).read_text())
    assert record["items"] == 40 and record["classes"] == list(range(10))


# ----------------------------------------------------- faults: disk, leftovers, bad records
def test_full_disk_while_saving_keeps_the_trained_body(monkeypatch, small_disk, capsys):
    """The disk fills while the body is saved: one line says so, the trained body is
    returned, and no half-written file or temporary folder is left."""
    from helpers import backbones

    disk = small_disk("128k")
    monkeypatch.setenv("HELPERS_DATA", str(disk))
    _tiny_fashion(monkeypatch)
    backbone = backbones.load_backbone("fashion-mnist")
    out, err = capsys.readouterr()
    assert "Traceback" not in err  # h5py's clean-up after the failed write is quiet
    line = next(x for x in out.splitlines() if x.startswith("could not save"))
    assert line == (
        f"could not save the pretrained body in {disk / 'backbones'} (No space left on "
        "device); it is kept in memory for this session"
    )
    assert "kept in memory only" in backbone.note
    assert backbone.model(np.zeros((1, 28, 28, 1), "float32")).shape == (1, 7, 7, 64)
    assert [p.name for p in (disk / "backbones").iterdir()] == []


def test_a_killed_save_leaves_nothing_for_good(monkeypatch, private_cache):
    """A save killed midway leaves its temporary folder (helpers before this one named it
    tmpXXXX); the next load removes it, whether it pretrains or finds a valid cache."""
    from helpers import backbones

    _tiny_fashion(monkeypatch)
    folder = private_cache / "backbones"

    def leave_leftovers():
        for name in ("tmpk1l2m3n4", f".saving-{BODY_FILES[0]}-abc"):
            (folder / name).mkdir(parents=True)
            (folder / name / BODY_FILES[0]).write_bytes(b"half a body")
        (folder / "tmpempty").mkdir()

    leave_leftovers()
    backbones.load_backbone("fashion-mnist")  # pretrains
    assert sorted(p.name for p in folder.iterdir()) == BODY_FILES
    leave_leftovers()
    backbones.load_backbone("fashion-mnist")  # finds the cache valid
    assert sorted(p.name for p in folder.iterdir()) == BODY_FILES


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("test_accuracy", "high", "test_accuracy is 'high', not a number between 0 and 1"),
        ("test_accuracy", None, "test_accuracy is None, not a number between 0 and 1"),
        ("epochs", "2", "epochs is '2', not a whole number"),
        ("classes", "0-9", "classes is '0-9', not a list of class numbers"),
        ("sha256", 5, "sha256 is 5, not a sha256 (64 hex digits)"),
    ],
)
def test_a_record_with_a_wrong_type_is_pretrained_again(
    monkeypatch, private_cache, capsys, key, value, said
):
    from helpers import backbones

    _tiny_fashion(monkeypatch)
    backbones.load_backbone("fashion-mnist")
    record = private_cache / "backbones" / BODY_FILES[1]
    record.write_text(json.dumps({**json.loads(record.read_text()), key: value}))
    capsys.readouterr()
    backbone = backbones.load_backbone("fashion-mnist")
    assert f"its record's {said}; pretraining it again" in capsys.readouterr().out
    assert "2 epochs" in backbone.note and json.loads(record.read_text())[key] != value


def test_weights_that_match_their_record_but_do_not_load_are_pretrained_again(
    monkeypatch, private_cache, capsys
):
    from helpers import backbones
    from helpers.fetch import sha256sum

    _tiny_fashion(monkeypatch)
    backbones.load_backbone("fashion-mnist")
    weights = private_cache / "backbones" / BODY_FILES[0]
    record = private_cache / "backbones" / BODY_FILES[1]
    weights.write_bytes(b"not an HDF5 file")
    record.write_text(json.dumps({**json.loads(record.read_text()), "sha256": sha256sum(weights)}))
    capsys.readouterr()
    backbone = backbones.load_backbone("fashion-mnist")
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "does not load" in x)
    assert line.startswith(f"cached backbone {weights} does not load (")
    assert line.endswith("); pretraining it again")
    assert "pretraining the Fashion-MNIST body" in out and "cached in" in backbone.note
    assert backbone.model(np.zeros((1, 28, 28, 1), "float32")).shape == (1, 7, 7, 64)


def test_no_fashion_mnist_offers_only_fixes_that_exist(monkeypatch):
    """The loader's own "pass path=" is not offered by load_backbone, which takes no path."""
    from helpers import backbones, datasets
    from helpers import fetch as F  # noqa: N812

    missing = F.RemoteFile("Fashion-MNIST", "x.gz", "0" * 64, "http://x", accepts_path=True)

    def unavailable():  # what load_fashion_mnist meets offline with no copy anywhere
        F.fetch(missing)

    monkeypatch.setattr(datasets, "load_fashion_mnist", unavailable)
    with pytest.raises(F.DataUnavailableError) as err:
        backbones.load_backbone("fashion-mnist")
    message = str(err.value)
    assert "path=" not in message and "\n" not in message
    assert message.startswith("the fashion-mnist body is pretrained on Fashion-MNIST, and ")
    assert "load_backbone('imagenet')" in message
