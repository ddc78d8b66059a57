"""``edu-cnn grade``: run submitted notebooks, re-run their checks, write grades and feedback.

For each submitted notebook, in this order:

1. a copy goes into a fresh temporary folder, which is the kernel's working folder;
2. a fresh kernel runs every code cell, each with a time limit (``cell_timeout``;
   on a timeout the kernel is interrupted and the next cell runs), all of them
   within ``timeout`` seconds; a cell that raises does not stop the run;
3. in that kernel, every check of the notebook (``EXERCISES``) is run again
   on the student's functions (each exercise's ``answers`` globals) with
   ``seed`` and ``show=False``, each within ``cell_timeout`` (given to the
   check) and a hard limit of ``2 · cell_timeout + 1`` seconds (a timeout
   there is diagnosed ``timeout``); partial credit is ``points × score``;
4. the lecture cells (neither marked nor a check) are compared with the
   instructor notebook it was assigned from: changed or deleted ones are reported.

Written answers cannot be graded by a program: their row says "needs manual
grading" (with the start of the answer) or "not attempted" (the prompt is still there).

When Linux allows it (``unshare --user --map-root-user --net``), the kernel
runs in a network namespace of its own, with no network interface but its own
loopback: it cannot reach any other machine. Elsewhere the kernel has the
network of the grader and ``Report.network`` says so.

Outputs in ``out``: ``grades.csv`` (a row per student and exercise, plus a
``run`` row per notebook with what went wrong running it), ``feedback/<student>.md``,
``summary.md`` and ``summary.csv`` (how many students made each diagnosed mistake).

This module finds the submissions and grades each one; ``grade_kernel`` runs a
notebook in its kernel (steps 2 and 3), ``grade_report`` writes the outputs.
"""
import copy
import importlib
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import grade_report
from .assign import WRITTEN_PROMPT, cell_kind, student_source
from .grade_kernel import network_isolation_available, run_notebook
from .grade_report import CSV_COLUMNS as CSV_COLUMNS  # re-exported: edu_cnn.exercises.grade's
from .grade_report import write_outputs

__all__ = ["Submission", "NotebookRun", "find_submissions", "grade_notebook", "grade",
           "network_isolation_available"]


@dataclass
class Submission:
    """One notebook to grade: who handed it in, the file, and the instructor notebook's name."""
    student: str
    path: Path
    assignment: str | None  # e.g. "06_full_cnn.ipynb"; None when it cannot be told


@dataclass
class NotebookRun:
    """What happened when one submission ran: problems found and one result dict per exercise."""
    submission: Submission
    problems: dict = field(default_factory=dict)   # diagnosis -> list of details
    results: list = field(default_factory=list)    # dicts: exercise, passed, score, message, ...
    seconds: float = 0.0
    timed_out: set = field(default_factory=set)    # indices of the cells interrupted

    def problem(self, diagnosis, detail):
        self.problems.setdefault(diagnosis, []).append(detail)


# --- finding the submissions -------------------------------------------------------------

def _assignment_of(path, nb, names):
    """The instructor notebook name ``path`` was assigned from: metadata first, then file name."""
    meta = (nb or {}).get("metadata", {}).get("edu_cnn", {}).get("assignment")
    if meta in names:
        return meta
    matches = [name for name in names if path.name == name or path.name.endswith("_" + name)]
    return max(matches, key=len) if matches else None


def _student_of(path, assignment):
    """The student's name from a submitted file: its name minus the notebook's name, if there."""
    stem = path.stem
    if assignment and stem == Path(assignment).stem:
        return path.resolve().parent.name
    if assignment and stem.endswith(Path(assignment).stem):
        return stem[:-len(Path(assignment).stem)].rstrip("_- .") or stem
    return stem


def _read(path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # a broken file is reported with the grades, not raised
        return None


def find_submissions(paths, names):
    """The notebooks in ``paths`` (files, or one folder per student), with student and assignment.

    ``names`` are the instructor notebook file names a submission may have been assigned from.
    """
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            entries = [(p, path.resolve().name) for p in files]  # the folder names the student
        elif path.is_file():
            entries = [(path, None)]
        else:
            raise FileNotFoundError(f"edu-cnn grade: no file or folder {path}. Give the "
                                    f"submitted notebooks, or one folder per student.")
        for file, folder_student in entries:
            assignment = _assignment_of(file, _read(file), names)
            student = folder_student or _student_of(file, assignment)
            found.append(Submission(student, file, assignment))
    return found


# --- comparing with the instructor notebook ----------------------------------------------

def _normal(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _match(cell, submitted):
    """The submitted cell with ``cell``'s id, else one with the same source, else None."""
    by_id = [c for c in submitted.cells if cell.get("id") and c.get("id") == cell.get("id")]
    if by_id:
        return by_id[0]
    same = [c for c in submitted.cells if _normal(c.source) == _normal(cell.source)]
    return same[0] if same else None


def compare_cells(original, submitted, run):
    """Record in ``run`` the lecture and check cells of ``original`` changed or deleted."""
    for index, cell in enumerate(original.cells):
        kind = cell_kind(cell)
        if kind == "hidden":
            continue
        match = _match(cell, submitted)
        what = f"{'check' if kind == 'check' else kind} cell {index} ({cell.cell_type})"
        if match is None:
            run.problem("deleted_cells", f"{what} is missing")
        elif kind != "solution" and _normal(match.source) != _normal(cell.source):
            run.problem("changed_lecture_cells", f"{what} was changed")


def written_results(original, submitted, exercises):
    """One result per written exercise: the k-th marked markdown cell answers the k-th question."""
    marked = [c for c in original.cells
              if c.cell_type == "markdown" and cell_kind(c) == "solution"]
    written = [e for e in exercises if e.written]
    marked += [None] * (len(written) - len(marked))
    results = []
    for exercise, cell in zip(written, marked):
        answer = None if cell is None else _match(cell, submitted)
        prompt = None if cell is None else _normal(student_source(cell.source, "markdown"))
        base = {"exercise": exercise.id, "passed": False, "score": 0.0, "manual": True}
        if answer is None:
            results.append({**base, "diagnosis": "not_attempted",
                            "message": "the answer cell is missing (deleted?)"})
        elif _normal(answer.source) == prompt or WRITTEN_PROMPT in answer.source:
            results.append({**base, "diagnosis": "not_attempted",
                            "message": "not answered (the prompt is still there)"})
        else:
            text = " ".join(answer.source.split())
            results.append({**base, "diagnosis": "needs_manual_grading",
                            "message": f"answer to read: {text[:160]}"})
    return results


# --- one submission ----------------------------------------------------------------------

def grade_notebook(submission, exercises, original, settings):
    """Grade one submission: a ``NotebookRun`` (never raises for anything the student did)."""
    run = NotebookRun(submission)
    start = time.monotonic()
    nb = _read(submission.path)
    if nb is None:
        run.problem("unreadable_notebook", f"{submission.path.name} is not a valid notebook "
                                           f"file (edited outside Jupyter?)")
        run.results = [_zero(e, "unreadable_notebook", "not graded: the file could not be read")
                       for e in exercises]
        return run
    compare_cells(original, nb, run)
    with tempfile.TemporaryDirectory(prefix="edu_cnn_grade_") as folder:
        executed = copy.deepcopy(nb)
        try:
            run_notebook(executed, run, exercises, settings, folder)
        except Exception as error:  # a kernel that would not start, a broken kernelspec, ...
            run.problem("grader_error", f"{type(error).__name__}: {error}")
    run.results += written_results(original, nb, exercises)
    done = {r["exercise"] for r in run.results}
    run.results += [_zero(e, "not_graded", "not graded (see the run row)")
                    for e in exercises if e.id not in done]
    order = [e.id for e in exercises]
    run.results.sort(key=lambda r: order.index(r["exercise"]))
    run.seconds = time.monotonic() - start
    return run


def _zero(exercise, diagnosis, message):
    return {"exercise": exercise.id, "passed": False, "score": 0.0,
            "diagnosis": diagnosis, "message": message}


# --- the class -----------------------------------------------------------------------------

def _registry(registry):
    exercises = importlib.import_module(registry).EXERCISES
    by_notebook = defaultdict(list)
    for exercise in exercises.values():
        by_notebook[exercise.notebook].append(exercise)
    return by_notebook


def grade(submissions, out, *, notebooks="notebooks", seed=0, cell_timeout=60, timeout=600,
          registry="edu_cnn.exercises", isolate=None, kernel_name="python3", progress=None):
    """Grade every submission; write grades.csv, feedback/ and the summary into ``out``.

    ``notebooks`` is the folder of instructor notebooks; ``registry`` the module
    holding ``EXERCISES``; ``isolate`` runs kernels without network (None: when
    possible). ``progress(run)`` is called after each notebook. Returns the CSV rows.
    """
    by_notebook = _registry(registry)
    originals = {p.name: p for p in sorted(Path(notebooks).glob("*.ipynb"))}
    if not originals:
        raise FileNotFoundError(f"edu-cnn grade: no instructor notebooks (*.ipynb) in "
                                f"{notebooks}. Give their folder with --notebooks.")
    isolate = network_isolation_available() if isolate is None else isolate
    settings = {"seed": seed, "cell_timeout": cell_timeout, "timeout": timeout,
                "registry": registry, "isolate": isolate, "kernel_name": kernel_name,
                "results": Path(notebooks) / "results"}   # measured tables notebooks read
    rows, runs = [], []
    for sub in find_submissions(submissions, list(originals)):
        if sub.assignment is None:
            run = NotebookRun(sub)
            run.problem("unknown_notebook", f"{sub.path.name}: not one of the assigned notebooks "
                                            f"({', '.join(originals)}); rename it")
        else:
            exercises = by_notebook.get(sub.assignment, [])
            original = nbformat.read(originals[sub.assignment], as_version=4)
            run = grade_notebook(sub, exercises, original, settings)
        runs.append(run)
        rows += grade_report.rows(run, by_notebook.get(sub.assignment, []))
        if progress:
            progress(run)
    write_outputs(Path(out), rows, by_notebook, settings)
    return rows


