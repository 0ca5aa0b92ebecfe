"""Pretrained convolutional bodies for transfer learning (lectures 09, 13 and 14).

:func:`load_backbone` returns a :class:`Backbone`: a Keras model from images to a feature map,
its layers in groups from the input to the output (for freezing and discriminative learning
rates), and where its weights came from.

Two sources:

- ``"imagenet"``: MobileNetV2 with ImageNet weights from ``keras.applications``, behind an
  adapter (resize to 96x96, grey to RGB, scale to [-1, 1]). Needs the network the first time;
  Keras caches the file in ``~/.keras/models``.
- ``"fashion-mnist"``: a small convnet (3 blocks, 72k parameters) that helpers pretrains once
  on the 60,000 real Fashion-MNIST training images and caches in the data folder
  (``$HELPERS_DATA/backbones``), with its test accuracy and checksum. It is a stand-in for
  ImageNet weights where those cannot be downloaded, and it is always announced as such.
- ``"fashion-mnist-half"``: the same convnet pretrained only on five of the classes
  (T-shirts, trousers, dresses, sandals, sneakers; 30,000 images), so that the other five
  (pullovers, coats, shirts, bags, ankle boots) are classes it never saw (lecture 09). Each
  half has tops and footwear. (Version 1 used the odd-numbered classes, which left every top
  but one on the unseen side.)
- ``"fashion-mnist-40k"``: the same convnet pretrained on the first 40,000 training images,
  all ten classes, so that the last 20,000 are images it never saw: the stand-in for a body
  that knows the task's kind of images but not the task's own images (lecture 09's
  competition, whose labelled images come from those 20,000).

``"auto"`` tries ImageNet and falls back to the Fashion-MNIST body, saying why. Run
``python -m helpers.backbones`` to pretrain the cached bodies ahead of time (``make data``
does; with a valid cache it only verifies the checksums).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.devices import import_keras
from helpers.fetch import (
    DATA_ENV,
    CacheFolderError,
    DataUnavailableError,
    cache_dir,
    cache_lock,
    cache_problem,
    make_folder,
    needed_for,
    offline_mode,
    require_writable_cache,
    sha256sum,
)

SOURCES = ("auto", "imagenet", "fashion-mnist", "fashion-mnist-half", "fashion-mnist-40k")
_FASHION_WIDTHS = (16, 32, 64)


@dataclass(frozen=True)
class FashionBody:
    """What a cached Fashion-MNIST body is pretrained on, and where its weights are kept."""

    classes: tuple[int, ...]
    file: str
    items: int | None = None  # the first `items` training images (None: all 60,000)
    epochs: int = 2


FASHION_BODIES = {
    "fashion-mnist": FashionBody(tuple(range(10)), "fashion_mnist_convnet_v1.weights.h5"),
    "fashion-mnist-half": FashionBody(
        (0, 1, 3, 5, 7), "fashion_mnist_half_classes_convnet_v2.weights.h5"
    ),
    "fashion-mnist-40k": FashionBody(
        tuple(range(10)), "fashion_mnist_first_40k_convnet_v1.weights.h5", items=40_000, epochs=4
    ),
}


@dataclass
class Backbone:
    """A pretrained body and how to split it.

    Attributes:
        model: Keras model from images ``(batch, height, width, channels)`` with raw pixel
            values in [0, 255] to a feature map ``(batch, h, w, features)``.
        groups: the body's layers in groups, from the input side to the output side; the
            first group learns most slowly under discriminative learning rates.
        source: ``"imagenet"`` or a key of ``FASHION_BODIES``.
        note: one line of provenance (what the weights were trained on, and how well).
    """

    model: Any
    groups: list[list[Any]]
    source: str
    note: str

    def copy(self) -> Backbone:
        """An independent copy with the same pretrained weights (for a fresh experiment).

        The copy's layers take the current global dtype policy, so a copy made after
        switching mixed precision on computes in float16.
        """
        keras = import_keras()

        def rebuild(layer: Any) -> Any:
            if hasattr(layer, "layers"):  # a nested model keeps its own layers' policies
                return layer.__class__.from_config(layer.get_config())
            config = layer.get_config()
            config.pop("dtype", None)
            return layer.__class__.from_config(config)

        model = keras.models.clone_model(self.model, clone_function=rebuild)
        model.set_weights(self.model.get_weights())
        from helpers.training import leaf_layers  # Keras-heavy: imported only to copy

        by_name = {layer.name: layer for layer in leaf_layers(model)}
        groups = [[by_name[layer.name] for layer in group] for group in self.groups]
        return Backbone(model, groups, self.source, self.note)

    def report(self) -> str:
        params = self.model.count_params()
        return (
            f"backbone: {self.source}, {params:,} parameters in {len(self.groups)} "
            f"groups; {self.note}"
        )


def load_backbone(source: str = "auto", *, channels: int = 1, retrain: bool = False) -> Backbone:
    """A pretrained convolutional body, printed with its provenance.

    Args:
        source: ``"imagenet"``, ``"fashion-mnist"``, ``"fashion-mnist-half"`` (pretrained on
            classes 0, 1, 3, 5 and 7 only), ``"fashion-mnist-40k"`` (on the first 40,000
            training images only) or ``"auto"`` (ImageNet when its weights can be had, else
            the Fashion-MNIST body, announced).
        channels: channels of the images the body will see (1 or 3; the Fashion-MNIST body
            takes 1).
        retrain: pretrain the Fashion-MNIST body again even if a cached copy exists.

    Raises:
        ValueError: unknown source or unsupported channel count.
        DataUnavailableError: ``source="imagenet"`` and the weights cannot be downloaded.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown backbone source {source!r}: use one of {', '.join(SOURCES)}")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grey) or 3 (RGB), not {channels!r}")
    if source in ("auto", "imagenet"):
        try:
            backbone = _imagenet_backbone(channels)
        except DataUnavailableError as err:
            if source == "imagenet":
                raise
            print(
                f"ImageNet weights unavailable ({err.reason}); using the helpers-pretrained "
                "Fashion-MNIST body instead"
            )
        else:
            print(backbone.report())
            return backbone
    if channels != 1:
        raise ValueError(
            "the Fashion-MNIST body takes grey images (channels=1); convert the "
            "images with keras.ops.mean(x, axis=-1, keepdims=True) first"
        )
    backbone = _fashion_backbone("fashion-mnist" if source == "auto" else source, retrain)
    print(backbone.report())
    return backbone


# ------------------------------------------------------------------------------- ImageNet
_IMAGENET_SIZE = 96


def _imagenet_backbone(channels: int, weights: str | None = "imagenet") -> Backbone:
    """MobileNetV2 behind a resize/colour/scale adapter; ``weights=None`` for tests."""
    keras = import_keras()
    layers = keras.layers
    fix = (
        "ImageNet weights for MobileNetV2 are not available ({}); connect once (Keras "
        "caches them in ~/.keras/models) or use load_backbone('fashion-mnist')"
    )
    if weights is not None and offline_mode():
        raise DataUnavailableError(fix.format("HELPERS_OFFLINE is set"), "HELPERS_OFFLINE is set")
    try:
        net = keras.applications.MobileNetV2(
            input_shape=(_IMAGENET_SIZE, _IMAGENET_SIZE, 3), include_top=False, weights=weights
        )
    except Exception as err:  # urllib, HTTP and TLS errors all mean "no weights"
        cause = err.__cause__ or err.__context__ or err  # Keras wraps them in a bare Exception
        reason = f"download failed: {type(cause).__name__}"
        raise DataUnavailableError(fix.format(reason), reason) from err
    inputs = keras.Input((None, None, channels))
    x = layers.Resizing(_IMAGENET_SIZE, _IMAGENET_SIZE, name="adapter_resize")(inputs)
    if channels == 1:
        x = layers.Concatenate(name="adapter_rgb")([x, x, x])
    x = layers.Rescaling(1 / 127.5, offset=-1, name="adapter_scale")(x)  # MobileNetV2's range
    model = keras.Model(inputs, net(x), name="mobilenetv2_body")
    # Three groups along the network: stem and blocks 1-5, blocks 6-12, blocks 13-16 and top.
    groups: list[list[Any]] = [[], [], []]
    group = 0
    for layer in net.layers:
        if layer.name.startswith("block_"):
            block = int(layer.name.split("_")[1])
            group = 0 if block <= 5 else 1 if block <= 12 else 2
        groups[group].append(layer)
    note = (
        "MobileNetV2, ImageNet weights (keras.applications)"
        if weights
        else "MobileNetV2, random weights"
    )
    return Backbone(model, groups, "imagenet", note)


# -------------------------------------------------------------------------- Fashion-MNIST
def fashion_body(convs_per_block: int = 2, bn_momentum: float = 0.99) -> Any:
    """The Fashion-MNIST body's architecture, untrained: 3 blocks of ``convs_per_block`` 3x3
    convolutions with batch norm and ReLU, max pooling between blocks. Takes grey images of
    any size. (Lecture 13 builds a deeper variant with ``convs_per_block=4``.)"""
    keras = import_keras()
    layers = keras.layers
    inputs = keras.Input((None, None, 1))
    x = layers.Rescaling(1 / 255, name="scale")(inputs)
    for block, width in enumerate(_FASHION_WIDTHS, start=1):
        if block > 1:
            x = layers.MaxPooling2D(name=f"block{block}_pool")(x)
        for k in range(1, convs_per_block + 1):
            x = layers.Conv2D(
                width, 3, padding="same", use_bias=False, name=f"block{block}_conv{k}"
            )(x)
            x = layers.BatchNormalization(momentum=bn_momentum, name=f"block{block}_bn{k}")(x)
            x = layers.ReLU(name=f"block{block}_relu{k}")(x)
    return keras.Model(inputs, x, name="fashion_body")


def fashion_groups(model: Any) -> list[list[Any]]:
    """The layers of a :func:`fashion_body` model in its three blocks."""
    return [
        [layer for layer in model.layers if layer.name.startswith(f"block{b}")]
        for b in range(1, len(_FASHION_WIDTHS) + 1)
    ]


def ensure_fashion_body(source: str = "fashion-mnist", *, retrain: bool = False) -> dict:
    """Make sure a verified pretrained Fashion-MNIST body is cached; return its record.

    Checking a valid cache reads two files and does not import Keras. Processes that need
    the body at once wait for the one that pretrains it. Temporary folders left by a save
    that was killed are removed.

    Args:
        source: a key of ``FASHION_BODIES``.

    Raises:
        CacheFolderError: the cache is not writable (checked before any training).
    """
    return _cached_or_pretrained(source, retrain)[1]


def _cached_or_pretrained(source: str, retrain: bool) -> tuple[Any | None, dict]:
    """``(None, record)`` for a verified cached body; ``(body, record)`` if pretrained now.

    The record of a body that could not be saved has no ``sha256``.
    """
    spec = FASHION_BODIES[source]
    folder = cache_dir() / "backbones"
    purpose = f"pretraining the {source} body"
    meta = None if retrain else _read_record(folder, spec)
    if meta is not None:
        if _stale_saves(folder, spec) and not cache_problem(folder):
            with cache_lock(f"backbone-{source}", purpose, wait=False) as held:
                if held:  # nobody is saving this body now: what is left is stale
                    _remove_stale_saves(folder, spec)
        return None, meta
    require_writable_cache(folder)
    with cache_lock(f"backbone-{source}", purpose):
        _remove_stale_saves(folder, spec)
        meta = None if retrain else _read_record(folder, spec, quiet=True)  # done meanwhile?
        return (None, meta) if meta is not None else pretrain_fashion_body(folder, source=source)


def _stale_saves(folder: Path, spec: FashionBody) -> list[Path]:
    """Temporary folders of saves of this body that never finished (the process was killed):
    ``.saving-<file>-*``, and ``tmp*`` holding nothing but its files (helpers before 2026-12)."""
    if not folder.is_dir():
        return []
    ours = {spec.file, "record.json"}
    return [
        p
        for p in folder.iterdir()
        if p.is_dir()
        and (
            p.name.startswith(f".saving-{spec.file}-")
            or (p.name.startswith("tmp") and {q.name for q in p.iterdir()} <= ours)
        )
    ]


def _remove_stale_saves(folder: Path, spec: FashionBody) -> None:
    """Remove them; call under the body's lock, so that no save of it is running."""
    for stale in _stale_saves(folder, spec):
        shutil.rmtree(stale, ignore_errors=True)


def _fashion_backbone(source: str, retrain: bool = False) -> Backbone:
    spec = FASHION_BODIES[source]
    file = cache_dir() / "backbones" / spec.file
    try:
        model, meta = _cached_or_pretrained(source, retrain)
        if model is None:
            model = _load_cached(file)
        if model is None:  # the weights match their record but do not load: pretrain again
            model, meta = _cached_or_pretrained(source, retrain=True)
    except CacheFolderError as err:  # train it anyway, and keep it for this session
        print(
            f"{err.reason}, so the pretrained body cannot be kept (set {DATA_ENV} to a "
            "writable folder to keep it); pretraining it in memory for this session"
        )
        model, meta = pretrain_fashion_body(None, source=source)
    where = f"cached in {file}" if "sha256" in meta else "kept in memory only"
    what = _images_described(spec)
    note = (
        f"pretrained by helpers on {what} ({meta['epochs']} epochs, "
        f"{meta['test_accuracy']:.3f} test accuracy), a stand-in for ImageNet weights; {where}"
    )
    return Backbone(model, fashion_groups(model), source, note)


def _load_cached(file: Path) -> Any | None:
    """The cached body, or None (after saying why) when its weights file does not load."""
    model = fashion_body()
    try:
        model.load_weights(file)
    except Exception as err:  # h5py's OSError, Keras' ValueError: a file that is not the body
        print(f"cached backbone {file} does not load ({_why(err)}); pretraining it again")
        return None
    return model


def _why(err: BaseException) -> str:
    """One short line for an error (h5py's messages run over several lines)."""
    if isinstance(err, OSError) and err.errno:
        return os.strerror(err.errno)
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {first[:120]}" if first else type(err).__name__


def _class_list(classes: tuple[int, ...]) -> str:
    return ", ".join(map(str, classes))


def _images_described(spec: FashionBody) -> str:
    if spec.items is not None:
        return f"the first {spec.items:,} Fashion-MNIST training images (all classes) only"
    if len(spec.classes) < 10:
        return f"the Fashion-MNIST training images of classes {_class_list(spec.classes)} only"
    return "the 60,000 Fashion-MNIST training images"


def _read_record(folder: Path, spec: FashionBody, *, quiet: bool = False) -> dict | None:
    """The cached body's record if the weights match it and were pretrained as ``spec`` says
    (the same classes and epochs); else None (after saying why)."""
    weights, record = folder / spec.file, folder / (spec.file + ".json")
    if not (weights.is_file() and record.is_file()):
        return None
    try:
        meta = json.loads(record.read_text())
        problem = _record_problem(meta, spec, weights)
    except (ValueError, TypeError, OSError) as err:
        problem = f"its record {record.name} is unreadable ({type(err).__name__})"
    if problem:
        if not quiet:
            print(f"cached backbone {weights}: {problem}; pretraining it again")
        return None
    return meta


_RECORD_TYPES = {
    "sha256": "a sha256 (64 hex digits)",
    "classes": "a list of class numbers",
    "epochs": "a whole number",
    "test_accuracy": "a number between 0 and 1",
}


def _field_ok(key: str, value: Any) -> bool:
    if key == "sha256":
        return isinstance(value, str) and len(value) == 64
    if key == "classes":
        return isinstance(value, list) and all(
            isinstance(c, int) and not isinstance(c, bool) for c in value
        )
    if key == "epochs":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _record_problem(meta: dict, spec: FashionBody, weights: Path) -> str:
    """What is wrong with a cached body and its record ('' when nothing is)."""
    if not isinstance(meta, dict):
        return "its record is not a JSON object"
    missing = [key for key in _RECORD_TYPES if key not in meta]
    if missing:
        return f"its record lacks {', '.join(missing)}"
    for key, kind in _RECORD_TYPES.items():
        if not _field_ok(key, meta[key]):
            return f"its record's {key} is {meta[key]!r}, not {kind}"
    classes, epochs = tuple(meta["classes"]), meta["epochs"]
    if (classes, epochs) != (spec.classes, spec.epochs):
        return (
            f"it was pretrained on classes {_class_list(classes)} for {epochs} epochs, "
            f"not on classes {_class_list(spec.classes)} for {spec.epochs}"
        )
    if sha256sum(weights) != meta["sha256"]:
        return "it does not match its record"
    return ""


def pretrain_fashion_body(
    folder: Path | None = None, *, source: str = "fashion-mnist", seed: int = 0
) -> tuple[Any, dict]:
    """Pretrain a Fashion-MNIST body (with a temporary head) and cache it.

    Prints one line per epoch. The weights and a JSON record (epochs, test accuracy, sha256)
    are written atomically: a crash leaves either the old files or none, never half a file.
    A failed write is reported and the trained body is still returned.

    Args:
        folder: where to save it; None keeps it in memory only.
        source: which body (a key of ``FASHION_BODIES``): the images and classes it learns
            from, for how many epochs, and the file it is saved in.

    Returns:
        The trained body and its record (with the weights' ``sha256`` once saved).

    Raises:
        DataUnavailableError: Fashion-MNIST is not on this machine and cannot be downloaded.
    """
    import numpy as np

    from helpers.datasets import load_fashion_mnist

    keras = import_keras()
    spec = FASHION_BODIES[source]
    classes, epochs = spec.classes, spec.epochs
    try:
        data = load_fashion_mnist()
    except DataUnavailableError as err:  # load_backbone takes no path=: do not offer it
        raise needed_for(
            err,
            f"the {source} body is pretrained on Fashion-MNIST",
            "use load_backbone('imagenet') where the network is available",
        ) from None
    keep, keep_test = np.isin(data.y_train, classes), np.isin(data.y_test, classes)
    if spec.items is not None:
        keep[spec.items :] = False  # only the first `items` training images
    number = np.zeros(10, int)
    number[list(classes)] = np.arange(len(classes))  # class -> output of the temporary head
    x, y = data.x_train[keep][..., None], number[data.y_train[keep]]
    which = "" if len(classes) == 10 else f" of classes {_class_list(classes)}"
    if spec.items is not None:
        which += f" on the first {spec.items:,} training images"
    print(
        f"pretraining the Fashion-MNIST body{which} ({epochs} epochs on {len(x):,} images; "
        "about 1-4 minutes on a 2-core CPU, seconds on a GPU; done once)"
    )
    keras.utils.set_random_seed(seed)
    body = fashion_body()
    head = keras.layers.Dense(len(classes))
    model = keras.Sequential([body, keras.layers.GlobalAveragePooling2D(), head])
    steps = epochs * -(-len(x) // 128)
    # Warm up then anneal (a one-cycle shape): ends at a low rate, so the last weights are good.
    schedule = keras.optimizers.schedules.CosineDecay(
        2e-4, decay_steps=steps - steps // 4, warmup_target=4e-3, warmup_steps=steps // 4
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=128, verbose=2)
    x_test, y_test = data.x_test[keep_test][..., None], number[data.y_test[keep_test]]
    accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    meta = {
        "classes": list(classes),
        "items": len(x),
        "epochs": epochs,
        "seed": seed,
        "test_accuracy": round(float(accuracy), 4),
        "seconds": round(time.perf_counter() - start, 1),
        "keras": keras.__version__,
    }
    print(
        f"pretrained in {meta['seconds']} s, Fashion-MNIST test accuracy "
        f"{meta['test_accuracy']:.3f}"
    )
    if folder is not None:
        with _quiet_h5py_cleanup():
            try:
                meta["sha256"] = _save_body(body, meta, Path(folder), spec.file)
            except Exception as err:  # a full disk, a quota: h5py's are not all OSErrors
                print(
                    f"could not save the pretrained body in {folder} ({_why(err)}); "
                    "it is kept in memory for this session"
                )
    return body, meta


@contextlib.contextmanager
def _quiet_h5py_cleanup() -> Iterator[None]:
    """After a failed write, h5py's objects fail again as they are freed and print a
    traceback (through ``sys.excepthook`` and ``sys.unraisablehook``); the failure is
    already reported in one line."""
    import traceback

    hooks = sys.excepthook, sys.unraisablehook

    def from_h5py(tb: Any) -> bool:
        return any("h5py" in frame.filename for frame in traceback.extract_tb(tb))

    def excepthook(kind: Any, value: Any, tb: Any) -> None:
        if not from_h5py(tb):
            hooks[0](kind, value, tb)

    def unraisablehook(unraisable: Any) -> None:
        if "h5py" not in repr(unraisable.object) and not from_h5py(unraisable.exc_traceback):
            hooks[1](unraisable)

    sys.excepthook, sys.unraisablehook = excepthook, unraisablehook
    try:
        yield
    finally:
        gc.collect()
        sys.excepthook, sys.unraisablehook = hooks


def _save_body(body: Any, meta: dict, folder: Path, file: str) -> str:
    """Write the weights and their record (with the weights' sha256) atomically, readable
    by every user of the cache; return the sha256. A save that fails leaves nothing."""
    make_folder(folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=f".saving-{file}-") as tmp:
        partial, record = Path(tmp) / file, Path(tmp) / "record.json"
        body.save_weights(partial)
        sha256 = sha256sum(partial)
        record.write_text(json.dumps({**meta, "sha256": sha256}, indent=1))
        for written in (partial, record):
            written.chmod(0o644)
        os.replace(partial, folder / file)
        os.replace(record, folder / (file + ".json"))
    return sha256


if __name__ == "__main__":  # `make data`: pretrain once, afterwards only verify the cache
    import sys

    for name in FASHION_BODIES:
        try:
            record = ensure_fashion_body(name)
        except CacheFolderError as error:
            sys.exit(f"error: {error}")
        print(
            f"{name} body cached and verified ({record['test_accuracy']:.3f} test accuracy) "
            f"in {cache_dir() / 'backbones'}"
        )
