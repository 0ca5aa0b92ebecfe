"""Sphinx extension: each page loads each script once.

Under Sphinx 7.4, sphinx-thebe (which Jupyter Book always loads) registers its inline
configuration script twice (and sphinx-togglebutton its selector), and the second
``const THEBE_JS_URL`` is a SyntaxError on every page. This drops repeated entries (same file,
same attributes, same inline body) from a page's scripts just before it is written.
tools/check_site.py fails on any console error, so a regression shows.
"""

from __future__ import annotations

from typing import Any


def _drop_repeats(app: Any, pagename: str, templatename: str, context: dict, doctree: Any):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        # An inline script added twice has filename None once and "" once (builder, registry).
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Any) -> dict:
    app.connect("html-page-context", _drop_repeats, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
