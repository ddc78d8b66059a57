"""The committed student version, as a student gets it: "Run All" reaches the end of every
notebook, and every check says "not yet" (not_attempted) without raising.

This grades `student/` as one submission with `edu-cnn grade` (each notebook in its own fresh
kernel): about 90 s on 2 cores.
"""
import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("graded")
    result = subprocess.run([sys.executable, "-m", "edu_cnn.cli", "grade", "student",
                             "--out", str(out), "--cell-timeout", "120"],
                            cwd=ROOT, capture_output=True, text=True, timeout=900,
                            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_every_student_notebook_runs_to_the_end(graded):
    runs = {row["notebook"]: row for row in graded if row["exercise"] == "run"}
    assert sorted(runs) == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    problems = {name: (row["diagnosis"], row["message"]) for name, row in runs.items()
                if row["diagnosis"] or not row["message"].startswith("ran to the end")}
    assert not problems, problems


def test_every_exercise_reports_not_yet_with_zero_points(graded):
    from edu_cnn.exercises import EXERCISES
    rows = {row["exercise"]: row for row in graded if row["exercise"] != "run"}
    assert sorted(rows) == sorted(EXERCISES)
    wrong = {ex: (row["points"], row["diagnosis"]) for ex, row in rows.items()
             if row["points"] != "0" or row["diagnosis"] != "not_attempted"}
    assert not wrong, wrong
