"""The notebook tests' kernel client reads the kernel's channels in slices (test_notebooks.py).

A deaf channel stands in for nbclient's missed wake-up (jupyter/nbclient#312): its read
returns a message only when the read's own timer runs out, never when the message arrives.
"""

from __future__ import annotations

import asyncio
from queue import Empty
from time import monotonic

import nbformat
import pytest
import test_notebooks


class DeafChannel:
    def __init__(self, arrives_after: float | None):
        self.arrives = None if arrives_after is None else monotonic() + arrives_after

    async def get_msg(self, timeout: float | None = None) -> dict:
        await asyncio.sleep(3600 if timeout is None else timeout)
        if self.arrives is not None and monotonic() >= self.arrives:
            return {"msg_type": "execute_reply"}
        raise Empty


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setattr(test_notebooks, "SLICE", 0.05)
    return test_notebooks._Client(nbformat.v4.new_notebook())


def read(client, channel: DeafChannel, timeout: float | None) -> tuple[dict, float]:
    started = monotonic()
    message = asyncio.run(client._in_slices(channel.get_msg)(timeout=timeout))
    return message, monotonic() - started


@pytest.mark.parametrize("timeout", [600.0, None])
def test_a_missed_wake_up_costs_one_slice(client, timeout):
    message, seconds = read(client, DeafChannel(arrives_after=0.2), timeout)
    assert message["msg_type"] == "execute_reply"
    assert seconds < 1.0, seconds  # not the 600 s (or forever) of one long read
    assert client.late == 1


def test_no_message_is_still_a_timeout(client):
    with pytest.raises(Empty):
        read(client, DeafChannel(arrives_after=None), timeout=0.3)
    assert client.late == 0
