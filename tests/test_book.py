"""`make book`: the course website (scripts/build_book.py, docs/).

Built once per session into a temporary folder (`built_book`: sphinx-build -W
--keep-going -n, then the link and foreign-host checks, which fail the build).
Here: its contents (landing page with the course map, one chapter per notebook,
the API reference, search), that it is offline and not re-executed, and that the
two checks catch what they are meant to catch.
"""
import json
import re

import nbformat
from build_book import broken_links, foreign_loads, pages
from build_helpers import NOTEBOOKS, ROOT


def test_one_chapter_per_notebook(built_book):
    chapters = sorted(p.stem for p in (built_book / "notebooks").glob("*.html"))
    assert chapters == [nb.stem for nb in NOTEBOOKS]


def test_landing_page_has_the_course_map_linking_every_chapter(built_book):
    html = (built_book / "index.html").read_text(encoding="utf-8")
    table = html[html.index("<table"):html.index("</table>")]
    course_map = re.findall(r"\(notebooks/(\d\d_\w+)\.ipynb\)", (ROOT / "README.md").read_text())
    assert course_map, "README.md has no course map table"
    for stem in course_map:
        assert f'href="notebooks/{stem}.html"' in table, stem
    for nb in NOTEBOOKS:                                      # the table of contents
        assert f'href="notebooks/{nb.stem}.html"' in html, nb.stem


def test_api_reference_from_the_docstrings(built_book):
    api = "".join(p.read_text(encoding="utf-8") for p in (built_book / "api").glob("*.html"))
    for name in ["edu_cnn.model.Sequential", "edu_cnn.layers.conv.Conv2D",
                 "edu_cnn.ops.conv.conv2d_forward_naive", "edu_cnn.ops.conv.conv2d_forward",
                 "edu_cnn.training.History", "edu_cnn.data.loaders.load_mnist"]:
        assert f'id="{name}"' in api, name
    assert "(N, C, H, W)" in api                              # shapes from the docstrings


def test_search_index_covers_chapters_and_api(built_book):
    assert (built_book / "search.html").is_file()
    text = (built_book / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    assert {"convolut", "im2col", "sequenti"} <= set(index["terms"])
    assert any(d.startswith("notebooks/") for d in index["docnames"])


def test_nothing_is_loaded_from_another_host(built_book):
    assert foreign_loads(built_book) == []
    for page in pages(built_book):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"(unpkg|cdnjs|jsdelivr|googleapis|require\.js)", html), page.name


def test_every_internal_link_opens(built_book):
    assert broken_links(built_book) == []


def test_mathjax_is_local(built_book):
    html = (built_book / "notebooks" / "03_convolution.html").read_text(encoding="utf-8")
    src = re.search(r'<script[^>]*src="([^"]*tex-chtml\.js[^"]*)"', html).group(1)
    assert src.startswith("../_static/mathjax/")
    assert (built_book / "_static" / "mathjax" / "output" / "chtml" / "fonts").is_dir()
    assert "\\(" in html or "\\[" in html                    # math left for MathJax


def test_committed_outputs_shown_not_re_executed(built_book):
    """The chapter shows the committed text outputs, and widgets only as captions."""
    nb = nbformat.read(ROOT / "notebooks" / "06_full_cnn.ipynb", as_version=4)
    html = (built_book / "notebooks" / "06_full_cnn.html").read_text(encoding="utf-8")
    streams = [o.text for c in nb.cells for o in c.get("outputs", [])
               if o.output_type == "stream" and o.text.strip()]
    assert streams
    for text in streams[:5]:
        line = text.strip().splitlines()[0].replace("&", "&amp;").replace("<", "&lt;")
        assert line.replace('"', "&quot;") in html or line in html, line
    assert "edu-cnn-viewer-caption" in html
    assert "application/vnd.jupyter.widget-view+json" not in html
    assert 'nb_execution_mode = "off"' in (ROOT / "docs" / "conf.py").read_text()


def test_the_checks_catch_problems(tmp_path):
    (tmp_path / "a.html").write_text(
        '<script src="https://cdn.example.org/x.js"></script><link rel="stylesheet" '
        'href="//fonts.example.org/f.css"><a href="https://example.org">fine</a>'
        '<a href="b.html#there">ok</a><a href="b.html#nowhere">bad id</a>'
        '<img src="missing.png"><h2 id="here">x</h2><a href="#here">ok</a>')
    (tmp_path / "b.html").write_text('<p id="there">b</p>')
    assert foreign_loads(tmp_path) == ["a.html: <script src=https://cdn.example.org/x.js>",
                                       "a.html: <link href=//fonts.example.org/f.css>"]
    broken = broken_links(tmp_path)
    assert len(broken) == 2 and "nowhere" in broken[0] and "missing.png" in broken[1]
