"""The notebook tests' client reads the kernel's channels in slices (tools/notebook_client.py).

A deaf channel stands in for nbclient's missed wake-up (jupyter/nbclient#312): its read
returns a message only when the read's own timer runs out, never when the message arrives.
Slices of 0.2 s here, so that a missed message costs 0.2 s, not the test's timeout.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from queue import Empty
from time import monotonic

import nbformat
import notebook_client
import pytest


class DeafChannel:
    def __init__(self, arrives_after: float | None):
        self.arrives = None if arrives_after is None else monotonic() + arrives_after

    async def get_msg(self, timeout: float | None = None) -> dict:
        await asyncio.sleep(3600 if timeout is None else timeout)
        if self.arrives is not None and monotonic() >= self.arrives:
            sent = datetime.now(UTC) - timedelta(seconds=monotonic() - self.arrives)
            return {"header": {"msg_type": "execute_reply", "date": sent}}
        raise Empty


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setattr(notebook_client, "SLICE", 0.2)
    return notebook_client.SlicedClient(nbformat.v4.new_notebook())


def read(client, channel: DeafChannel, timeout: float | None) -> tuple[dict, float]:
    started = monotonic()
    reading = client.in_slices(channel.get_msg, "shell")(timeout=timeout)
    message = asyncio.run(asyncio.wait_for(reading, 10))  # a broken client fails, not hangs
    return message, monotonic() - started


@pytest.mark.parametrize("timeout", [600.0, None])
def test_a_missed_wake_up_costs_one_slice(client, timeout):
    message, seconds = read(client, DeafChannel(arrives_after=0.05), timeout)
    assert message["header"]["msg_type"] == "execute_reply"
    assert seconds < 1.0, seconds  # one slice (0.2 s), not 600 s (or forever)
    assert client.late == [("shell", None)]
    assert client.late_summary() == "; seen only when a 0.2-s read ran out: shell in cell None"


def test_no_message_is_still_a_timeout(client):
    started = monotonic()
    with pytest.raises(Empty):
        read(client, DeafChannel(arrives_after=None), timeout=0.5)
    assert 0.5 <= monotonic() - started < 1.5
    assert client.late == []


@pytest.mark.notebook  # starts a kernel
def test_the_book_build_executes_with_the_sliced_client(monkeypatch, tmp_path):
    """_ext/sliced_reads.py puts the client where jupyter-book's execution (jupyter-cache's
    ``single_nb_execution``, as myst-nb calls it) finds it."""
    import nbclient.client
    from jupyter_cache.executors.utils import single_nb_execution

    monkeypatch.setattr(nbclient.client, "NotebookClient", nbclient.client.NotebookClient)
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "_ext"))
    import sliced_reads

    sliced_reads.setup(app=None)
    channels = []
    in_slices = notebook_client.SlicedClient.in_slices

    def spy(self, get_msg, name):
        channels.append(name)
        return in_slices(self, get_msg, name)

    monkeypatch.setattr(notebook_client.SlicedClient, "in_slices", spy)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    result = single_nb_execution(notebook, cwd=str(tmp_path), timeout=60, allow_errors=False)
    assert result.err is None, result.exc_string
    assert notebook.cells[0].outputs[0]["text"] == "42\n"
    assert channels == ["shell", "iopub"]
