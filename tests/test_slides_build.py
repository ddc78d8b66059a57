"""`make slides`: one offline reveal.js deck per notebook (scripts/build_slides.py).

The decks are built once per session into a temporary folder (`built_slides`); the
browser test (test_browser_offline.py) opens them. Here: what the build writes, that
nothing in it points to another host, that every local file it names exists, and the
three notebook transformations (widgets -> captions, default slides, no mermaid).
"""
import re

import nbformat
import pytest
from build_book import broken_links, foreign_loads
from build_helpers import NOTEBOOKS, build_slides
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

WIDGET = {"model_id": "abc", "version_major": 2, "version_minor": 0}


def test_one_deck_per_notebook(built_slides):
    decks = sorted(p.name for p in built_slides.glob("*.slides.html"))
    assert decks == [f"{nb.stem}.slides.html" for nb in NOTEBOOKS]


def test_decks_load_nothing_from_another_host(built_slides):
    assert foreign_loads(built_slides) == []
    for deck in built_slides.glob("*.slides.html"):
        html = deck.read_text(encoding="utf-8")
        assert not re.search(r"(unpkg|cdnjs|jsdelivr|googleapis)", html), deck.name
        assert 'src="vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full' in html
        assert '"vendor/reveal.js/dist/reveal.js"' in html and 'src="vendor/require.js"' in html


def test_every_local_file_a_deck_names_exists(built_slides):
    assert broken_links(built_slides) == []


def test_vendored_css_uses_only_local_files(built_slides):
    """reveal's theme pulls its fonts with @import/url(): they must ship in vendor/."""
    for css in (built_slides / "vendor").rglob("*.css"):
        text = css.read_text()
        for url in re.findall(r"""(?:@import\s+(?:url\()?|url\()\s*["']?([^"')\s]+)""", text):
            if url.startswith("data:"):
                continue
            assert "//" not in url, f"{css.name} loads {url}"
            assert (css.parent / url.split("?")[0].split("#")[0]).exists(), f"{css.name}: {url}"


def test_mathjax_config_and_fonts_are_vendored(built_slides):
    mathjax = built_slides / "vendor" / "mathjax"
    assert (mathjax / "config" / "TeX-AMS_CHTML-full.js").is_file()
    assert list((mathjax / "fonts" / "HTML-CSS" / "TeX" / "woff").rglob("*.woff"))


def test_figures_are_embedded_pngs(built_slides):
    html = (built_slides / "06_full_cnn.slides.html").read_text(encoding="utf-8")
    sources = re.findall(r'<img[^>]*src="([^"]{0,30})', html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)


def test_widget_outputs_become_captions_naming_the_viewer():
    nb = new_notebook(cells=[new_code_cell("KernelPlayground(digit)", outputs=[new_output(
        "execute_result", {build_slides.WIDGET_MIME: WIDGET,
                           "text/plain": "KernelPlayground(edu_cnn, kernel 3×3)"},
        execution_count=1)])], metadata={"widgets": {"state": {}}})
    out = build_slides.static_twins(nb)
    data = out.cells[0].outputs[0]["data"]
    assert list(data) == ["text/html"] and "KernelPlayground" in data["text/html"]
    assert "static twin" in data["text/html"] and "widgets" not in out.metadata
    assert build_slides.WIDGET_MIME in nb.cells[0].outputs[0]["data"]      # input unchanged


def test_committed_widget_outputs_all_become_captions(built_slides):
    for nb_path in NOTEBOOKS:
        nb = nbformat.read(nb_path, as_version=4)
        widgets = sum(build_slides.WIDGET_MIME in o.get("data", {})
                      for c in nb.cells for o in c.get("outputs", []))
        deck = (built_slides / f"{nb_path.stem}.slides.html").read_text(encoding="utf-8")
        assert deck.count("edu-cnn-viewer-caption") == widgets, nb_path.name
        assert build_slides.WIDGET_MIME not in deck


def test_default_slides_only_without_metadata(tmp_path):
    cells = [new_markdown_cell("# Title"), new_code_cell("x = 1"), new_markdown_cell("text"),
             new_markdown_cell("## Section"), new_code_cell("y = 2")]
    nb = new_notebook(cells=cells)
    assert not build_slides.has_slide_metadata(nb)
    kinds = [c.metadata.slideshow["slide_type"] for c in build_slides.default_slides(nb).cells]
    assert kinds == ["slide", "-", "-", "slide", "-"]
    nb.cells[4].metadata["slideshow"] = {"slide_type": "notes"}
    assert build_slides.has_slide_metadata(nb)


def test_metadata_is_used_and_notes_become_speaker_notes(tmp_path):
    kinds = ["slide", "skip", "subslide", "notes", "fragment"]
    cells = [new_markdown_cell(f"cell {i} **{k}**", metadata={"slideshow": {"slide_type": k}})
             for i, k in enumerate(kinds)]
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(new_notebook(cells=cells), path)
    deck, defaulted = build_slides.build_deck(path, tmp_path, build_slides.exporter())
    html = deck.read_text(encoding="utf-8")
    assert not defaulted and "cell 1" not in html                       # skipped
    assert re.search(r'<aside class="notes">.*cell 3', html, re.S)      # speaker notes
    assert 'class="fragment"' in html and html.count("<section") >= 3


def test_a_mermaid_diagram_is_refused(tmp_path):
    path = tmp_path / "98_mermaid.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("```mermaid\ngraph LR\n```")]), path)
    with pytest.raises(ValueError, match=r"98_mermaid.ipynb cell 0 .*mermaid.*PNG"):
        build_slides.build_deck(path, tmp_path, build_slides.exporter())


def test_missing_node_modules_says_make_vendor(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"make vendor"):
        build_slides.vendor(tmp_path / "node_modules", tmp_path / "out")
