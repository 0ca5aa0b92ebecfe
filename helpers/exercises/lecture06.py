"""Checked exercises of lecture 06 (convolutional networks)."""

from __future__ import annotations

import warnings

import numpy as np

from helpers.exercises import NotYet, close, exercise, expect, integer


def _count(filters=(32, 32), side=28, padding="valid", conv_bias=True, dense_bias=True):
    """Parameters of the slides' MNIST convnet by the rule, layer by layer."""
    f1, f2 = filters
    lose = 0 if padding == "same" else 4  # a 5 x 5 window without padding loses 4 pixels
    flat = ((side - 2 * lose) // 2) ** 2 * f2
    conv1 = 5 * 5 * 1 * f1 + f1 * conv_bias
    conv2 = 5 * 5 * f1 * f2 + f2 * conv_bias
    dense = flat * 128 + 128 * dense_bias
    return [conv1, conv2, 0, 0, dense, 128 * 10 + 10]


def _params(value, name):
    """A parameter count given as a number, or read off a Keras model or layer."""
    if hasattr(value, "count_params"):
        value = value.count_params()
    return integer(value, name)


@exercise(
    1,
    hint=(
        'With padding="same" a 5 x 5 convolution keeps the 28 x 28 size. Follow the shape '
        "through both convolutions and the 2 x 2 pooling, flatten it, then apply "
        "inputs x outputs + outputs to the dense layer of 128 units."
    ),
    solution=(
        "Both convolutions output 28 x 28 x 32, pooling gives 14 x 14 x 32, flattened 6,272 "
        "values. The dense layer has 6,272 x 128 + 128 = 802,944 parameters (it was 409,728). "
        "The convolutions keep 832 and 25,632: a kernel does not depend on the image size. "
        "The whole network grows from 437,482 to 830,698."
    ),
    answer=(_count(padding="same")[4],),
    mistakes={
        "without padding": (_count()[4],),
        "pooling": (28 * 28 * 32 * 128 + 128,),
        "bias": (_count(padding="same", dense_bias=False)[4],),
        "whole network": (sum(_count(padding="same")),),
        "both convolutions": (12 * 12 * 32 * 128 + 128,),
    },
    wrong=[(6272,), (802_944.5,), ("802944",), (1290,)],
)
def q1(dense_params):
    dense_params = _params(dense_params, "dense_params")
    reference = _count(padding="same")[4]
    hints = {
        _count()[4]: 'That is the count without padding (409,728): with padding="same" the '
        "maps stay 28 x 28 through both convolutions.",
        28 * 28 * 32 * 128 + 128: "You left out the 2 x 2 pooling: it halves each side before "
        "the dense layer, 28 x 28 -> 14 x 14.",
        reference - 128: "Almost: the dense layer also has one bias per unit, + 128.",
        sum(_count(padding="same")): "That is the whole network's count; the exercise asks for "
        "the dense layer's alone.",
        12 * 12 * 32 * 128 + 128: 'That pads only one convolution: add padding="same" to '
        "both convolutions, and both keep 28 x 28.",
    }
    if dense_params in hints:
        raise NotYet(hints[dense_params])
    expect(
        dense_params == reference,
        "Not the dense layer's count. Flatten gives (side after pooling)^2 x 32 values; the "
        "dense layer has that many inputs times 128 weights, plus 128 biases.",
    )
    return "Padding grows the maps, and the dense layer, which sees them all, nearly doubles."


@exercise(
    3,
    hint=(
        "Apply N = w·h·d·c + c to each convolution with c = 16, remembering that the second "
        "one now sees d = 16 input maps; the dense layer's input shrinks to 10 x 10 x 16. Add "
        "the unchanged output layer."
    ),
    solution=(
        "Conv 1: 5·5·1·16 + 16 = 416. Conv 2: 5·5·16·16 + 16 = 6,416. Dense: 10·10·16 = 1,600 "
        "inputs, 1,600·128 + 128 = 204,928. Output: 1,290. Total 213,050 against 437,482: "
        "halving the filters cuts the second convolution to a quarter and the dense layer to "
        "a half. (`halved_params` may also be the model itself: its `count_params()` is read.)"
    ),
    answer=(sum(_count((16, 16))),),
    mistakes={
        "sees 16 maps": (sum(_count((16, 16))) + 5 * 5 * 16 * 16,),
        "dense layer": (416 + 6416 + 409_728 + 1290,),
        "half of": (437_482 // 2,),
        "conv 1": (sum(_count((16, 32))),),
    },
    wrong=[(437_482,), (204_928,), (213_050.5,), (0,)],
)
def q3(halved_params):
    halved_params = _params(halved_params, "halved_params")
    reference = sum(_count((16, 16)))
    hints = {
        reference + 5 * 5 * 16 * 16: "The second convolution now sees 16 maps, not 32: its "
        "count is 5·5·16·16 + 16.",
        416 + 6416 + 409_728 + 1290: "The dense layer shrinks too: it now sees 10 x 10 x 16 "
        "values, not 10 x 10 x 32.",
        437_482 // 2: "Not simply half of 437,482: count each layer again with the rule.",
        sum(_count((16, 32))): "Halve the filters of both convolutions; you changed only conv 1.",
        sum(_count((32, 16))): "Halve the filters of both convolutions; you changed only conv 2.",
    }
    if halved_params in hints:
        raise NotYet(hints[halved_params])
    expect(
        halved_params != 437_482,
        "That is the original network's count: use 16 filters in both convolutions.",
    )
    expect(
        halved_params == reference,
        "Not the count of the network with 16 filters per convolution: apply w·h·d·c + c to "
        "both convolutions and inputs·outputs + outputs to both dense layers, then add up.",
    )
    return "The second convolution falls to a quarter: its cost is the product of two widths."


def _second_layer_model():
    import keras

    net = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, (5, 5), activation="relu"),
            keras.layers.Conv2D(32, (5, 5), activation="relu"),
            keras.layers.MaxPooling2D((2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    return (keras.Model(net.inputs, net.layers[1].output),)


def _maps(value):
    """The maps for one digit: from a Keras model (run on a random digit) or an array."""
    if hasattr(value, "predict"):
        digit = np.random.default_rng(0).uniform(size=(1, 28, 28, 1)).astype("float32")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = value.predict(digit, verbose=0)
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if hasattr(value, "shape") and not isinstance(value, np.ndarray):  # a tensor, on any device
        import keras

        value = keras.ops.convert_to_numpy(value)
    try:
        maps = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise NotYet("second_layer should be a Keras model, or the maps it outputs.") from None
    return maps[0] if maps.ndim == 4 and maps.shape[0] == 1 else maps


@exercise(
    5,
    hint=(
        "Do as the lecture's `first_layer` does, with the second layer: "
        "`keras.Model(convnet.inputs, convnet.layers[1].output)`. Its maps have one channel "
        "per filter of the second convolution."
    ),
    solution=(
        "`second_layer = keras.Model(convnet.inputs, convnet.layers[1].output)`, then "
        "`second_layer.predict(digit, verbose=0)[0]` has shape (20, 20, 32): each 5 x 5 "
        "convolution without padding takes 4 pixels off each side, 28 -> 24 -> 20. Each map "
        "combines all 32 first-layer maps, so they show larger, more abstract parts of the "
        "stroke and are harder to read than the first layer's edges."
    ),
    answer=_second_layer_model,
    mistakes={
        "first convolution": (np.zeros((1, 24, 24, 32)),),
        "pooling": (np.zeros((1, 10, 10, 32)),),
        "ReLU": (-np.ones((1, 20, 20, 32)),),
        "transposed": (np.zeros((1, 32, 20, 20)),),
    },
    wrong=[(np.zeros((1, 10)),), (np.zeros(3200),), ("maps",)],
)
def q5(second_layer):
    maps = _maps(second_layer)
    shapes = {
        (24, 24, 32): "These are the first convolution's maps (24 x 24): take "
        "`convnet.layers[1].output`, the second convolution.",
        (10, 10, 32): "These maps come after the pooling (10 x 10): take the second "
        "convolution's output, before the pooling.",
        (32, 20, 20): "Shape (32, 20, 20): the channels are transposed to the front; Keras "
        "puts them last, (20, 20, 32).",
    }
    if maps.shape in shapes:
        raise NotYet(shapes[maps.shape])
    expect(
        maps.shape == (20, 20, 32),
        f"For one digit the second convolution's maps have shape (20, 20, 32); yours have "
        f"{maps.shape}. Output `convnet.layers[1].output`.",
    )
    expect(
        maps.min() >= 0 and np.isfinite(maps).all(),
        "Some values are negative: the second convolution's outputs pass through its ReLU, "
        "so take the layer's output, not a re-computed convolution.",
    )
    expect(
        not close(maps, 0) or hasattr(second_layer, "predict"),
        "The maps are all zero: pass the model itself, or its maps for a digit.",
    )
    return "Deeper maps are smaller and combine every first-layer map: harder to read."
