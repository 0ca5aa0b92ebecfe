"""Checked exercises of lecture 09 (transfer learning and fine-tuning)."""

from __future__ import annotations

from functools import cache

import numpy as np

from helpers.exercises import NotYet, exercise, expect, integer

# ---- exercise 4: an augmentation of flips only, for test-time augmentation ----


@cache
def _images():
    """64 random grey 28x28 images, (batch, height, width, channels) like x_test."""
    return np.random.default_rng(9).uniform(0, 255, (64, 28, 28, 1)).astype("float32")


def _flip_zoom(zoom, flip=True):
    from helpers.training import FlipZoom

    return FlipZoom(zoom, flip=flip)


def _keras_flip(mode):
    import keras

    return keras.layers.RandomFlip(mode)


@exercise(
    4,
    hint=(
        "`predict_tta` calls `augment(images, training=True)` on a batch shaped (images, "
        "height, width, channels). `FlipZoom` from `helpers.training` takes a zoom of 0, or "
        "write a function that mirrors a random half of the images left to right."
    ),
    solution=(
        "`flips_only = FlipZoom(0.0)` (or `keras.layers.RandomFlip('horizontal')`): each "
        "image is mirrored left to right with probability 1/2, nothing else changes. Then "
        "`predict_tta(model, x_test, flips_only, n=4)` and `predict_tta(model, x_test, "
        "flip_zoom, n=8)`, and compare each test accuracy with the plain one against "
        "sqrt(p (1 - p) / 1531), about 0.5 points near 96 %."
    ),
    answer=lambda: (_flip_zoom(0.0),),
    mistakes={
        "upside down": lambda: (_keras_flip("vertical"),),
        "order of the images": (lambda images, training=True: images[::-1],),
        "zoom": lambda: (_flip_zoom(0.05),),
        "every image": (lambda images, training=True: images[:, :, ::-1],),
    },
    wrong=[(lambda images, training=True: images,), ("flip",), (lambda images: images,)],
)
def q4(flips_only):
    expect(callable(flips_only), "flips_only should be a function or a Keras layer.")
    images = _images()
    try:
        out = flips_only(images.copy(), training=True)
    except TypeError as error:
        raise NotYet(
            f"flips_only(images, training=True) failed ({error}): `predict_tta` passes the "
            "keyword `training`; give your function a `training=True` argument."
        ) from None
    if not isinstance(out, (np.ndarray, list, tuple)):  # a Keras layer's tensor, on any device
        import keras

        out = keras.ops.convert_to_numpy(out)
    out = np.asarray(out, dtype=float)
    expect(out.shape == images.shape, f"It returned shape {out.shape}, not {images.shape}.")
    mirrored = images[:, :, ::-1]
    same = np.array([np.allclose(o, i, atol=1e-3) for o, i in zip(out, images)])
    flipped = np.array([np.allclose(o, m, atol=1e-3) for o, m in zip(out, mirrored)])
    if np.allclose(out, images[::-1], atol=1e-3):
        raise NotYet(
            "You reversed the order of the images in the batch (axis 0), not each image: "
            "left to right is axis 2 of (images, height, width, channels)."
        )
    if not (same | flipped).all():
        upside = images[:, ::-1]
        if all(
            np.allclose(o, i, atol=1e-3) or np.allclose(o, u, atol=1e-3)
            for o, i, u in zip(out, images, upside)
        ):
            raise NotYet(
                "Some images came back upside down (axis 1). Coats and pullovers are seen "
                "upright and from the side: flip left to right, axis 2."
            )
        raise NotYet(
            f"{(~(same | flipped)).sum()} of 64 images changed by more than a mirror: no zoom "
            "or shift, only left-right flips (FlipZoom's zoom set to 0)."
        )
    expect(flipped.any(), "No image was flipped (with training=True it must flip some).")
    if flipped.all():
        raise NotYet(
            "It mirrors every image. Then all n copies are the same mirror image, and the "
            "average weights it n times as much as the original: flip each image with "
            "probability 1/2 (as FlipZoom does), or use n=1."
        )
    return (
        f"{flipped.sum()} of 64 images mirrored, the rest unchanged: a side view of a coat is "
        "as likely mirrored, so averaging over mirrors adds a view the model knows."
    )


# ---- exercise 5: a pooled head for VGG-16 ----

POOLED = 512 * 1024 + 1024 + 1024 * 21 + 21  # 546,837
FLATTENED = 7 * 7 * 512 * 1024 + 1024 + 1024 * 21 + 21  # 25,712,661


@exercise(
    5,
    hint=(
        "Global average pooling turns the 7x7x512 map into 512 numbers and has no weights. "
        "Count each dense layer: inputs x units weights, plus one bias per unit."
    ),
    solution=(
        f"512 x 1024 + 1024 = 525,312 for the first dense layer, 1024 x 21 + 21 = 21,525 for "
        f"the second: {POOLED:,} in all, against {FLATTENED:,} flattened. Pooling removes "
        "the factor 49 (7 x 7 positions) from the first layer's input."
    ),
    answer=(POOLED,),
    mistakes={
        "flattened": (FLATTENED,),
        "biases": (512 * 1024 + 1024 * 21,),
        "both dense layers": (512 * 1024 + 1024,),
        "pooling has no weights": (POOLED + 2 * 512,),
    },
    wrong=[(25_088,), (21_525,), ("546837",), (546.837,)],
)
def q5(pooled_params):
    params = integer(pooled_params, "pooled_params")
    if params == FLATTENED:
        raise NotYet(
            f"{params:,} is the flattened head's count (the lecture's `new_head`). With the "
            "pooling, the first dense layer sees 512 numbers, not 7 x 7 x 512."
        )
    if params == 512 * 1024 + 1024 * 21:
        raise NotYet("You left out the biases: one per unit, 1,024 and 21 of them.")
    if params in (512 * 1024 + 1024, 1024 * 21 + 21):
        raise NotYet("That is one layer: add both dense layers, FC1024 and FC21.")
    if params in (POOLED + 512, POOLED + 2 * 512):
        raise NotYet("Global average pooling has no weights: it only averages each channel.")
    expect(
        params == POOLED,
        f"Not the count. The first dense layer has 512 inputs and 1,024 units; the second "
        f"1,024 inputs and 21 units. (Yours: {params:,}.)",
    )
    return (
        f"{POOLED:,} parameters, 47 times fewer than flattened: the 7 x 7 positions no longer "
        "each get their own weights."
    )


# ---- exercise 8: the fully convolutional map on a larger canvas ----


@exercise(
    8,
    hint=(
        "The body pools twice, so a side of 100 pixels becomes a feature map of side 100 / 4. "
        "The head is a 7x7 convolution without padding: it fits at (side - 7 + 1) positions."
    ),
    solution=(
        "100 pixels -> 50 -> 25 after the two poolings, and the 7x7 convolution fits at "
        "25 - 7 + 1 = 19 positions: a 19 x 19 map. The same as the windows: (100 - 28) / 4 + 1 "
        "= 19 windows of 28 pixels at a stride of 4. Check: `fcn.predict(np.zeros((1, 100, "
        "100, 1)), verbose=0).shape` is (1, 19, 19, 10)."
    ),
    answer=(19,),
    mistakes={
        "7x7 convolution": (25,),
        "stride of 4": (73,),
        "overlap": (3,),
        "side of the map": (361,),
    },
    wrong=[(10,), (18,), (20,), (100,), ("19",)],
)
def q8(map_side):
    side = integer(map_side, "map_side")
    if side == 25:
        raise NotYet(
            "25 is the body's feature map (100 / 4). The head, a 7x7 convolution without "
            "padding, fits at fewer positions: side - 7 + 1."
        )
    if side in (72, 73):
        raise NotYet(
            "That counts windows one pixel apart. The body pools twice, so the map has one "
            "output per 4 pixels: windows at a stride of 4."
        )
    if side == 3:
        raise NotYet(
            "That counts windows side by side (100 // 28). The windows overlap: one starts "
            "every 4 pixels."
        )
    if side == 19 * 19:
        raise NotYet("361 is the number of positions, 19 x 19: give the side of the map.")
    expect(
        side == 19,
        "Not the side. Follow the sizes: 100 pixels, two 2x2 poolings, then a 7x7 "
        "convolution without padding.",
    )
    return (
        "A 19 x 19 map, each cell a 28x28 window, in one pass: the lower layers' work on the "
        "overlapping windows is shared."
    )
