"""The exercise contract: Result, EXERCISES, hint(), and the notebooks' markers and check cells."""
import json
import pathlib
import re

import pytest

from edu_cnn import exercises
from edu_cnn.exercises import Exercise, Result

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def cells(notebook):
    return json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]


def test_result_is_truthy_when_passed_and_prints_its_line():
    assert Result("01.1", True, 1.0, "fine.")
    assert not Result("01.1", False, 0.5, "wrong.", "forgot_bias")
    assert Result("01.1", False, 0.0, "wrong.").line() == "❌ Not yet: wrong."


def test_exercises_registry_follows_the_contract():
    ids = list(exercises.EXERCISES)
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    for ex_id, ex in exercises.EXERCISES.items():
        assert isinstance(ex, Exercise) and ex.id == ex_id and ex.points >= 1
        assert (NOTEBOOKS / ex.notebook).exists()
        assert ex.notebook.startswith(ex_id[:2] + "_")
        if ex.written:
            assert ex.check is None and ex.answers == ()
        else:
            assert callable(ex.check) and ex.check.exercise == ex_id and len(ex.answers) >= 1
    for nb in {ex.notebook for ex in exercises.EXERCISES.values()}:
        assert any(ex.written for ex in exercises.EXERCISES.values() if ex.notebook == nb)


def test_hint_gives_tiers_in_words(capsys):
    first = exercises.hint("03.5")
    assert first.startswith("Hint 1/3 for 03.5: ") and "exercises.hint('03.5', 2)" in first
    assert capsys.readouterr().out.strip() == first
    assert exercises.hint("03.5", 9).startswith("Hint 3/3")
    assert "There is no exercise '99.9'" in exercises.hint("99.9")


@pytest.mark.parametrize("ex_id", list(exercises.EXERCISES))
def test_hints_hold_no_solution_code(ex_id):
    text = exercises.hint(ex_id, 1) + exercises.hint(ex_id, 2) + exercises.hint(ex_id, 3)
    assert not re.search(r"np\.|\.reshape\(|\.sum\(|axis=|@|\[:, ", text), text


def test_every_check_the_notebooks_call_is_exported():
    used = {name for path in NOTEBOOKS.glob("*.ipynb") for cell in cells(path.name)
            if cell["cell_type"] == "code"
            for name in re.findall(r"\bexercises\.(\w+)", "".join(cell["source"]))}
    assert used <= set(exercises.__all__)


@pytest.mark.parametrize("ex", list(exercises.EXERCISES.values()), ids=lambda ex: ex.id)
def test_each_exercise_has_its_markers_and_check_cell_in_its_notebook(ex):
    nb = cells(ex.notebook)
    sources = ["".join(cell["source"]) for cell in nb]
    kind = "markdown" if ex.written else "code"
    marked = [s for cell, s in zip(nb, sources, strict=True)
              if cell["cell_type"] == kind and BEGIN in s and END in s]
    assert marked, f"{ex.id}: no {kind} cell with solution markers"
    if ex.written:
        assert any(f"Exercise {ex.id}" in s or f"exercise {ex.id}" in s for s in sources)
        return
    name = ex.check.__name__
    calls = [s for s in sources if f"exercises.{name}(" in s]
    assert len(calls) == 1, f"{ex.id}: {name} should be called in exactly one cell"
    for answer in ex.answers:
        assert re.search(rf"^def {answer}\(", "\n".join(marked), re.M), answer


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_solution_markers_sit_inside_function_bodies(path):
    for cell in cells(path.name):
        lines = "".join(cell["source"]).splitlines()
        if cell["cell_type"] != "code":
            continue
        for line in lines:
            if line.strip() in (BEGIN, END):
                assert line.startswith("    "), f"{path.name}: marker at top level: {lines}"
                assert line.strip() == line.lstrip()
        assert sum(line.strip() == BEGIN for line in lines) == \
            sum(line.strip() == END for line in lines)


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_instructor_notebooks_show_only_passing_checks(path):
    for cell in cells(path.name):
        if cell["cell_type"] == "code" and "exercises.check_" in "".join(cell["source"]):
            text = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
            assert text.startswith("✅ Correct!"), text
