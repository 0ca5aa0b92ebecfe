"""Devices: find out what hardware a notebook runs on, and import Keras without log noise.

Nothing here imports TensorFlow at module import time. :func:`gpu_available` answers from the
operating system (NVIDIA device files, ``nvidia-smi``) so that the run profile can be chosen
without loading a deep-learning framework. :func:`import_keras` loads Keras (and through it
the backend) with TensorFlow's C++ start-up messages kept out of notebook outputs.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from types import ModuleType
from typing import Iterator

# Set before TensorFlow is imported; TensorFlow reads them once, at import.
_QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # C++ INFO, WARNING and ERROR start-up lines
    "TF_ENABLE_ONEDNN_OPTS": "0",  # the "oneDNN custom operations are on" banner
    "GRPC_VERBOSITY": "ERROR",
}


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
        import keras  # noqa: PLC0415 (imported on demand: it loads a backend)

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf  # noqa: PLC0415

            tf.get_logger().setLevel(logging.ERROR)
    with contextlib.suppress(ImportError):
        from absl import logging as absl_logging  # noqa: PLC0415

        absl_logging.set_verbosity(absl_logging.ERROR)
    return keras


def keras_report(keras: ModuleType) -> str:
    """One line naming the Keras version, backend and the accelerators the backend sees."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf  # noqa: PLC0415

        gpus = len(tf.config.list_physical_devices("GPU"))
        return f"Keras {keras.__version__} on TensorFlow {tf.__version__}, {gpus} GPU(s)"
    if backend == "jax":
        import jax  # noqa: PLC0415

        gpus = sum(d.platform == "gpu" for d in jax.devices())
        return f"Keras {keras.__version__} on JAX {jax.__version__}, {gpus} GPU(s)"
    return f"Keras {keras.__version__} on {backend}"
