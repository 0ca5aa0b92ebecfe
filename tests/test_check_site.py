"""tools/check_site.py fails on a broken page and passes a clean one (needs Chromium)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "check_site.py"
spec = importlib.util.spec_from_file_location("check_site", TOOL)
check_site = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_site)

pytestmark = pytest.mark.skipif(
    check_site.find_chromium() is None,
    reason="no Chromium: apt-get install chromium (make check-site)",
)
PIXEL = bytes.fromhex(  # a 1x1 PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def page(body: str) -> str:
    return (
        f"<!doctype html><html><head><title>t</title></head><body><main>{body}</main></body></html>"
    )


def test_a_clean_site_passes(tmp_path, capsys):
    (tmp_path / "dot.png").write_bytes(PIXEL)
    (tmp_path / "index.html").write_text(
        page('<h1 id="top">Home</h1><img src="dot.png"><a href="other.html#part">other</a>')
    )
    (tmp_path / "other.html").write_text(page('<h1 id="part">Other</h1><a href="index.html">'))
    assert check_site.main([str(tmp_path), "--screenshots", str(tmp_path / "shots")]) == 0
    assert "2 pages, 0 problems" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "shots").iterdir()) == ["index.png", "other.png"]


def test_a_broken_site_fails_and_says_why(tmp_path, capsys):
    long = "y" * 3000
    (tmp_path / "index.html").write_text(
        page(
            '<h1>Home</h1><img src="missing.png"><a href="gone.html">gone</a>'
            '<a href="index.html#nowhere">anchor</a><script>undefinedFunction()</script>'
            '<div class="cell_output"><pre style="white-space: pre">' + "x" * 3000 + "</pre></div>"
            f'<div class="cell_input"><div class="highlight"><pre style="white-space: pre">{long}'
            "</pre></div></div>"
            '<span class="math notranslate nohighlight">\\(h_t\\)</span>'
        )
    )
    assert check_site.main([str(tmp_path), "--screenshots", str(tmp_path / "shots")]) == 1
    out = capsys.readouterr().out
    for expected in (
        "image does not load",
        "broken link to /gone.html",
        "missing anchor /index.html#nowhere",
        "uncaught",
        "undefinedFunction",
        "output line cut off",
        "code line cut off",
        "math shown as raw TeX",
    ):
        assert expected in out, expected
