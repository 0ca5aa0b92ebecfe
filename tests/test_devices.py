"""helpers.devices: what hardware there is, and the acceleration switches."""

from __future__ import annotations

import pytest

from helpers import devices


def test_cuda_visible_devices_hides_gpus(monkeypatch):
    devices.gpu_available.cache_clear()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    try:
        assert devices.gpu_available() is False
    finally:
        devices.gpu_available.cache_clear()


def test_device_report_names_cores():
    assert f"CPU ({devices.cpu_count()} cores)" in devices.device_report()


def test_acceleration_is_off_on_cpu_and_switchable(monkeypatch):
    keras = devices.import_keras()
    if devices.backend_gpus(keras):
        pytest.skip("this test describes the CPU defaults")
    monkeypatch.delenv("HELPERS_MIXED_PRECISION", raising=False)
    monkeypatch.delenv("HELPERS_XLA", raising=False)
    acc = devices.configure_acceleration()
    # XLA stays on with JAX: its compiled step is XLA's (off, JAX runs op by op).
    jax = keras.backend.backend() == "jax"
    assert (acc.mixed_precision, acc.xla) == (False, jax)
    assert keras.mixed_precision.global_policy().name == "float32"
    try:
        forced = devices.configure_acceleration(mixed_precision=True, xla=True)
        assert keras.mixed_precision.global_policy().name == "mixed_float16"
        assert forced.compile_kwargs() == {"jit_compile": True}
    finally:
        devices.configure_acceleration(mixed_precision=False, xla=False)
    monkeypatch.setenv("HELPERS_XLA", "maybe")
    with pytest.raises(ValueError, match="HELPERS_XLA='maybe': use 1 or 0"):
        devices.configure_acceleration()
