"""helpers.layers: attention weights that sum to one and are zero on padding; a max pooling
that skips the padding."""

from __future__ import annotations

import numpy as np
import pytest

layers = pytest.importorskip("helpers.layers")
keras = layers.keras


def _numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def _model(return_weights=True):
    keras.utils.set_random_seed(0)
    tokens = keras.Input((5,), dtype="int32")
    h = keras.layers.Embedding(10, 4, mask_zero=True)(tokens)
    return keras.Model(tokens, layers.AdditiveAttention(6, return_weights=return_weights)(h))


def test_attention_weights_sum_to_one_and_are_zero_on_padding():
    tokens = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5], [7, 0, 0, 0, 0]])
    pooled, weights = (_numpy(a) for a in _model()(tokens))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-6)
    assert (weights[tokens == 0] == 0).all() and (weights[tokens != 0] > 0).all()
    assert weights[2, 0] == pytest.approx(1.0)  # one real step: all the weight


def test_attention_output_is_the_weighted_sum_and_ignores_what_padding_holds():
    model = _model()
    embed = model.layers[1]
    tokens = np.array([[3, 4, 5, 0, 0]])
    pooled, weights = (_numpy(a) for a in model(tokens))
    h = _numpy(embed(tokens))
    np.testing.assert_allclose(pooled, (weights[..., None] * h).sum(axis=1), rtol=1e-5)
    # Whatever the padding's vector holds, the answer is the same: it has no weight.
    table = embed.get_weights()[0]
    table[0] = 100.0
    embed.set_weights([table])
    np.testing.assert_allclose(_numpy(model(tokens)[0]), pooled, rtol=1e-6)


def test_attention_trains_and_saves(tmp_path):
    model = _model(return_weights=False)
    out = keras.layers.Dense(1, activation="sigmoid")(model.output)
    net = keras.Model(model.input, out)
    net.compile("adam", "binary_crossentropy")
    x = np.random.default_rng(0).integers(0, 10, (32, 5))
    net.fit(x, (x[:, 0] > 4).astype("float32"), epochs=1, verbose=0)
    net.save(tmp_path / "net.keras")
    again = keras.saving.load_model(tmp_path / "net.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), net.predict(x, verbose=0), rtol=1e-5)


def test_masked_max_pooling_skips_the_padding():
    keras.utils.set_random_seed(0)
    tokens = keras.Input((4,), dtype="int32")
    h = keras.layers.Embedding(10, 3, mask_zero=True)(tokens)
    model = keras.Model(tokens, layers.MaskedGlobalMaxPooling1D()(h))
    table = -1.0 - np.arange(30, dtype="float32").reshape(10, 3)  # every vector negative
    table[0] = 5.0  # the padding's vector would win an unmasked maximum
    model.layers[1].set_weights([table])
    x = np.array([[3, 4, 0, 0], [0, 0, 0, 0], [7, 2, 9, 1]])
    pooled = _numpy(model(x))
    np.testing.assert_allclose(pooled[0], table[[3, 4]].max(axis=0))
    np.testing.assert_allclose(pooled[1], 0.0)  # all padding: zeros, not -1e9
    np.testing.assert_allclose(pooled[2], table[[7, 2, 9, 1]].max(axis=0))
    # Keras' own layer takes the padding too: the reason this one exists.
    unmasked = _numpy(keras.layers.GlobalMaxPooling1D()(keras.ops.take(table, x, axis=0)))
    assert (unmasked[0] == 5.0).all()


def test_attention_needs_a_sequence():
    """A 2-D (batch, features) input would be pooled across the batch without a word."""
    with pytest.raises(ValueError, match=r"shape \(batch, time, features\), not \(None, 4\)"):
        layers.AdditiveAttention()(keras.Input((4,)))
    with pytest.raises(ValueError, match=r"shape \(batch, time, features\), not \(5, 4\)"):
        layers.AdditiveAttention()(np.ones((5, 4), "float32"))
