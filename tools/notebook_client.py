"""nbclient's NotebookClient, with every read of the kernel's channels waiting in short slices.

nbclient waits for a cell's reply with one read of the shell channel as long as the cell timeout,
and for its output with an unbounded read of the IOPub channel. Now and then such a read is not
woken when its message arrives (jupyter/nbclient#312, reported after cells that display an
ipywidget): lecture 03 then sat idle for 598 s after its widget cell, until the read's timer
fired and found the reply that had been there all along, and the run went on and passed. Every
read looks at the socket before it waits, so reads of ``SLICE`` seconds turn a missed wake-up
into a delay of at most ``SLICE``.

Used by the notebook tests (tests/test_notebooks.py), the benchmark (tools/bench_notebooks.py)
and the book build's own executions (_ext/sliced_reads.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from queue import Empty
from time import monotonic

from jupyter_core.utils import ensure_async
from nbclient import NotebookClient

SLICE = 2.0  # seconds that one read of a kernel channel waits


class SlicedClient(NotebookClient):
    """``late`` lists the messages that a read saw only when its timer fired, though the kernel
    had sent them more than an eighth of a slice (0.25 s) before: their channel and the index of
    the cell then running. Each is also logged as a warning."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.late: list[tuple[str, int | None]] = []
        self.cell_index: int | None = None

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        self.cell_index = cell_index
        return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        for name in ("shell", "iopub"):
            channel = getattr(client, f"{name}_channel")
            channel.get_msg = self.in_slices(channel.get_msg, name)
        return client

    def in_slices(self, get_msg, name: str):
        """``get_msg(timeout)`` as reads of at most ``SLICE`` seconds until ``timeout``."""

        async def get_msg_in_slices(timeout: float | None = None):
            deadline = None if timeout is None else monotonic() + timeout
            while True:
                wait = SLICE if deadline is None else max(0.0, min(SLICE, deadline - monotonic()))
                started = monotonic()
                try:
                    message = await ensure_async(get_msg(timeout=wait))
                except Empty:
                    if deadline is not None and monotonic() >= deadline:
                        raise
                    continue
                if monotonic() - started >= SLICE - 0.01 and _age(message) > SLICE / 8:
                    self.late.append((name, self.cell_index))
                    self.log.warning(
                        "A %s message waited %.1f s for a read that missed it (nbclient#312)",
                        name,
                        _age(message),
                    )
                return message

        return get_msg_in_slices

    def late_summary(self) -> str:
        """For the test summary: which messages a read saw late, or "" when none."""
        if not self.late:
            return ""
        where = ", ".join(f"{name} in cell {index}" for name, index in self.late)
        return f"; seen only when a {SLICE:g}-s read ran out: {where}"


def _age(message: dict) -> float:
    """Seconds since the kernel sent ``message`` (0 when its header has no date)."""
    sent = message.get("header", {}).get("date")
    if not isinstance(sent, datetime) or sent.tzinfo is None:
        return 0.0
    return (datetime.now(UTC) - sent).total_seconds()
