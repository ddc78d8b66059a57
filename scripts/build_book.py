"""Build the course website with Sphinx: `make book`.

    python scripts/build_book.py [--out _build/book]

1. Stage the sources in OUT/src: docs/ (conf.py, index.md, api/), README.md (the
   landing page includes its course map), every notebooks/*.ipynb with its widget
   outputs replaced by captions (build_slides.static_twins), and MathJax 3 from the
   pinned npm package in _static/mathjax.
2. sphinx-build -b html -W --keep-going -n (warnings are errors, nitpicky) into
   OUT/html. Notebooks are not executed (conf.py: nb_execution_mode = "off").
3. Check the built HTML: no page loads a script, stylesheet, image or frame from
   another host (`foreign_loads`), and every local href/src opens, #fragments
   included (`broken_links`). Either problem fails the build.
"""
import argparse
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_slides import static_twins  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# MathJax 3 (CHTML output; TeX extensions are loaded on demand from input/tex/extensions).
MATHJAX3 = ["tex-chtml.js", "input", "output/chtml", "ui", "a11y", "adaptors"]
LOADING_TAGS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src",
                "video": "src", "audio": "src", "embed": "src", "object": "data"}


def stage(src, node_modules, notebooks):
    """Copy the Sphinx sources into `src` (a fresh folder); return it."""
    mathjax = node_modules / "mathjax" / "es5"
    if not mathjax.is_dir():
        raise FileNotFoundError(f"build_book: {mathjax} is missing; run `make vendor` (npm ci).")
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(ROOT / "docs", src, ignore=shutil.ignore_patterns("images", "__pycache__"))
    shutil.copy2(ROOT / "README.md", src / "README.md")
    for part in MATHJAX3:
        copy_fn = shutil.copytree if (mathjax / part).is_dir() else shutil.copy2
        (src / "_static" / "mathjax" / part).parent.mkdir(parents=True, exist_ok=True)
        copy_fn(mathjax / part, src / "_static" / "mathjax" / part)
    (src / "notebooks").mkdir()
    for path in notebooks:
        nb = static_twins(nbformat.read(path, as_version=4))
        nbformat.write(nb, src / "notebooks" / path.name)
    return src


class _Refs(HTMLParser):
    """Collect (tag, attribute, url) of every link and load, and every id, of one page."""

    def __init__(self):
        super().__init__()
        self.refs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for attr in ("href", "src", "data"):
            if attrs.get(attr):
                self.refs.append((tag, attr, attrs[attr], attrs.get("rel", "")))


def pages(html_dir):
    """The built pages (not the theme's Jinja macro files that it copies to _static/)."""
    return sorted(p for p in Path(html_dir).rglob("*.html")
                  if "_static" not in p.relative_to(html_dir).parts)


def parse(page):
    refs = _Refs()
    refs.feed(page.read_text(encoding="utf-8"))
    return refs


def is_foreign(url):
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme in ("http", "https")


def foreign_loads(html_dir):
    """["page: <tag attr=url>"] for every script/stylesheet/image/... loaded from another host."""
    found = []
    for page in pages(html_dir):
        for tag, attr, url, _ in parse(page).refs:
            if LOADING_TAGS.get(tag) == attr and is_foreign(url):
                found.append(f"{page.relative_to(html_dir)}: <{tag} {attr}={url}>")
    return found


def broken_links(html_dir):
    """["page: url (why)"] for every local href/src whose file or #fragment does not exist.

    A fragment matches an id as written or percent-decoded, as browsers look it up.
    """
    html_dir = Path(html_dir)
    ids, broken = {}, []
    parsed = {page: parse(page) for page in pages(html_dir)}
    for page, refs in parsed.items():
        ids[page.resolve()] = refs.ids
    for page, refs in parsed.items():
        for _, _, url, _ in refs.refs:
            parts = urlsplit(url)
            if is_foreign(url) or parts.scheme in ("mailto", "data", "javascript"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(html_dir)}: {url}"
            if not target.exists():
                broken.append(f"{where} (no file {target})")
            elif parts.fragment and target.suffix == ".html" and \
                    not {parts.fragment, unquote(parts.fragment)} & ids.get(target, set()):
                broken.append(f"{where} (no id {parts.fragment!r} in {target.name})")
    return broken


def build(out, node_modules=ROOT / "node_modules", notebooks=None, quiet=True):
    """Stage, build and check the site in `out`; return (html folder, seconds)."""
    start = time.perf_counter()
    notebooks = notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    src = stage(Path(out) / "src", Path(node_modules), notebooks)
    html = Path(out) / "html"
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n",
           "-d", str(Path(out) / "doctrees"), str(src), str(html)] + (["-q"] if quiet else [])
    proc = subprocess.run(cmd, env={**__import__("os").environ, "EDU_CNN_SOURCE": str(ROOT)},
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"build_book: sphinx-build failed (warnings are errors):\n"
                           f"{proc.stderr[-6000:]}")
    problems = [f"loads from another host: {x}" for x in foreign_loads(html)]
    problems += [f"broken link: {x}" for x in broken_links(html)]
    if problems:
        raise RuntimeError("build_book: the built site is not self-contained:\n  "
                           + "\n  ".join(problems[:40]))
    return html, time.perf_counter() - start


def folder_bytes(folder):
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "book")
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    args = parser.parse_args(argv)
    html, seconds = build(args.out, args.node_modules, quiet=False)
    print(f"{html / 'index.html'}: {len(pages(html))} pages, "
          f"{folder_bytes(html) / 1e6:.1f} MB, built and checked in {seconds:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
