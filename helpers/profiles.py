"""The run profile: one knob that scales every notebook between a laptop CPU and a GPU.

``quick`` uses small subsets and few epochs so that each lecture runs in its CPU budget;
``full`` uses the settings that reproduce the original lecture's numbers. The profile is read
once, from the ``HELPERS_PROFILE`` environment variable, and defaults to ``full`` when a GPU
is present and ``quick`` otherwise. Notebooks ask the profile for values with
:meth:`RunProfile.pick` instead of writing ``if`` chains.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

from helpers.devices import gpu_available

PROFILES = ("quick", "full")
ENV_VAR = "HELPERS_PROFILE"

T = TypeVar("T")


@dataclass(frozen=True)
class RunProfile:
    """A named run profile and why it was chosen.

    Attributes:
        name: ``"quick"`` or ``"full"``.
        reason: a short phrase saying where the choice came from, for the setup report.
    """

    name: str
    reason: str

    def __post_init__(self) -> None:
        if self.name not in PROFILES:
            raise ValueError(
                f"unknown run profile {self.name!r}: use one of {', '.join(PROFILES)} "
                f"(e.g. export {ENV_VAR}=quick)"
            )

    @property
    def quick(self) -> bool:
        return self.name == "quick"

    @property
    def full(self) -> bool:
        return self.name == "full"

    def pick(self, *, quick: T, full: T) -> T:
        """Return the value for this profile: ``epochs = profile.pick(quick=2, full=10)``."""
        return quick if self.quick else full

    def __str__(self) -> str:
        return f"{self.name} ({self.reason})"


def get_profile(name: str | None = None) -> RunProfile:
    """Return the run profile.

    Args:
        name: force a profile; by default ``$HELPERS_PROFILE``, else ``full`` with a GPU and
            ``quick`` without one.

    Raises:
        ValueError: the name (or the environment variable) is not a known profile.
    """
    if name is not None:
        return RunProfile(name.strip().lower(), "asked for")
    from_env = os.environ.get(ENV_VAR, "").strip().lower()
    if from_env:
        return RunProfile(from_env, f"from ${ENV_VAR}")
    if gpu_available():
        return RunProfile("full", f"GPU found; {ENV_VAR}=quick for the small settings")
    return RunProfile("quick", f"no GPU; {ENV_VAR}=full for the lecture's full settings")
