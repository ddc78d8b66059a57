"""Every notebook is also a slide deck (see tests/slides.py for the terms and the size model).

For every notebook in notebooks/ (08 and 09 included as soon as they exist):
- every cell has a valid ``metadata.slideshow.slide_type``; the first cell starts a slide;
  none is "-", which the live presenter never shows (continuing cells are "fragment");
- every ``##`` section starts a slide, and a ``### `` step a slide or a subslide;
- every screen has speaker notes: a "notes" markdown cell right after the screen's content,
  starting ``Speaker notes (≈N min): `` and saying something;
- no screen overflows 1280×720: its estimated height (lines of code and output, wrapped
  lines of text, display math, figures scaled to the slide's width, presenting zoom
  included) stays within ``SCREEN_BUDGET_PX``; at most one figure per screen; a zoomed
  cell stays readable (zoom ≥ ``MIN_ZOOM``).
The height model itself is tested on cells built here, so a wrong constant cannot hide.
"""
import base64
import re
import struct
import zlib
from pathlib import Path

import nbformat
import pytest
from slides import (
    CODE_LINE_PX,
    MIN_ZOOM,
    NOTES_PREFIX,
    SCREEN_BUDGET_PX,
    SLIDE_TYPES,
    cell_height,
    deck_zoom,
    screens,
    set_deck_zoom,
    slide_type,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def nb(request):
    return request.param.name, nbformat.read(request.param, as_version=4)


def test_the_course_has_notebooks():
    assert len(NOTEBOOKS) >= 8


def test_every_cell_has_a_valid_slide_type(nb):
    name, book = nb
    bad = [(i, slide_type(c)) for i, c in enumerate(book.cells) if slide_type(c) not in SLIDE_TYPES]
    assert not bad, (f"{name}: cells without a valid metadata.slideshow.slide_type (index, "
                     f"value): {bad}; each needs one of {SLIDE_TYPES} "
                     f"(see scripts/slide_metadata.py)")
    assert slide_type(book.cells[0]) == "slide", f"{name}: the title cell must start a slide"


def test_no_cell_is_lost_in_the_live_deck(nb):
    """jupyterlab-slideshow 0.3.4 (the live presenter) has no case for "-": such a cell
    never comes on screen. A cell that continues a screen is a "fragment"."""
    name, book = nb
    dashes = [i for i, c in enumerate(book.cells) if slide_type(c) == "-"]
    assert not dashes, (f"{name}: cells with slide_type '-' (never shown by jupyterlab-slideshow): "
                        f"{dashes}; make them 'fragment' (same screen, one key press later)")


def test_sections_start_slides_and_steps_start_screens(nb):
    name, book = nb
    for i, cell in enumerate(book.cells):
        if cell.cell_type != "markdown" or slide_type(cell) in ("skip", "notes"):
            continue
        if cell.source.startswith("## ") or "\n## " in cell.source:
            assert slide_type(cell) == "slide", f"{name}, cell {i}: a `##` section starts a slide"
        if cell.source.startswith("### "):
            assert slide_type(cell) in ("slide", "subslide"), \
                f"{name}, cell {i}: a `###` step starts a slide or subslide"


def test_notes_cells_are_markdown_with_the_prefix_and_a_point(nb):
    name, book = nb
    for i, cell in enumerate(book.cells):
        if slide_type(cell) != "notes":
            continue
        assert cell.cell_type == "markdown", f"{name}, cell {i}: notes must be markdown"
        m = NOTES_PREFIX.match(cell.source)
        assert m, f"{name}, cell {i}: notes start `Speaker notes (≈N min): ` then the point"
        assert 0 < float(m.group(1)) <= 10, f"{name}, cell {i}: a screen of {m.group(1)} min?"
        assert len(cell.source[m.end() - 1:].split()) >= 4, f"{name}, cell {i}: say the point"


def test_every_screen_has_speaker_notes_right_after_it(nb):
    name, book = nb
    for s in screens(book):
        last = max(i for i, _ in s.cells)
        after = [i for i in range(last + 1, len(book.cells))
                 if slide_type(book.cells[i]) in ("slide", "subslide", "notes")][:1]
        assert s.notes and after and slide_type(book.cells[after[0]]) == "notes", \
            f"{name}: the screen starting at cell {s.start} has no speaker notes after its content"
        assert len(s.notes) == 1, f"{name}: screen at cell {s.start} has {len(s.notes)} notes cells"


def test_no_screen_overflows_1280x720(nb):
    name, book = nb
    over = [(s.start, round(s.height)) for s in screens(book) if s.height > SCREEN_BUDGET_PX]
    assert not over, (f"{name}: screens taller than {SCREEN_BUDGET_PX} px at 1280×720 (start cell, "
                      f"estimated px): {over}. Split them (subslide), skip set-up code, or zoom "
                      f"a single big figure cell (scripts/slide_metadata.py does it).")


def test_at_most_one_figure_per_screen_and_zoom_stays_readable(nb):
    name, book = nb
    crowded = [s.start for s in screens(book) if s.figures > 1]
    assert not crowded, f"{name}: screens with more than one figure, starting at cells {crowded}"
    small = [(i, deck_zoom(c)) for i, c in enumerate(book.cells) if deck_zoom(c) < MIN_ZOOM]
    assert not small, f"{name}: cells zoomed below {MIN_ZOOM:.0%} while presenting: {small}"


def test_a_deck_shows_every_cell_that_is_not_skipped(nb):
    name, book = nb
    shown = {i for s in screens(book) for i, _ in s.cells}
    lost = [i for i, c in enumerate(book.cells)
            if slide_type(c) in ("-", "fragment") and i not in shown]
    assert not lost, f"{name}: cells before the first slide are never shown: {lost}"


# --- the size model on cells made here -------------------------------------------------------

def png(width, height):
    raw = b"\x00" * (1 + width) * height
    chunks = [b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0),
              b"IDAT" + zlib.compress(raw), b"IEND"]
    body = b"".join(struct.pack(">I", len(c) - 4) + c + struct.pack(">I", zlib.crc32(c))
                    for c in chunks)
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + body).decode()


def code_cell(lines, out_lines=0, image=None, kind="-"):
    cell = nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(lines)))
    if out_lines:
        cell.outputs.append(nbformat.v4.new_output(
            "stream", name="stdout", text="".join(f"{i}\n" for i in range(out_lines))))
    if image:
        cell.outputs.append(nbformat.v4.new_output("display_data", data={"image/png": png(*image)}))
    cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


def test_height_grows_with_code_output_and_text_lines():
    assert cell_height(code_cell(10)) - cell_height(code_cell(9)) == pytest.approx(CODE_LINE_PX)
    assert cell_height(code_cell(5, out_lines=4)) > cell_height(code_cell(5, out_lines=3))
    short = nbformat.v4.new_markdown_cell("word " * 20)
    long = nbformat.v4.new_markdown_cell("word " * 200)         # wraps over several lines
    assert cell_height(long) > 4 * cell_height(short) / 2


def test_the_slide_convention_fits_and_twice_of_it_does_not():
    """A 10×4.5 in figure (100 dpi) under 8 lines of code, or 12 lines of code and 10 of
    output, or 10 lines of text under a heading: each is one screen; twice of it is not."""
    figure = code_cell(8, out_lines=2, image=(1000, 450))
    code = code_cell(12, out_lines=10)
    lines = "\n".join(["a line of text " * 8] * 10)
    text = nbformat.v4.new_markdown_cell("## A section\n\n" + lines)
    for one in (figure, code, text):
        assert cell_height(one) <= SCREEN_BUDGET_PX
    assert cell_height(code_cell(16, out_lines=4, image=(1000, 450))) > SCREEN_BUDGET_PX
    assert cell_height(code_cell(24, out_lines=20)) > SCREEN_BUDGET_PX
    assert cell_height(text) + cell_height(figure) > SCREEN_BUDGET_PX   # not both on one screen


def test_wide_figures_are_scaled_to_the_slide_width_and_zoom_scales_everything():
    narrow, wide = code_cell(1, image=(580, 400)), code_cell(1, image=(2320, 800))
    assert cell_height(wide) == pytest.approx(cell_height(narrow), rel=0.01)
    tall = code_cell(10, image=(900, 900))
    before = cell_height(tall)
    set_deck_zoom(tall, 0.7)
    assert deck_zoom(tall) == pytest.approx(0.7)
    assert cell_height(tall) == pytest.approx(0.7 * before)


def test_display_math_counts_as_lines():
    plain = nbformat.v4.new_markdown_cell("text")
    math = nbformat.v4.new_markdown_cell("text\n$$\na = b\n\\\\ c = d\n$$")
    assert cell_height(math) - cell_height(plain) > 2 * 0.9 * CODE_LINE_PX


def test_screens_group_cells_and_notes():
    cells = [nbformat.v4.new_markdown_cell("# T"), code_cell(3), code_cell(2, kind="skip"),
             nbformat.v4.new_markdown_cell("Speaker notes (≈1 min): the point of it all here."),
             code_cell(3, kind="subslide"), code_cell(1, kind="fragment")]
    cells[0].metadata["slideshow"] = {"slide_type": "slide"}
    cells[3].metadata["slideshow"] = {"slide_type": "notes"}
    book = nbformat.v4.new_notebook(cells=cells)
    got = [(s.start, [i for i, _ in s.cells], [i for i, _ in s.notes]) for s in screens(book)]
    assert got == [(0, [0, 1], [3]), (4, [4, 5], [])]
    assert re.match(NOTES_PREFIX, cells[3].source)
