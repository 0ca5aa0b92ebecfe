"""The run profile: one knob that scales every notebook between a laptop CPU and a GPU.

``quick`` uses small subsets and few epochs so that each lecture runs in its CPU budget;
``full`` uses the settings that reproduce the original lecture's numbers. The profile is read
once, from the ``HELPERS_PROFILE`` environment variable, and defaults to ``full`` when a GPU
is present and ``quick`` otherwise. Notebooks ask the profile for values with
:meth:`RunProfile.pick` instead of writing ``if`` chains.

``HELPERS_SMOKE=1`` is a smoke run of the full profile, for testing it on a CPU: every branch,
model and data path of ``full``, with training, repeats and sample counts cut to the
``smoke=`` values that a lecture gives :meth:`RunProfile.pick` (the ``full`` value where it
gives none). Its numbers mean nothing, so the hidden checks that need real training are
skipped there (``if not profile.smoke``) and only there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

from helpers.devices import env_flag, gpu_available

PROFILES = ("quick", "full")
ENV_VAR = "HELPERS_PROFILE"
SMOKE_VAR = "HELPERS_SMOKE"
_UNSET = object()

T = TypeVar("T")


@dataclass(frozen=True)
class RunProfile:
    """A named run profile and why it was chosen.

    Attributes:
        name: ``"quick"`` or ``"full"``.
        reason: a short phrase saying where the choice came from, for the setup report.
        smoke: a smoke run of the full profile (``$HELPERS_SMOKE``): training cut short.
    """

    name: str
    reason: str
    smoke: bool = False

    def __post_init__(self) -> None:
        if self.name not in PROFILES:
            raise ValueError(
                f"unknown run profile {self.name!r}: use one of {', '.join(PROFILES)} "
                f"(e.g. export {ENV_VAR}=quick)"
            )
        if self.smoke and self.name != "full":
            raise ValueError(
                f"a smoke run exercises the full profile, not {self.name!r}: unset {ENV_VAR} "
                f"(or set it to full), or unset {SMOKE_VAR}"
            )

    @property
    def quick(self) -> bool:
        return self.name == "quick"

    @property
    def full(self) -> bool:
        return self.name == "full"

    def pick(self, *, quick: T, full: T, smoke: T = _UNSET) -> T:  # type: ignore[assignment]
        """Return the value for this profile: ``epochs = profile.pick(quick=2, full=10)``.

        ``smoke`` is the value for a smoke run of the full profile (a size cut so that the
        full profile's code runs in seconds); without it a smoke run gets ``full``.
        """
        if self.quick:
            return quick
        return smoke if self.smoke and smoke is not _UNSET else full

    def __str__(self) -> str:
        kind = f"{self.name}, smoke run" if self.smoke else self.name
        return f"{kind} ({self.reason})"


def get_profile(name: str | None = None) -> RunProfile:
    """Return the run profile.

    Args:
        name: force a profile; by default ``$HELPERS_PROFILE``, else ``full`` with a GPU and
            ``quick`` without one.

    Raises:
        ValueError: the name (or an environment variable) is not a known profile, or a smoke
            run is asked of the quick profile.
    """
    smoke = smoke_run()
    if name is not None:
        return RunProfile(name.strip().lower(), "asked for", smoke)
    from_env = os.environ.get(ENV_VAR, "").strip().lower()
    if from_env:
        reason = f"from ${ENV_VAR}" + (f" and ${SMOKE_VAR}" if smoke else "")
        return RunProfile(from_env, reason, smoke)
    if smoke:
        return RunProfile("full", f"from ${SMOKE_VAR}: training cut, its checks skipped", True)
    if gpu_available():
        return RunProfile("full", f"GPU found; {ENV_VAR}=quick for the small settings")
    return RunProfile("quick", f"no GPU; {ENV_VAR}=full for the lecture's full settings")


def smoke_run() -> bool:
    """Whether ``$HELPERS_SMOKE`` asks for a smoke run (1, on, true or yes).

    Raises:
        ValueError: the variable is set to neither on nor off.
    """
    return bool(env_flag(SMOKE_VAR))
