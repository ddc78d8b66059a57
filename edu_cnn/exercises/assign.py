"""``edu-cnn assign``: the student version of an instructor notebook.

The notebooks in ``notebooks/`` are the instructor's version (solutions in,
executed). A student's code region is marked in a code cell by nbgrader's
markers, and a written answer by the same lines in a markdown cell::

    def relu(x):
        ### BEGIN SOLUTION
        return np.maximum(x, 0)
        ### END SOLUTION

The student version replaces each region by ``raise NotImplementedError(...)``
at the indentation of its BEGIN line (a written answer by ``*Your answer
here.*``), clears the outputs of the exercise cells (cells with markers and
the cells that call ``exercises.check_*``), removes the cells tagged
``hidden-tests`` and keeps every other cell (the lecture) with its outputs.
The same instructor notebook always gives the same bytes.
"""
import copy
import re
import shutil
from pathlib import Path

import nbformat

__all__ = ["BEGIN", "END", "CODE_PROMPT", "WRITTEN_PROMPT", "HIDDEN_TAG", "MarkerError",
           "cell_kind", "student_source", "student_notebook", "assign"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_PROMPT = 'raise NotImplementedError("your code here (then run the check below)")'
WRITTEN_PROMPT = "*Your answer here.*"
HIDDEN_TAG = "hidden-tests"
_CHECK_CALL = re.compile(r"\bexercises\.check_\w+\s*\(")


class MarkerError(ValueError):
    """Unbalanced or nested ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers in a cell."""


def cell_kind(cell):
    """``"hidden"``, ``"solution"`` (has markers), ``"check"`` (calls a check) or ``"lecture"``."""
    if HIDDEN_TAG in cell.get("metadata", {}).get("tags", []):
        return "hidden"
    if cell.cell_type not in ("code", "markdown"):
        return "lecture"
    lines = [line.strip() for line in cell.source.splitlines()]
    if BEGIN in lines or END in lines:
        return "solution"
    if cell.cell_type == "code" and _CHECK_CALL.search(cell.source):
        return "check"
    return "lecture"


def student_source(source, cell_type, where="this cell"):
    """``source`` with every marked region replaced by the prompt; ``where`` names the cell.

    Raises ``MarkerError`` for an END without a BEGIN, a BEGIN inside a region,
    or a BEGIN left open at the end of the cell.
    """
    out, begin_line = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if begin_line is not None:
                raise MarkerError(f"{where}, line {number}: `{BEGIN}` inside the region opened "
                                  f"on line {begin_line}; regions cannot be nested. Close the "
                                  f"first one with `{END}` before opening another.")
            begin_line = number
            indent = line[:len(line) - len(line.lstrip())]
            out.append(indent + CODE_PROMPT if cell_type == "code" else WRITTEN_PROMPT)
        elif marker == END:
            if begin_line is None:
                raise MarkerError(f"{where}, line {number}: `{END}` without a `{BEGIN}` above "
                                  f"it in the same cell. Add the BEGIN line or remove this one.")
            begin_line = None
        elif begin_line is None:
            out.append(line)
    if begin_line is not None:
        raise MarkerError(f"{where}, line {begin_line}: `{BEGIN}` is never closed in this cell. "
                          f"Add `{END}` after the solution (a region cannot span cells).")
    return "\n".join(out) + ("\n" if source.endswith("\n") else "")


def student_notebook(nb, name="notebook"):
    """The student version of the notebook node ``nb`` (a new node; ``nb`` is not changed)."""
    student = copy.deepcopy(nb)
    cells = []
    for index, cell in enumerate(student.cells):
        kind = cell_kind(cell)
        if kind == "hidden":
            continue
        if kind == "solution":
            where = f"{name}, cell {index} ({cell.cell_type}, counting from 0)"
            cell.source = student_source(cell.source, cell.cell_type, where)
        if cell.cell_type == "code" and kind in ("solution", "check"):
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        cells.append(cell)
    student.cells = cells
    student.metadata["edu_cnn"] = {"assignment": name}
    return student


def assign(notebooks, out):
    """Write the student version of each notebook path in ``notebooks`` into folder ``out``.

    The ``results/`` folder beside the notebooks (measured tables a notebook loads, such as
    09's) is copied to ``out/results``. Returns the notebook paths written. Nothing is
    written if any notebook has bad markers (``MarkerError``) or if ``out`` is the folder of a
    source notebook.
    """
    out = Path(out)
    sources = [Path(p) for p in notebooks]
    for path in sources:
        if path.resolve().parent == out.resolve():
            raise ValueError(f"edu-cnn assign: --out {out} is the folder of {path}; the student "
                             f"version would overwrite the instructor's. Choose another folder "
                             f"(e.g. --out student).")
    versions = {path.name: student_notebook(nbformat.read(path, as_version=4), path.name)
                for path in sources}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in versions.items():
        target = out / name
        text = nbformat.writes(nb)
        target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        written.append(target)
    folders = {p.parent / "results" for p in sources}
    for results in sorted(f for f in folders if f.is_dir()):
        shutil.copytree(results, out / "results", dirs_exist_ok=True)   # data a notebook reads
    return written
