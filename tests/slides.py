"""How the notebooks become slides, measured: the machinery behind test_slide_metadata.py.

A notebook is a deck through each cell's ``metadata.slideshow.slide_type``:
"slide" starts a new slide, "subslide" a new screen below it, "fragment" and
"-" add to the current screen, "skip" leaves the cell out and "notes" is the
speaker's text (never on screen). ``screens(nb)`` cuts a notebook into the
screens an audience sees, each with its speaker notes.

``cell_height(cell)`` estimates how tall a cell renders in the live deck
(jupyterlab-slideshow in JupyterLab 4) on a 1280×720 screen at 100 % zoom,
JupyterLab's own font sizes (code 13 px, text 14 px) — the size at which the
slide convention's "about 12 lines of code or 10 lines of text and one
figure of at most 10×4.5 in at the default dpi" fills one screen. It is computed from the notebook
alone (lines of code, wrapped lines of text, display math, output lines,
each figure's PNG size scaled to the slide's width), with constants
measured in that deck (tests/test_browser_slides.py prints measured
against estimated heights). A screen "overflows" when its estimate is
taller than ``SCREEN_BUDGET_PX``.
"""
import base64
import math
import re
import struct

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
# jupyterlab-slideshow's per-cell style, applied only while presenting: a cell
# whose figure is taller than a screen is shown smaller (`deck_zoom`), never cut.
FONTS_KEY = "@deathbeds/jupyterlab-fonts"
PRESENTING = "body[data-jp-deck-mode='presenting'] &"
MIN_ZOOM = 0.6                  # below this the code in the cell is no longer readable
NOTES_PREFIX = re.compile(r"^Speaker notes \(≈(\d+(?:\.\d+)?) min\): \S")

# The presenter's screen, in CSS px (browser zoom 100 %).
VIEWPORT_CSS = (1280, 720)
# Measured in the deck at that size (see the module docstring).
CONTENT_WIDTH_PX = 1160          # width of a rendered cell's content area
CODE_LINE_PX = 17.0             # one line of code or of stream/text output
CODE_CELL_PAD_PX = 14           # editor padding + cell margins of one code cell
OUTPUT_PAD_PX = 8               # one output area's margins
TEXT_CHARS_PER_LINE = 147       # characters of markdown that fit one rendered line
TEXT_LINE_PX = 21.5             # one rendered line of markdown text
HEADING_PX = {1: 56, 2: 44, 3: 36, 4: 30}
MATH_LINE_PX = 30.0             # one source line inside a $$ ... $$ block
MD_CELL_PAD_PX = 12
# A viewer (ipywidgets) as it renders live, by the class its text repr names (measured
# in the deck); a viewer not measured yet counts as taller than a screen.
VIEWER_PX = {"KernelPlayground": 710, "FeatureMapExplorer": 550, "FilterViewer": 280,
             "LiveTraining": 480}
VIEWER_DEFAULT_PX = 1000
# The budget: the viewport height less the deck's own margins and controls.
SCREEN_BUDGET_PX = 690


def slide_type(cell):
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def png_size(b64):
    """(width, height) in pixels of a base64 PNG, read from its header."""
    raw = base64.b64decode(b64[:100])
    return struct.unpack(">II", raw[16:24])


def _markdown_height(source):
    height, in_math = MD_CELL_PAD_PX, False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("$$") or (in_math and stripped.endswith("$$")):
            one_line = len(stripped) > 4 and stripped.startswith("$$") and stripped.endswith("$$")
            in_math = in_math if one_line else not in_math
            height += 6 if stripped == "$$" else MATH_LINE_PX
            continue
        if in_math:
            height += MATH_LINE_PX
            continue
        if not stripped:
            height += TEXT_LINE_PX * 0.5
            continue
        heading = re.match(r"^(#{1,6}) ", stripped)
        if heading:
            height += HEADING_PX.get(len(heading.group(1)), 30)
            continue
        # inline math and markup take less room than their source: count what shows
        shown = re.sub(r"\\[a-zA-Z]+|[{}$*`_^]", "", stripped)
        height += TEXT_LINE_PX * max(1, math.ceil(len(shown) / TEXT_CHARS_PER_LINE))
    return height


def _viewer_height(data):
    name = data.get("text/plain", "").split("(", 1)[0].strip()
    return VIEWER_PX.get(name, VIEWER_DEFAULT_PX)


def _output_height(output, zoom=1.0):
    kind = output.get("output_type")
    if kind == "stream":
        return OUTPUT_PAD_PX + CODE_LINE_PX * len(output.get("text", "").splitlines())
    if kind == "error":
        return OUTPUT_PAD_PX + CODE_LINE_PX * len(output.get("traceback", []))
    data = output.get("data", {})
    if "application/vnd.jupyter.widget-view+json" in data:
        return _viewer_height(data)
    if "image/png" in data:          # scaled down to the width, which zoom makes wider
        w, h = png_size(data["image/png"])
        return OUTPUT_PAD_PX + h * min(1.0, CONTENT_WIDTH_PX / zoom / w)
    if "text/plain" in data:
        return OUTPUT_PAD_PX + CODE_LINE_PX * len(data["text/plain"].splitlines())
    return 0


def deck_zoom(cell):
    """The zoom jupyterlab-slideshow applies to this cell while presenting (1.0: none)."""
    styles = cell.get("metadata", {}).get(FONTS_KEY, {}).get("styles", {})
    zoom = styles.get("", {}).get(PRESENTING, {}).get("zoom", "100%")
    return float(zoom.rstrip("%")) / 100


def set_deck_zoom(cell, zoom):
    cell.metadata[FONTS_KEY] = {"styles": {"": {PRESENTING: {"zoom": f"{round(zoom * 100)}%"}}}}


def cell_height(cell):
    """Estimated height in CSS px of one cell (input and outputs) in the live deck."""
    zoom = deck_zoom(cell)
    return _natural_height(cell, zoom) * zoom


def _natural_height(cell, zoom=1.0):
    if cell.cell_type == "markdown":
        return _markdown_height(cell.source)
    if cell.cell_type != "code":
        return CODE_LINE_PX * len(cell.source.splitlines())
    height = CODE_CELL_PAD_PX + CODE_LINE_PX * max(1, len(cell.source.splitlines()))
    return height + sum(_output_height(o, zoom) for o in cell.get("outputs", []))


def figures(cell):
    """Pictures a cell shows: its PNGs, or its viewer if it has none (a viewer that also
    prints its static twin when it is done, as LiveTraining does, is one picture)."""
    kinds = [o.get("data", {}) for o in cell.get("outputs", [])]
    pngs = sum("image/png" in d for d in kinds)
    return pngs or sum("application/vnd.jupyter.widget-view+json" in d for d in kinds)


class Screen:
    """One screen of a deck: the index of its first cell, its shown cells and its notes."""

    def __init__(self, start, kind):
        self.start, self.kind, self.cells, self.notes = start, kind, [], []

    @property
    def height(self):
        return sum(cell_height(cell) for _, cell in self.cells)

    @property
    def figures(self):
        return sum(figures(cell) for _, cell in self.cells)

    def __repr__(self):
        return (f"Screen(cell {self.start}, {self.kind}, cells {[i for i, _ in self.cells]}, "
                f"{self.height:.0f} px, {self.figures} figures)")


def screens(nb):
    """The screens of a notebook, in order (cells before the first slide start none)."""
    out = []
    for index, cell in enumerate(nb.cells):
        kind = slide_type(cell)
        if kind in ("slide", "subslide"):
            out.append(Screen(index, kind))
            out[-1].cells.append((index, cell))
        elif kind in ("-", "fragment") and out:
            out[-1].cells.append((index, cell))
        elif kind == "notes" and out:
            out[-1].notes.append((index, cell))
    return out
