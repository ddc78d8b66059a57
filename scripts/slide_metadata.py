"""Give every cell of notebooks/NN_*.ipynb its slide type and every screen its speaker notes.

Usage:  python scripts/slide_metadata.py [--dry-run] [notebooks/03_convolution.ipynb ...]

The decisions are per notebook (the tables in scripts/slide_plan.py):
  - the structure gives the defaults: the title and each `##` section start a
    "slide", each `###` step a "subslide", the parameters cell and the imports
    are "skip", the written answers' solutions are "skip", every other cell
    continues the screen above it ("-");
  - ``TYPES[nb]`` overrides single cells (a long set-up cell skipped, a figure
    moved to its own subslide);
  - a cell that would push its screen over the size budget of tests/slides.py
    starts a new subslide instead (and is reported, so the table can say better);
  - a single cell taller than a screen (a big figure) gets jupyterlab-slideshow's
    per-cell zoom, applied only while presenting (cell metadata
    "@deathbeds/jupyterlab-fonts"), just enough to fit;
  - ``NOTES[nb][i]`` is the speaker note of the screen that starts at cell i:
    "(minutes, text)", inserted as a "notes" markdown cell after the screen's
    last cell. A screen without a note is an error.

Only metadata and the notes cells change: sources and outputs stay byte for byte.
Running it again gives the same file (old notes cells are taken out first).
"""
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "scripts")]

import slide_plan  # noqa: E402
from slides import (  # noqa: E402
    NOTES_PREFIX,
    SCREEN_BUDGET_PX,
    cell_height,
    screens,
    set_deck_zoom,
)

# A cell that continues the screen above it. Not "-": jupyterlab-slideshow (the live
# presenter) handles only a missing slide_type or the six types other than "-", and a
# "-" cell never comes on screen there (0.3.4, presenter.js _getExtents has no case for
# it). "fragment" shows it on the same screen, one key press later (step by step), in
# the live deck and in nbconvert's reveal.js decks alike.
CONTINUE = "fragment"


def is_notes_cell(cell):
    return (cell.cell_type == "markdown" and NOTES_PREFIX.match(cell.source) is not None
            and cell.metadata.get("slideshow", {}).get("slide_type") == "notes")


def default_type(index, cell, cells):
    src = cell.source.lstrip()
    if index == 0:
        return "slide"
    if "parameters" in cell.metadata.get("tags", []):
        return "skip"
    if cell.cell_type == "code" and all(line.startswith(("import ", "from ", "#")) or not line
                                        for line in src.splitlines()[:3]) and index <= 3:
        return "skip"                      # the imports cell (set-up, not an idea)
    if cell.cell_type == "markdown":
        if src.startswith("## ") or "\n## " in src:
            return "slide"                 # a section starts here (or further down the cell)
        if src.startswith("### "):
            return "subslide"
        if src.startswith("**Your answer:**"):
            return "skip"                  # the instructor's answer: not for the screen
    return CONTINUE


def plan(nb, name):
    cells = [c for c in nb.cells if not is_notes_cell(c)]
    for cell in cells:
        cell.metadata.pop("@deathbeds/jupyterlab-fonts", None)
    overrides = slide_plan.TYPES.get(name, {})
    types = [overrides.get(i, default_type(i, c, cells)) for i, c in enumerate(cells)]
    zoomed = {}
    for i, cell in enumerate(cells):           # one cell taller than a screen: shown smaller
        zoom = 1.0
        while types[i] not in ("skip", "notes") and cell_height(cell) > SCREEN_BUDGET_PX:
            zoom = round(zoom - 0.01, 2)              # a wide figure shrinks less than zoom
            set_deck_zoom(cell, zoom)
            zoomed[i] = zoom
    split = []
    height = 0.0
    for i, cell in enumerate(cells):
        if types[i] in ("slide", "subslide"):
            height = cell_height(cell)
        elif types[i] in ("-", "fragment"):
            h = cell_height(cell)
            if height + h > SCREEN_BUDGET_PX and i not in overrides:
                types[i], height = "subslide", h
                split.append(i)
            else:
                height += h
    return cells, types, split, zoomed


def apply(path, dry_run=False):
    nb = nbformat.read(path, as_version=4)
    name = Path(path).stem[:2]
    cells, types, split, zoomed = plan(nb, name)
    for cell, kind in zip(cells, types):
        cell.metadata["slideshow"] = {"slide_type": kind}
    nb.cells = cells
    notes = slide_plan.NOTES.get(name, {})
    missing, out = [], []
    shown = screens(nb)
    last_of = {max(i for i, _ in s.cells): s.start for s in shown}
    for i, cell in enumerate(cells):
        out.append(cell)
        if i in last_of:
            start = last_of[i]
            if start not in notes:
                missing.append(start)
                continue
            minutes, text = notes[start]
            note = nbformat.v4.new_markdown_cell(
                f"Speaker notes (≈{minutes:g} min): {text}",
                metadata={"slideshow": {"slide_type": "notes"}})
            note["id"] = f"notes-{name}-{start:02d}"
            out.append(note)
    report = [f"{path}: {len(shown)} screens, auto-split at cells {split}, zoomed {zoomed}"]
    for s in shown:
        report.append(f"  {s!r}  notes={'yes' if s.start in notes else 'MISSING'}")
    unused = sorted(set(notes) - {s.start for s in shown})
    if unused:
        report.append(f"  notes for cells that start no screen: {unused}")
    if not dry_run:
        if missing or unused:
            raise SystemExit("\n".join(report) + f"\n{path}: screens without notes {missing}")
        nb.cells = out
        nbformat.write(nb, path)
    return "\n".join(report)


def main(argv):
    dry = "--dry-run" in argv
    paths = [a for a in argv if a != "--dry-run"] or sorted(
        str(p) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        print(apply(path, dry_run=dry))


if __name__ == "__main__":
    main(sys.argv[1:])
