"""Build one offline reveal.js slide deck per notebook: `make slides`.

    python scripts/build_slides.py [--out _build/slides] [NOTEBOOK ...]

Every deck is `OUT/<notebook>.slides.html`; reveal.js, MathJax 2 and require.js
are copied from the pinned npm packages (`node_modules/`, `make vendor`) to
`OUT/vendor/` and referenced by relative path, so the folder works from a USB
stick with no network. Figures are the notebooks' embedded PNGs.

- Viewers (ipywidgets) cannot run without a kernel: each widget output is
  replaced by a one-line caption naming the viewer, which says that the figure
  before it is its static twin (the notebooks draw the twin in the cell before
  the viewer). Dropping the output instead would leave a code cell that seems to
  show nothing.
- A notebook without slide metadata yet gets a default: each markdown cell
  that starts with a heading starts a new slide, every other cell joins it.
- nbconvert's reveal template also loads jQuery (only for `reveal_scroll`,
  which stays off) and mermaid (no notebook has a mermaid diagram; the build
  refuses one) from CDNs: both blocks are removed from the template.
- `window.Reveal` is set (require.js keeps reveal.js out of the globals), for the
  browser test and for the console.
- The build fails if a deck still names another host in a src/href.
"""
import argparse
import copy
import re
import shutil
import sys
import time
from pathlib import Path

import jinja2
import nbformat
from nbconvert import SlidesExporter
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720          # 16:9, the size the slides are written for
# What each deck needs, relative to node_modules/ -> relative to OUT/vendor/.
VENDOR = {
    **{f"reveal.js/dist/{p}": f"reveal.js/dist/{p}" for p in (
        "reveal.js", "reveal.css", "reset.css", "theme/white.css", "theme/fonts/source-sans-pro")},
    "reveal.js/plugin/notes": "reveal.js/plugin/notes",
    "requirejs/require.js": "require.js",
    # MathJax 2.7.7 (the version nbconvert's template is written for), CommonHTML output only.
    **{f"mathjax2/{p}": f"mathjax/{p}" for p in (
        "MathJax.js", "config", "extensions", "jax/input/TeX", "jax/output/CommonHTML",
        "jax/element", "fonts/HTML-CSS/TeX/woff", "localization/en")},
}
MATHJAX_URL = "vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_jquery -%}{%- endblock html_head_js_jquery -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block body_footer -%}
<style>
/* The live deck's sizes (JupyterLab's own: text 14 px, code 13 px, headings 29/24/20 px),
   so that one size model (tests/slides.py) holds for both presenters; reveal.js scales
   the 1280x720 slide to the screen (x1.5 on a 1920x1080 projector). */
.reveal { font-size: 14px; }
.reveal .jp-RenderedHTMLCommon { font-size: 14px; line-height: 1.45; }
.reveal .jp-RenderedHTMLCommon h1 { font-size: 29px; }
.reveal .jp-RenderedHTMLCommon h2 { font-size: 24px; }
.reveal .jp-RenderedHTMLCommon h3 { font-size: 20px; }
.reveal pre, .reveal code, .reveal .highlight pre { font-size: 13px; line-height: 15px; }
.reveal .jp-Cell { padding-top: 0; padding-bottom: 0; }
/* Figures: at most 1100 x 420 px (the convention is 10 x 4.5 in at 100 dpi; a few are taller). */
.reveal .jp-RenderedImage img { max-width: 1100px; max-height: 420px; width: auto; }
.reveal .jp-InputPrompt, .reveal .jp-OutputPrompt { display: none; }
/* A cell taller than a screen is shown smaller, as the live deck does (its per-cell zoom). */
{% for cell in nb.cells -%}
{%- set zoom = (((cell.metadata.get("@deathbeds/jupyterlab-fonts") or {}).get("styles") or {})
                .get("") or {}).get("body[data-jp-deck-mode='presenting'] &", {}).get("zoom") -%}
{%- if zoom %}[id="cell-id={{ cell.id }}"] { zoom: {{ zoom }}; }
{% endif -%}
{%- endfor %}
</style>
{{ super() }}
{%- endblock body_footer -%}
{%- block footer_js -%}{{ super() }}
<script>require(["{{ resources.reveal.url_prefix }}/dist/reveal.js"],
                function (R) { window.Reveal = R; });</script>
{%- endblock footer_js -%}
"""
VIEWER_CAPTION = ('<p class="edu-cnn-viewer-caption"><em>Interactive viewer {name}: live in '
                  'JupyterLab (<code>make lab</code>); the figure before it is its static twin.'
                  '</em></p>')
FOREIGN_URL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def static_twins(nb):
    """Return a copy of `nb` whose widget outputs are one-line captions (text/html).

    nb: nbformat.NotebookNode; the notebook-level "widgets" state is dropped too.
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                name = "".join(data.get("text/plain", "viewer")).split("(")[0]
                out["data"] = {"text/html": VIEWER_CAPTION.format(name=name)}
    return nb


def has_slide_metadata(nb):
    return any("slide_type" in c.metadata.get("slideshow", {}) for c in nb.cells)


def default_slides(nb):
    """Give a notebook without slide metadata one slide per heading (a copy)."""
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        starts = i == 0 or (cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"))
        cell.metadata["slideshow"] = {"slide_type": "slide" if starts else "-"}
    return nb


def check_no_mermaid(nb, path):
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and "```mermaid" in cell.source:
            raise ValueError(f"build_slides: {path.name} cell {i} has a mermaid diagram, but the "
                             f"offline decks carry no mermaid.js; draw it as a PNG figure instead.")


def vendor(node_modules, out):
    """Copy the pinned JavaScript from `node_modules` to `out/vendor`; return its size in bytes."""
    missing = [src for src in VENDOR if not (node_modules / src).exists()]
    if missing:
        raise FileNotFoundError(f"build_slides: {node_modules} lacks {', '.join(missing)}; run "
                                f"`make vendor` (npm ci) first.")
    target = out / "vendor"
    shutil.rmtree(target, ignore_errors=True)
    for src, dst in VENDOR.items():
        (target / dst).parent.mkdir(parents=True, exist_ok=True)
        copy_fn = shutil.copytree if (node_modules / src).is_dir() else shutil.copy2
        copy_fn(node_modules / src, target / dst)
    return sum(f.stat().st_size for f in target.rglob("*") if f.is_file())


def exporter():
    c = Config()
    c.SlidesExporter.reveal_url_prefix = "vendor/reveal.js"
    c.SlidesExporter.reveal_theme = "white"      # its fonts ship with reveal.js ("simple": Google)
    c.SlidesExporter.reveal_width = str(SLIDE_WIDTH)
    c.SlidesExporter.reveal_height = str(SLIDE_HEIGHT)
    c.SlidesExporter.reveal_number = "c/t"
    c.SlidesExporter.require_js_url = "vendor/require.js"
    c.SlidesExporter.mathjax_url = MATHJAX_URL
    c.SlidesExporter.jquery_url = ""
    c.SlidesExporter.template_file = "edu_cnn_reveal.html.j2"
    loader = jinja2.DictLoader({"edu_cnn_reveal.html.j2": TEMPLATE})
    return SlidesExporter(config=c, extra_loaders=[loader])


def build_deck(path, out, slides_exporter):
    """Write OUT/<name>.slides.html for one notebook; return (deck path, used default slides)."""
    nb = nbformat.read(path, as_version=4)
    check_no_mermaid(nb, path)
    nb = static_twins(nb)
    defaulted = not has_slide_metadata(nb)
    if defaulted:
        nb = default_slides(nb)
    html, _ = slides_exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    foreign = FOREIGN_URL.findall(html)
    if foreign:
        raise RuntimeError(f"build_slides: the deck of {path.name} still loads from another host "
                           f"({len(foreign)} src/href such as {foreign[0]!r}).")
    deck = out / f"{path.stem}.slides.html"
    deck.write_text(html, encoding="utf-8")
    return deck, defaulted


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to convert (default: notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "slides")
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    start = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    vendor_bytes = vendor(args.node_modules, args.out)
    slides_exporter = exporter()
    deck_bytes = 0
    for path in notebooks:
        deck, defaulted = build_deck(path, args.out, slides_exporter)
        deck_bytes += deck.stat().st_size
        note = "  (no slide metadata yet: one slide per heading)" if defaulted else ""
        print(f"{deck.relative_to(args.out.parent)}{note}")
    print(f"{len(notebooks)} decks, {deck_bytes / 1e6:.1f} MB + vendor/ "
          f"{vendor_bytes / 1e6:.1f} MB in {args.out} ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
