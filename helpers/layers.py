"""Layers the lectures need that Keras does not ship.

:class:`AdditiveAttention` pools a sequence into one vector with learned weights per time
step, respecting the padding mask (lecture 12). Keras' own ``keras.layers.Attention`` and
``AdditiveAttention`` are query-key attention between two sequences, a different layer.
:class:`MaskedGlobalMaxPooling1D` is the maximum over time that skips the padding: Keras'
``GlobalMaxPooling1D`` drops the mask (with a warning) and takes the padded steps' zeros too.
Backend-neutral: only ``keras.ops``.
"""

from __future__ import annotations

from typing import Any

from helpers.devices import import_keras

keras = import_keras()
ops = keras.ops


@keras.saving.register_keras_serializable(package="helpers")
class AdditiveAttention(keras.layers.Layer):
    """Attention pooling over time: a_t = softmax_t(vᵀ tanh(W h_t + b)), output Σ_t a_t h_t.

    Takes (batch, time, features) and a mask from an ``Embedding(mask_zero=True)`` upstream;
    padded steps get weight exactly 0. Returns (batch, features), or with
    ``return_weights=True`` also the weights (batch, time).

    Args:
        units: the size of the hidden layer W (default: the number of features).

    Raises:
        ValueError: (when built) the input is not 3-D (batch, time, features).
    """

    def __init__(self, units: int | None = None, return_weights: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.units, self.return_weights = units, return_weights
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) != 3:  # a softmax over a 2-D input's last axis would mix the batch
            raise ValueError(
                f"AdditiveAttention takes a sequence, shape (batch, time, features), not "
                f"{tuple(input_shape)}: put it after a layer that returns sequences (e.g. an "
                f"Embedding, or an LSTM with return_sequences=True)"
            )
        features = input_shape[-1]
        units = self.units or features
        self.w = self.add_weight(shape=(features, units), initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(units,), initializer="zeros", name="b")
        self.v = self.add_weight(shape=(units,), initializer="glorot_uniform", name="v")

    def call(self, h, mask=None):
        scores = ops.tensordot(ops.tanh(ops.tensordot(h, self.w, 1) + self.b), self.v, 1)
        if mask is not None:  # padded steps: -inf before the softmax, so weight 0
            scores = ops.where(ops.cast(mask, "bool"), scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=-1)
        if mask is not None:  # exactly 0 (an all-padding row stays all 0)
            weights = weights * ops.cast(mask, weights.dtype)
        pooled = ops.sum(h * ops.expand_dims(weights, -1), axis=1)
        return (pooled, weights) if self.return_weights else pooled

    def compute_mask(self, inputs, mask=None):
        return None  # time is summed away

    def compute_output_shape(self, input_shape):
        pooled = (input_shape[0], input_shape[-1])
        return (pooled, input_shape[:2]) if self.return_weights else pooled

    def get_config(self):
        return {**super().get_config(), "units": self.units, "return_weights": self.return_weights}


@keras.saving.register_keras_serializable(package="helpers")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """The maximum of each feature over the time steps that are not padding.

    Takes (batch, time, features) and the mask from upstream; returns (batch, features). A
    row that is all padding gives zeros. Keras' ``GlobalMaxPooling1D`` ignores the mask, so
    the zeros a masked recurrent layer outputs on padded steps join its maximum.
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, x, mask=None):
        if mask is None:
            return ops.max(x, axis=1)
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
        maximum = ops.max(ops.where(keep, x, ops.full_like(x, -1e9)), axis=1)
        return ops.where(ops.any(keep, axis=1), maximum, ops.zeros_like(maximum))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
