"""Sphinx extension: the book build executes notebooks with tools/notebook_client.py's client.

jupyter-book executes a notebook through jupyter-cache, which calls ``nbclient.execute``, which
builds an ``nbclient.client.NotebookClient``. Putting ``SlicedClient`` in its place gives the
build's own executions (``make book`` without ``make test`` before it) the same protection from
nbclient's missed replies (jupyter/nbclient#312: lecture 03 once waited 598 s) as the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def setup(app: Any) -> dict:
    import nbclient.client

    tools = str(Path(__file__).resolve().parent.parent / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    from notebook_client import SlicedClient

    nbclient.client.NotebookClient = SlicedClient
    return {"parallel_read_safe": True, "parallel_write_safe": True}
