"""Tests for ``edu-cnn assign``: the student version of an instructor notebook.

On a fabricated notebook (tests/fake_course.py): regions replaced in code and
markdown, outputs of exercise cells cleared and of lecture cells kept, hidden
tests removed, the same bytes every time, bad markers refused with the notebook
and cell named. The last test compares the committed student/ with a fresh
``edu-cnn assign`` of notebooks/.
"""
from pathlib import Path

import nbformat
import pytest
from fake_course import NOTEBOOK, instructor_notebook

from edu_cnn import cli
from edu_cnn.exercises import assign as assign_module
from edu_cnn.exercises.assign import (
    CODE_PROMPT,
    WRITTEN_PROMPT,
    MarkerError,
    assign,
    cell_kind,
    student_source,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path):
    """The fabricated instructor notebook in tmp_path/notebooks; returns its path."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    path = folder / NOTEBOOK
    nbformat.write(instructor_notebook(), path)
    return path


@pytest.mark.parametrize("source, cell_type, expected", [
    ("def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n",
     "code", f"def f(x):\n    y = 1\n    {CODE_PROMPT}\n"),         # at the BEGIN indentation
    ("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\nprint(answer)",
     "code", f"{CODE_PROMPT}\nprint(answer)"),
    ("a = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION\n  ### BEGIN SOLUTION\n  c = 3\n"
     "  ### END SOLUTION", "code", f"a = 1\n{CODE_PROMPT}\n  {CODE_PROMPT}"),  # two regions
    ("Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION\n\nMore text.",
     "markdown", f"Why?\n\n{WRITTEN_PROMPT}\n\nMore text."),
])
def test_regions_are_replaced_by_the_prompt(source, cell_type, expected):
    assert student_source(source, cell_type) == expected


def test_student_notebook_cells(course, tmp_path):
    (path,) = assign([course], tmp_path / "student")
    nb = nbformat.read(path, as_version=4)
    kinds = [cell_kind(c) for c in nb.cells]
    assert "hidden" not in kinds and len(nb.cells) == 9       # the hidden-test cell is gone
    assert "hidden-tests" not in path.read_text(encoding="utf-8")
    softmax = nb.cells[3].source
    assert softmax.startswith('def my_softmax(x):\n    """Row-wise')   # starter code kept
    assert f"    {CODE_PROMPT}" in softmax and "np.exp" not in softmax
    assert nb.cells[7].source.endswith(WRITTEN_PROMPT) and "overflows" not in nb.cells[7].source
    for index in (3, 4, 5, 6):                                    # exercise cells: cleared
        assert nb.cells[index].outputs == [] and nb.cells[index].execution_count is None
    assert nb.cells[1].outputs[0]["text"] == "lecture output\n"  # lecture cells: kept
    assert nb.cells[8].outputs[0]["text"] == "total 2\n" and nb.cells[8].execution_count == 7
    assert [c["id"] for c in nb.cells] == [f"cell-{i}" for i in (0, 1, 2, 3, 4, 5, 6, 7, 9)]
    assert nb.metadata["edu_cnn"] == {"assignment": NOTEBOOK}
    assert "BEGIN SOLUTION" not in path.read_text(encoding="utf-8")


def test_instructor_notebook_is_not_changed_and_output_is_deterministic(course, tmp_path):
    before = course.read_bytes()
    first = assign([course], tmp_path / "a")[0].read_bytes()
    second = assign([course], tmp_path / "b")[0].read_bytes()
    assert first == second and course.read_bytes() == before
    assert first.endswith(b"\n")
    assert cli.main(["assign", str(course), "--out", str(tmp_path / "c")]) == 0
    assert (tmp_path / "c" / NOTEBOOK).read_bytes() == first


def test_results_folder_goes_with_the_student_version(course, tmp_path):
    """A notebook that loads a measured table (09: results/09_generalise.json) must find it
    in the student folder too."""
    results = course.parent / "results"
    results.mkdir()
    (results / "table.json").write_text('{"runs": []}\n')
    assign([course], tmp_path / "out")
    assert (tmp_path / "out" / "results" / "table.json").read_text() == '{"runs": []}\n'


@pytest.mark.parametrize("source, rule", [
    ("x = 1\n### END SOLUTION", "without a `### BEGIN SOLUTION` above"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "cannot be nested"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1", "is never closed"),
])
def test_bad_markers_are_refused_with_notebook_and_cell(course, tmp_path, capsys, source, rule):
    nb = nbformat.read(course, as_version=4)
    nb.cells[5].source = source
    nbformat.write(nb, course)
    with pytest.raises(MarkerError, match=rule) as info:
        assign([course], tmp_path / "student")
    assert f"{NOTEBOOK}, cell 5 (code" in str(info.value)
    assert not (tmp_path / "student").exists()                  # nothing half-written
    assert cli.main(["assign", str(course), "--out", str(tmp_path / "student")]) == 1
    err = capsys.readouterr().err
    assert NOTEBOOK in err and rule in err


def test_marker_in_markdown_is_checked_too(course, tmp_path):
    nb = nbformat.read(course, as_version=4)
    nb.cells[7].source = "### BEGIN SOLUTION\nan answer"
    nbformat.write(nb, course)
    with pytest.raises(MarkerError, match=r"cell 7 \(markdown.*line 1.*never closed"):
        assign([course], tmp_path / "student")


def test_refuses_to_overwrite_the_instructor_folder(course, capsys):
    with pytest.raises(ValueError, match="would overwrite the instructor's"):
        assign([course], course.parent)
    assert cli.main(["assign", str(course), "--out", str(course.parent)]) == 1
    assert "overwrite" in capsys.readouterr().err


def test_cli_default_is_every_notebook_into_student(course, tmp_path, monkeypatch, capsys):
    nbformat.write(instructor_notebook(), course.parent / "10_other.ipynb")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["assign"]) == 0
    assert sorted(p.name for p in (tmp_path / "student").iterdir()) == [NOTEBOOK, "10_other.ipynb"]
    assert "2 student notebook(s)" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path / "student")                     # no notebooks/ here
    assert cli.main(["assign"]) == 1
    assert "no notebooks" in capsys.readouterr().err


def test_committed_student_version_is_up_to_date(tmp_path):
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    fresh = assign_module.assign(notebooks, tmp_path / "student")
    stale = [p.name for p in fresh
             if not (ROOT / "student" / p.name).exists()
             or (ROOT / "student" / p.name).read_bytes() != p.read_bytes()]
    assert not stale, (f"student/ is out of date for {stale}: run `edu-cnn assign --out student` "
                       f"and commit the result")
