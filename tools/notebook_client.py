"""nbclient's NotebookClient, with every read of the kernel's channels waiting in short slices.

nbclient waits for a cell's reply with one read of the shell channel as long as the cell timeout,
and for its output with an unbounded read of the IOPub channel. Now and then such a read is not
woken when its message arrives (jupyter/nbclient#312, reported after cells that display an
ipywidget): lecture 03 then sat idle for 598 s after its widget cell, until the read's timer
fired and found the reply that had been there all along, and the run went on and passed. Every
read looks at the socket before it waits, so reads of ``SLICE`` seconds turn a missed wake-up
into a delay of at most ``SLICE``.

Used by the notebook tests (tests/test_notebooks.py) and the benchmark (tools/bench_notebooks.py).
"""

from __future__ import annotations

from queue import Empty
from time import monotonic

from nbclient import NotebookClient

SLICE = 2.0  # seconds that one read of a kernel channel waits


class SlicedClient(NotebookClient):
    """``late`` lists each message that a read saw only when its timer fired, as its channel and
    the number of code cells sent to the kernel by then (the cell's ``execution_count``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.late: list[tuple[str, int]] = []

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
                    message = await get_msg(timeout=wait)
                except Empty:
                    if deadline is not None and monotonic() >= deadline:
                        raise
                    continue
                if wait > 0 and monotonic() - started >= wait - 0.005:
                    self.late.append((name, self.code_cells_executed))
                return message

        return get_msg_in_slices

    def late_summary(self) -> str:
        """For the test summary: which messages a read saw late, or "" when none."""
        if not self.late:
            return ""
        where = ", ".join(f"{name} in code cell {count}" for name, count in self.late)
        return f"; seen only when a {SLICE:g}-s read ran out: {where}"
