"""Open every page of the built site in headless Chromium and fail on what a reader would hit.

What `make check-site` runs, after `make book`. The site is served on 127.0.0.1 and every
request to another host is blocked (so the check is the same offline and online, and shows
what a reader without network sees). Each page fails on:

- a JavaScript error (an uncaught exception, or an error in the console that is not a blocked
  external resource);
- an image that does not load, or a page of the site that answers with an error;
- a broken internal link (a missing page, or a missing #anchor in it);
- an output line or a line of code cut off at the right edge (a box that scrolls sideways);
- math left as raw TeX (MathJax did not typeset it: say, it was to come from a CDN);
- for a lecture: no figure, a Colab or Binder launch link or a download link that does not point
  at the lecture's own ``book/NN_topic.ipynb``, or a search for a word from its title that does
  not find it;
- for the landing page: a lecture of ``_toc.yml`` that is not an item of its lecture lists.

A screenshot of each page goes to ``_build/screenshots/``. Without Chromium the check is
skipped with a message saying how to install it (exit code 0); any problem exits 1.

Usage: python tools/check_site.py [SITE_DIR] [--screenshots DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_FOLDERS = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}


def find_chromium() -> str | None:
    """Chromium's executable: ``$CHROMIUM``, else the first browser on the PATH."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    return next((path for name in names if (path := shutil.which(name))), None)


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``folder`` on a free port of 127.0.0.1, quietly, in a background thread."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            if not isinstance(sys.exc_info()[1], ConnectionError):  # a browser hung up: fine
                super().handle_error(request, client_address)

    handler = functools.partial(Quiet, directory=str(folder))
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def lectures_from_toc() -> list[str]:
    """The numbered lectures' paths without suffix (``book/01_roc_auc``), in toc order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    return [f for f in files if re.match(r"book/\d\d_", f)]


def title_word(page) -> str:
    """A distinctive word of the page's title (its longest), for the search check."""
    title = page.locator("main h1").first.inner_text()
    words = re.findall(r"[A-Za-z]{5,}", title)
    return max(words, key=len) if words else ""


# Waits for MathJax to typeset the page, if it loaded at all (when it did not, `window.MathJax`
# is at most its configuration, without `startup`).
MATH_TYPESET = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
}"""

PAGE_FACTS = """() => {
  const main = document.querySelector("main") || document.body;
  const images = [...document.images].map(img => ({
    src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0}));
  const links = [...document.querySelectorAll("a[href]")].map(a => a.href);
  const ids = [...document.querySelectorAll("[id]")].map(e => e.id)
      .concat([...document.querySelectorAll("a[name]")].map(a => a.name));
  const cut = [...main.querySelectorAll(".cell_output pre, .output pre")]
      .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
      .map(pre => pre.innerText.split("\\n").reduce((a, b) => a.length > b.length ? a : b, ""));
  const cutCode = [...main.querySelectorAll("div.highlight pre")]
      .filter(pre => !pre.closest(".cell_output, .output"))
      .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
      .map(pre => pre.innerText.split("\\n").reduce((a, b) => a.length > b.length ? a : b, ""));
  const rawTex = [...main.querySelectorAll(".math")]
      .filter(e => !e.querySelector("mjx-container"))
      .map(e => e.textContent.trim().slice(0, 60));
  const figures = [...main.querySelectorAll(".cell_output img, .output img")].length;
  const listed = [...main.querySelectorAll("li a[href]")].map(a => a.href);
  return {images, links, ids, cut, cutCode, rawTex, figures, listed};
}"""


class SiteCheck:
    def __init__(self, site: Path, screenshots: Path, base: str, browser) -> None:
        self.site, self.screenshots, self.base = site, screenshots, base
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.context.route(
            re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort()
        )
        self.problems: list[str] = []
        self.external: set[str] = set()
        self.ids: dict[str, set[str]] = {}
        self.links: dict[str, list[str]] = {}

    def local(self, url: str) -> bool:
        return url.startswith(self.base)

    def file_of(self, url: str) -> Path:
        path = unquote(urlsplit(url).path).lstrip("/")
        target = self.site / path
        return target / "index.html" if target.is_dir() else target

    def open(self, rel: str):
        """Open one page; record its errors; return (page, facts)."""
        page = self.context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(f"uncaught {err}"))

        def on_console(msg) -> None:
            if msg.type != "error":
                return
            source = (msg.location or {}).get("url", "")
            if "Failed to load resource" in msg.text and source and not self.local(source):
                self.external.add(urlsplit(source).netloc)  # blocked on purpose
                return
            errors.append(f"console: {msg.text} ({source or 'inline'})")

        page.on("console", on_console)
        page.on(
            "requestfailed",
            lambda req: (
                None
                if not self.local(req.url)
                else errors.append(f"request failed: {req.url} ({req.failure})")
            ),
        )
        page.on(
            "response",
            lambda res: (
                errors.append(f"HTTP {res.status}: {res.url}")
                if self.local(res.url) and res.status >= 400
                else None
            ),
        )
        page.goto(f"{self.base}/{rel}", wait_until="load")
        page.wait_for_timeout(300)  # late scripts (search index, theme) report their errors
        page.evaluate(MATH_TYPESET)
        facts = page.evaluate(PAGE_FACTS)
        for message in errors:
            self.problems.append(f"{rel}: {message}")
        for image in facts["images"]:
            if not image["ok"]:
                self.problems.append(f"{rel}: image does not load: {image['src']}")
        for line in facts["cut"]:
            self.problems.append(f"{rel}: output line cut off at the right edge: {line[:80]!r}")
        for line in facts["cutCode"]:
            self.problems.append(f"{rel}: code line cut off at the right edge: {line[:80]!r}")
        for tex in facts["rawTex"]:
            self.problems.append(f"{rel}: math shown as raw TeX (MathJax did not load): {tex!r}")
        self.ids[rel] = set(facts["ids"])
        self.links[rel] = facts["links"]
        shot = self.screenshots / rel.replace("/", "__").replace(".html", ".png")
        page.screenshot(path=str(shot))
        return page, facts

    def check_links(self) -> None:
        for rel, links in self.links.items():
            for url in links:
                if not self.local(url):
                    continue
                target = self.file_of(url)
                if not target.exists():
                    self.problems.append(f"{rel}: broken link to {url[len(self.base) :]}")
                    continue
                fragment = unquote(urlsplit(url).fragment)
                target_rel = target.relative_to(self.site).as_posix()
                if fragment and target_rel in self.ids and fragment not in self.ids[target_rel]:
                    self.problems.append(f"{rel}: link to a missing anchor {url[len(self.base) :]}")

    def check_lecture(self, lecture: str, page, facts: dict, repo: str, branch: str) -> None:
        rel = f"{lecture}.html"
        notebook = f"{lecture}.ipynb"
        if facts["figures"] == 0:
            self.problems.append(f"{rel}: a lecture page without a figure")
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        colab = [h for h in hrefs if h.startswith("https://colab.research.google.com/")]
        expected = f"/github/{urlsplit(repo).path.strip('/')}/blob/{branch}/{notebook}"
        if not colab or not all(h.endswith(expected) for h in colab):
            self.problems.append(f"{rel}: Colab link {colab} does not end with {expected}")
        binder = [h for h in hrefs if h.startswith("https://mybinder.org/")]
        if not binder or not all(notebook in unquote(h) for h in binder):
            self.problems.append(f"{rel}: Binder link {binder} does not open {notebook}")
        downloads = [h for h in hrefs if self.local(h) and h.endswith(".ipynb")]
        if not downloads or not all(h.endswith(f"/_sources/{notebook}") for h in downloads):
            self.problems.append(f"{rel}: no download link to _sources/{notebook}: {downloads}")
        for h in downloads:
            if not self.file_of(h).is_file():
                self.problems.append(f"{rel}: download link {h} has no file behind it")
        word = title_word(page)
        if not word:
            self.problems.append(f"{rel}: no title word to search for")
            return
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        search = self.context.new_page()
        search.goto(f"{self.base}/search.html?q={word}", wait_until="load")
        # Sphinx lists the results one at a time (fetching each page's summary), so wait for
        # its closing line, not for the first result: reading early missed a lecture once.
        with contextlib.suppress(PlaywrightTimeout):  # no results: reported below
            search.wait_for_function(
                "() => /Search finished|did not match/.test("
                "document.querySelector('#search-results .search-summary')?.innerText ?? '')",
                timeout=30000,
            )
        found = search.eval_on_selector_all("#search-results li a", "els => els.map(a => a.href)")
        if not any(urlsplit(h).path.endswith(f"/{lecture}.html") for h in found):
            self.problems.append(
                f"{rel}: searching for {word!r} does not find this lecture ({len(found)} results)"
            )
        search.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default=str(ROOT / "_build" / "html"))
    parser.add_argument("--screenshots", default=str(ROOT / "_build" / "screenshots"))
    args = parser.parse_args(argv)
    site, screenshots = Path(args.site), Path(args.screenshots)
    if not (site / "index.html").is_file():
        print(f"check-site: no built site in {site}; run `make book` first")
        return 1
    chromium = find_chromium()
    if chromium is None:
        print(
            "check-site: SKIPPED, no Chromium found (install Debian's chromium package, or "
            "set CHROMIUM to a Chrome or Chromium executable)"
        )
        return 0
    from playwright.sync_api import sync_playwright

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    lectures = lectures_from_toc()
    pages = sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not SKIP_FOLDERS & set(p.relative_to(site).parts)
    )
    shutil.rmtree(screenshots, ignore_errors=True)
    screenshots.mkdir(parents=True)
    start = time.perf_counter()
    server, base = serve(site)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            check = SiteCheck(site, screenshots, base, browser)
            for rel in pages:
                page, facts = check.open(rel)
                stem = rel.removesuffix(".html")
                if stem in lectures:
                    check.check_lecture(stem, page, facts, config["url"], config["branch"])
                if rel == "book/intro.html":
                    listed = {urlsplit(h).path for h in facts["listed"]}
                    for lecture in lectures:
                        if not any(p.endswith(f"/{lecture}.html") for p in listed):
                            check.problems.append(
                                f"{rel}: {lecture} is not an item of the "
                                "landing page's lecture lists"
                            )
                page.close()
            check.check_links()
            browser.close()
    finally:
        server.shutdown()
    seconds = time.perf_counter() - start
    if check.external:
        print(
            f"check-site: external resources blocked (not checked, the site needs them "
            f"online only): {', '.join(sorted(check.external))}"
        )
    check.problems = list(dict.fromkeys(check.problems))  # a link repeated on a page: once
    for problem in check.problems:
        print(f"check-site: {problem}")
    print(
        f"check-site: {len(pages)} pages, {len(check.problems)} problems, {seconds:.1f} s; "
        f"screenshots in {screenshots}"
    )
    return 1 if check.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
