"""Devices: find out what hardware a notebook runs on, and import Keras without log noise.

Nothing here imports TensorFlow at module import time. :func:`gpu_available` answers from the
operating system (NVIDIA device files, ``nvidia-smi``) so that the run profile can be chosen
without loading a deep-learning framework. :func:`import_keras` loads Keras (and through it
the backend) with TensorFlow's C++ start-up messages kept out of notebook outputs.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

# Set before TensorFlow is imported; TensorFlow reads them once, at import.
_QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # C++ INFO, WARNING and ERROR start-up lines
    "GRPC_VERBOSITY": "ERROR",
}
# oneDNN stays on (TensorFlow's default on x86): its start-up banner is printed during the
# silenced import, and turning it off (TF_ENABLE_ONEDNN_OPTS=0) halves convolution training
# speed on a CPU (lecture 10's DCGAN: 17 s per epoch without it, 8 s with it, on 2 cores).


@lru_cache(maxsize=1)
def gpu_available() -> bool:
    """Whether an NVIDIA GPU is visible to this process, found without importing TensorFlow."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    if glob.glob("/dev/nvidia[0-9]*") or glob.glob("/proc/driver/nvidia/gpus/*"):
        return True
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


def cpu_count() -> int:
    """CPU cores this process may use (respects affinity masks, as on CI runners)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def device_report() -> str:
    """One line naming the hardware, e.g. ``CPU (2 cores), no GPU``."""
    gpu = "GPU available" if gpu_available() else "no GPU"
    return f"CPU ({cpu_count()} cores), {gpu}"


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null, so that C++ libraries cannot print to it."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_keras() -> ModuleType:
    """Import and return ``keras`` with the backend's start-up log noise suppressed.

    TensorFlow prints CUDA, cuInit, absl and CPU-feature messages to file descriptor 2 while
    it is imported; in a notebook they land in the cell's output and in the built site. They
    are informational, so we import with descriptor 2 silenced and lower the Python loggers.
    Errors raised by the import itself still propagate as exceptions.
    """
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    if "keras" in sys.modules:
        return sys.modules["keras"]
    with _stderr_silenced():
        import keras  # on demand: importing it loads a backend

        # Keras imports TensorFlow where it is installed whatever the backend (its
        # set_random_seed seeds TensorFlow too; tf.data inputs), and TensorFlow prints its
        # start-up messages then: import it here, quietly.
        if importlib.util.find_spec("tensorflow") is not None:
            import tensorflow as tf

            tf.get_logger().setLevel(logging.ERROR)
            # Looking for GPUs starts CUDA, which logs "failed call to cuInit" where there is
            # none, past TF_CPP_MIN_LOG_LEVEL: do it now, while descriptor 2 is silenced.
            tf.config.list_physical_devices("GPU")
    with contextlib.suppress(ImportError):
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    return keras


def backend_gpus(keras: ModuleType) -> int:
    """How many GPUs the Keras backend can use."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return len(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return sum(d.platform == "gpu" for d in jax.devices())
    if backend == "torch":
        import torch

        return torch.cuda.device_count()
    return 0


def keras_report(keras: ModuleType) -> str:
    """One line naming the Keras version, backend and the accelerators the backend sees."""
    backend = keras.backend.backend()
    framework = sys.modules.get(
        {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend, ""), None
    )
    version = f" {framework.__version__}" if framework is not None else ""
    return f"Keras {keras.__version__} on {backend}{version}, {backend_gpus(keras)} GPU(s)"


@dataclass(frozen=True)
class Acceleration:
    """The speed switches in force: mixed precision (float16 compute) and XLA compilation."""

    mixed_precision: bool
    xla: bool

    def compile_kwargs(self) -> dict[str, bool]:
        """Arguments for ``model.compile`` that apply the XLA switch."""
        return {"jit_compile": self.xla}

    def __str__(self) -> str:
        words = {True: "on", False: "off"}
        return f"mixed precision {words[bool(self.mixed_precision)]}, XLA {words[bool(self.xla)]}"


def env_flag(name: str) -> bool | None:
    """An on/off environment variable: True, False, or None where it is unset or empty."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return None
    if value in ("1", "true", "on", "yes"):
        return True
    if value in ("0", "false", "off", "no"):
        return False
    raise ValueError(f"{name}={value!r}: use 1 or 0")


def configure_acceleration(
    mixed_precision: bool | None = None, xla: bool | None = None
) -> Acceleration:
    """Switch mixed precision and XLA on where they help (a GPU) and off where they hurt (CPU).

    Each switch is, in order: the argument, the environment variable
    ``HELPERS_MIXED_PRECISION`` / ``HELPERS_XLA`` (1 or 0), or on exactly when the backend sees
    a GPU; except that XLA is on by default with JAX, whose compiled step is XLA's (without it
    JAX runs one operation at a time, many times slower on any device). Mixed precision is
    set as Keras' global dtype policy (models built afterwards use it); XLA is applied per
    model with ``model.compile(..., **acc.compile_kwargs())``. On TensorFlow GPUs, memory
    growth is enabled so that one notebook does not hold all memory.
    """
    keras = import_keras()
    gpu = backend_gpus(keras) > 0
    mp = mixed_precision if mixed_precision is not None else env_flag("HELPERS_MIXED_PRECISION")
    jit = xla if xla is not None else env_flag("HELPERS_XLA")
    jit_default = gpu or keras.backend.backend() == "jax"
    acc = Acceleration(gpu if mp is None else mp, jit_default if jit is None else jit)
    keras.mixed_precision.set_global_policy("mixed_float16" if acc.mixed_precision else "float32")
    if gpu and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        for device in tf.config.list_physical_devices("GPU"):
            with contextlib.suppress(RuntimeError):  # already initialised: too late, harmless
                tf.config.experimental.set_memory_growth(device, True)
    return acc
