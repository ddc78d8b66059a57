"""Tests for ``edu-cnn grade`` on a fabricated class (tests/fake_course.py) and a fake registry.

One class of submissions of the fabricated notebook is graded once (module
fixture, real kernels, short timeouts): full, empty, partial, endless loops,
a syntax error, a changed lecture cell, an answer that calls the library,
deleted cells, a kernel that dies and a file that is not a notebook. Each
test reads what the grader wrote about one of them.
"""
import csv
import json
import sys

import nbformat
import pytest
from fake_course import NOTEBOOK, REGISTRY_SOURCE, instructor_notebook, submission

from edu_cnn import cli
from edu_cnn.exercises.assign import student_notebook
from edu_cnn.exercises.grade import find_submissions, network_isolation_available

KINDS = ["full", "empty", "partial", "loop", "syntax", "changed", "library", "deleted", "dies"]
SEED = 7


def make_class(root, kinds=KINDS):
    """Instructor notebook, fake registry and one submission per kind under ``root``."""
    (root / "notebooks").mkdir(parents=True)
    nbformat.write(instructor_notebook(), root / "notebooks" / NOTEBOOK)
    (root / "registry").mkdir()
    (root / "registry" / "fake_exercises.py").write_text(REGISTRY_SOURCE, encoding="utf-8")
    student = student_notebook(instructor_notebook(), NOTEBOOK)
    subs = root / "subs"
    for i, kind in enumerate(kinds):
        if i % 2:   # half hand in a folder named after them, half a file "<name>_<notebook>"
            (subs / kind).mkdir(parents=True)
            nbformat.write(submission(student, kind), subs / kind / NOTEBOOK)
        else:
            subs.mkdir(exist_ok=True)
            nbformat.write(submission(student, kind), subs / f"{kind}_{NOTEBOOK}")
    return subs


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The fabricated class graded through the CLI: (out folder, rows by student, stdout)."""
    root = tmp_path_factory.mktemp("class")
    subs = make_class(root)
    (subs / "broken_09_fake.ipynb").write_text('{"cells": [', encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(root / "registry"))
        mp.setenv("PYTHONPATH", str(root / "registry"))
        out = root / "out"
        argv = ["grade", *sorted(str(p) for p in subs.iterdir()), "--out", str(out),
                "--notebooks", str(root / "notebooks"), "--seed", str(SEED),
                "--cell-timeout", "2", "--timeout", "20", "--registry", "fake_exercises"]
        code = cli.main(argv)
    sys.modules.pop("fake_exercises", None)
    assert code == 0
    with open(out / "grades.csv", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    by_student = {}
    for row in rows:
        by_student.setdefault(row["student"], {})[row["exercise"]] = row
    return out, by_student


def test_every_student_gets_a_row_per_exercise_and_a_run_row(graded):
    _, rows = graded
    assert sorted(rows) == sorted(KINDS + ["broken"])
    for student in rows.values():
        assert list(student) == ["F.1", "F.2", "F.3", "run"]
        assert [student[e]["max_points"] for e in ("F.1", "F.2", "F.3")] == ["4", "2", "2"]
        assert {r["notebook"] for r in student.values()} == {NOTEBOOK}


def test_full_marks_with_the_grading_seed_and_a_written_answer_to_read(graded):
    _, rows = graded
    full = rows["full"]
    assert (full["F.1"]["points"], full["F.2"]["points"]) == ("4", "2")
    assert f"seed {SEED}" in full["F.1"]["message"]               # inputs came from the seed
    assert full["F.3"]["points"] == "" and full["F.3"]["diagnosis"] == "needs_manual_grading"
    assert "exp of a large number" in full["F.3"]["message"]
    assert full["run"]["diagnosis"] == "" and "ran to the end" in full["run"]["message"]


def test_untouched_student_version_gets_zero_not_attempted(graded):
    _, rows = graded
    empty = rows["empty"]
    for exercise in ("F.1", "F.2", "F.3"):
        assert (empty[exercise]["points"], empty[exercise]["diagnosis"]) == ("0", "not_attempted")
    assert empty["run"]["diagnosis"] == ""                      # no cell raised at the top level


def test_partial_credit_and_the_library_call(graded):
    _, rows = graded
    assert (rows["partial"]["F.1"]["points"], rows["partial"]["F.1"]["diagnosis"]) == \
        ("2", "no_max_shift")                                   # 4 points × score 0.5
    assert rows["partial"]["F.2"]["points"] == "2"
    assert (rows["library"]["F.1"]["points"], rows["library"]["F.1"]["diagnosis"]) == \
        ("0", "calls_library")


def test_endless_loops_are_interrupted_and_reported(graded):
    _, rows = graded
    loop = rows["loop"]
    assert loop["run"]["diagnosis"] == "cell_timeout"              # no KeyboardInterrupt listed
    assert loop["run"]["message"] == ("cell 6 ran longer than 2 s and was interrupted; "
                                      "cell 9 ran longer than 2 s and was interrupted")
    assert (loop["F.2"]["points"], loop["F.2"]["diagnosis"]) == ("0", "timeout")
    assert loop["F.1"]["points"] == "4"                          # the kernel went on after both


@pytest.mark.parametrize("student, diagnosis, said, exercise, not_attempted_because", [
    ("syntax", "cells_raised", ["cell 5 raised SyntaxError"], "F.2", "scale"),
    ("deleted", "deleted_cells", ["solution cell 3 (code) is missing",
                                  "check cell 4 (code) is missing"], "F.1", "my_softmax"),
])
def test_syntax_error_and_deleted_cells(graded, student, diagnosis, said, exercise,
                                        not_attempted_because):
    _, rows = graded
    mine = rows[student]
    assert mine["run"]["diagnosis"] == diagnosis
    assert all(text in mine["run"]["message"] for text in said)
    assert mine[exercise]["diagnosis"] == "not_attempted"
    assert not_attempted_because in mine[exercise]["message"]
    assert {mine[e]["points"] for e in ("F.1", "F.2")} == {"0", "4" if exercise == "F.2" else "2"}


def test_changed_lecture_cell_is_reported_and_not_penalised(graded):
    _, rows = graded
    changed = rows["changed"]
    assert changed["run"]["diagnosis"] == "changed_lecture_cells"
    assert "lecture cell 9 (code) was changed" in changed["run"]["message"]
    assert (changed["F.1"]["points"], changed["F.2"]["points"]) == ("4", "2")
    assert "changed" not in rows["full"]["run"]["message"]


def test_a_dead_kernel_and_an_unreadable_file_are_reported(graded):
    _, rows = graded
    assert rows["dies"]["run"]["diagnosis"].startswith("kernel_died")
    assert {rows["dies"][e]["diagnosis"] for e in ("F.1", "F.2")} == {"kernel_died"}
    broken = rows["broken"]
    assert broken["run"]["diagnosis"] == "unreadable_notebook"
    assert {broken[e]["diagnosis"] for e in ("F.1", "F.2", "F.3")} == {"unreadable_notebook"}


def test_feedback_file_per_student_and_class_summary(graded):
    out, rows = graded
    assert sorted(p.stem for p in (out / "feedback").iterdir()) == sorted(rows)
    text = (out / "feedback" / "partial.md").read_text(encoding="utf-8")
    assert "# Feedback for partial" in text and "4 / 8 points (2 to grade by hand)" in text
    assert "right on small inputs, overflows on large ones" in text
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "10 students" in summary
    assert "F.3 why the max: 8 answer(s) to grade by hand" in summary
    assert "- no_max_shift: 1 (partial)" in summary and "- calls_library: 1 (library)" in summary
    with open(out / "summary.csv", encoding="utf-8") as file:
        counts = {(r["exercise"], r["diagnosis"]): int(r["count"]) for r in csv.DictReader(file)}
    assert counts[("F.2", "not_attempted")] == 2                 # empty, syntax
    assert counts[("F.3", "needs_manual_grading")] == 8
    assert counts[("run", "cell_timeout")] == 1


def test_network_is_cut_when_linux_allows_it(graded):
    out, _ = graded
    summary = (out / "summary.md").read_text(encoding="utf-8")
    expected = "network: none" if network_isolation_available() else "network: NOT isolated"
    assert expected in summary


def test_student_names_and_notebooks_are_found(tmp_path):
    nb = student_notebook(instructor_notebook(), NOTEBOOK)
    (tmp_path / "ann").mkdir()
    nbformat.write(nb, tmp_path / "ann" / NOTEBOOK)
    nbformat.write(nb, tmp_path / "ben_09_fake.ipynb")
    nbformat.write(nb, tmp_path / "cy.ipynb")                   # named by the metadata
    del nb.metadata["edu_cnn"]
    nbformat.write(nb, tmp_path / "dee.ipynb")                  # cannot be told
    subs = find_submissions([tmp_path / "ann", tmp_path / "ben_09_fake.ipynb",
                             tmp_path / "cy.ipynb", tmp_path / "dee.ipynb"], [NOTEBOOK])
    assert [(s.student, s.assignment) for s in subs] == [
        ("ann", NOTEBOOK), ("ben", NOTEBOOK), ("cy", NOTEBOOK), ("dee", None)]
    with pytest.raises(FileNotFoundError, match="no file or folder"):
        find_submissions([tmp_path / "nobody"], [NOTEBOOK])


def test_results_json_from_the_kernel_is_not_trusted_blindly(graded):
    """Scores are clipped to [0, 1]; the CSV never shows more than the maximum."""
    _, rows = graded
    for student in rows.values():
        for exercise, row in student.items():
            if exercise != "run" and row["points"]:
                assert 0 <= float(row["points"]) <= float(row["max_points"])
    json.dumps(rows)  # plain strings only
