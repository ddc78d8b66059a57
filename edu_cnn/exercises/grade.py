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
"""
import asyncio
import copy
import csv
import importlib
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .assign import WRITTEN_PROMPT, cell_kind, student_source

__all__ = ["Submission", "NotebookRun", "find_submissions", "grade_notebook", "grade",
           "network_isolation_available"]

CSV_COLUMNS = ["student", "notebook", "exercise", "points", "max_points", "diagnosis", "message"]
_NETNS = ["unshare", "--user", "--map-root-user", "--net", "--"]


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


def _safe_name(text):
    """``text`` as a file name: letters, digits, ``_``, ``.``, ``-`` only."""
    return re.sub(r"[^\w.-]", "_", text).lstrip(".") or "_"


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


# --- running one notebook ----------------------------------------------------------------

def network_isolation_available():
    """True when this machine can start a process in a network namespace of its own."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(_NETNS + ["true"], capture_output=True, check=False)
    return probe.returncode == 0


def _kernel_manager(folder, isolate, kernel_name):
    """A kernel manager over unix sockets in ``folder``; in a network namespace if ``isolate``."""
    from jupyter_client.manager import AsyncKernelManager

    class Manager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            command = super().format_kernel_cmd(extra_arguments)
            return _NETNS + command if isolate else command

    return Manager(kernel_name=kernel_name, transport="ipc", ip=str(Path(folder) / "kernel"))


def _kernel_env(folder):
    """The kernel's environment: this edu_cnn first on the path, figures kept in the temp folder."""
    import edu_cnn
    env = dict(os.environ)
    here = str(Path(edu_cnn.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    env["EDU_CNN_FIGURES"] = str(Path(folder) / "figures")
    env["MPLBACKEND"] = "Agg"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


_GRADING_CELL = """\
def __edu_cnn_grade_one():
    import importlib, json
    out = {{"exercise": {id!r}, "passed": False, "score": 0.0}}
    try:
        exercise = importlib.import_module({registry!r}).EXERCISES[{id!r}]
        names = globals()
        missing = [name for name in exercise.answers if name not in names]
        if missing:
            out.update(diagnosis="not_attempted", message="not defined in the notebook: "
                       + ", ".join(missing) + " (was its cell deleted, renamed or not run?)")
        else:
            result = exercise.check(*[names[n] for n in exercise.answers], show=False,
                                    seed={seed!r}, timeout={timeout!r})
            out.update(passed=bool(result.passed), score=float(result.score),
                       message=str(result.message),
                       diagnosis=None if result.diagnosis is None else str(result.diagnosis))
    except Exception as error:
        out.update(diagnosis="raised", message="the check could not run: "
                   + type(error).__name__ + ": " + str(error))
    with open({path!r}, "w", encoding="utf-8") as file:
        json.dump(out, file)
__edu_cnn_grade_one()
del __edu_cnn_grade_one
"""


def _cell_errors(nb):
    """``(index, "Name: message")`` for every code cell whose output holds an error."""
    errors = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                first = (str(output.get("evalue", "")).strip().splitlines() or [""])[0]
                errors.append((index, f"{output.get('ename', 'Error')}: {first[:120]}"))
    return errors


async def _run_cells(client, nb, run, cell_timeout, timeout):
    """Execute the code cells of ``nb`` in order within the limits; record timeouts in ``run``."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    deadline = time.monotonic() + timeout
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            run.problem("total_timeout", f"stopped before cell {index}: the notebook took "
                                         f"more than {timeout:g} s")
            return True
        client.timeout = max(1, math.ceil(min(cell_timeout, remaining)))
        try:
            await client.async_execute_cell(cell, index)
        except CellTimeoutError:
            run.problem("cell_timeout", f"cell {index} ran longer than {client.timeout} s "
                                        f"and was interrupted")
            run.timed_out.add(index)
            await client.km.interrupt_kernel()
        except DeadKernelError:
            run.problem("kernel_died", f"the kernel died in cell {index} (did it call "
                                       f"os._exit, or run out of memory?)")
            return False
    return True


async def _run_check(client, exercise_id, registry, seed, cell_timeout, folder):
    """Re-run one check in the kernel; its result dict (a timeout or a crash is a result too)."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    path = Path(folder) / ("result_" + _safe_name(exercise_id) + ".json")
    source = _GRADING_CELL.format(id=exercise_id, registry=registry, seed=seed,
                                  timeout=cell_timeout, path=str(path))
    cell = nbformat.v4.new_code_cell(source)
    client.timeout = math.ceil(2 * cell_timeout + 1)
    failed = {"exercise": exercise_id, "passed": False, "score": 0.0}
    try:
        await client.async_execute_cell(cell, -1, store_history=False)
    except CellTimeoutError:
        await client.km.interrupt_kernel()
        return {**failed, "diagnosis": "timeout",
                "message": f"your code ran longer than {client.timeout} s on the grading "
                           f"inputs (an endless loop?)"}
    except DeadKernelError:
        return {**failed, "diagnosis": "kernel_died", "message": "the kernel died in the check"}
    if not path.exists():
        errors = _cell_errors(nbformat.v4.new_notebook(cells=[cell]))
        detail = errors[0][1] if errors else "no result"
        return {**failed, "diagnosis": "raised", "message": f"the check gave no result ({detail})"}
    return json.loads(path.read_text(encoding="utf-8"))


async def _quietly(coroutine):
    """Run ``coroutine`` without asyncio's log of the output pollers nbclient leaves behind."""
    from queue import Empty
    loop = asyncio.get_running_loop()

    def handler(loop, context):
        if not isinstance(context.get("exception"), Empty):
            loop.default_exception_handler(context)
    loop.set_exception_handler(handler)
    return await coroutine


async def _execute(nb, run, exercises, settings, folder):
    """Run the notebook, then its checks, in one fresh kernel; fill ``run.results``."""
    from nbclient import NotebookClient
    work = Path(folder) / "work"
    work.mkdir()
    km = _kernel_manager(folder, settings["isolate"], settings["kernel_name"])
    client = NotebookClient(nb, km=km, allow_errors=True, interrupt_on_timeout=False,
                            shutdown_kernel="immediate", iopub_timeout=2,
                            kernel_name=settings["kernel_name"])
    auto = [e for e in exercises if not e.written]
    async with client.async_setup_kernel(cwd=str(work), env=_kernel_env(folder),
                                         cleanup_kc=True):
        alive = await _run_cells(client, nb, run, settings["cell_timeout"], settings["timeout"])
        for exercise in auto:
            if not alive:
                run.results.append({"exercise": exercise.id, "passed": False, "score": 0.0,
                                    "diagnosis": "kernel_died",
                                    "message": "not checked: the kernel died while the "
                                               "notebook ran"})
                continue
            result = await _run_check(client, exercise.id, settings["registry"], settings["seed"],
                                      settings["cell_timeout"], folder)
            alive = result.get("diagnosis") != "kernel_died"
            run.results.append(result)
    for index, message in _cell_errors(nb):
        if index not in run.timed_out:   # the KeyboardInterrupt of a timeout is said already
            run.problem("cells_raised", f"cell {index} raised {message}")


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
            asyncio.run(_quietly(_execute(executed, run, exercises, settings, folder)))
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

def _rows(run, exercises):
    """The CSV rows of one graded notebook: one per exercise, then the ``run`` row."""
    by_id = {e.id: e for e in exercises}
    sub = run.submission
    rows = []
    for result in run.results:
        exercise = by_id[result["exercise"]]
        score = _clip_score(result.get("score"))
        points = "" if result.get("diagnosis") == "needs_manual_grading" else \
            f"{exercise.points * score:.2f}".rstrip("0").rstrip(".")
        rows.append({"student": sub.student, "notebook": sub.assignment,
                     "exercise": exercise.id, "points": points, "max_points": exercise.points,
                     "diagnosis": result.get("diagnosis") or ("" if result.get("passed")
                                                              else "undiagnosed"),
                     "message": " ".join(str(result.get("message", "")).split())})
    problems = "; ".join(detail for details in run.problems.values() for detail in details)
    rows.append({"student": sub.student, "notebook": sub.assignment, "exercise": "run",
                 "points": "", "max_points": "", "diagnosis": ";".join(run.problems),
                 "message": problems or f"ran to the end in {run.seconds:.1f} s"})
    return rows


def _clip_score(score):
    """A check's score as a float in [0, 1]; anything else (None, NaN, text) counts as 0."""
    try:
        score = float(score)
    except (TypeError, ValueError):
        return 0.0
    return min(max(score, 0.0), 1.0) if score == score else 0.0


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
                "registry": registry, "isolate": isolate, "kernel_name": kernel_name}
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
        rows += _rows(run, by_notebook.get(sub.assignment, []))
        if progress:
            progress(run)
    write_outputs(Path(out), rows, by_notebook, settings)
    return rows


def write_outputs(out, rows, by_notebook, settings):
    """grades.csv, feedback/<student>.md, summary.csv and summary.md in folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    by_student = defaultdict(list)
    for row in rows:
        by_student[row["student"]].append(row)
    titles = {e.id: e.title for exercises in by_notebook.values() for e in exercises}
    for student, student_rows in by_student.items():
        text = _feedback(student, student_rows, titles, settings)
        (feedback / f"{_safe_name(student)}.md").write_text(text, encoding="utf-8")
    counts = _counts(rows)
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["notebook", "exercise", "title", "diagnosis", "count", "students"])
        for (notebook, exercise, diagnosis), students in counts.items():
            writer.writerow([notebook, exercise, titles.get(exercise, ""), diagnosis,
                             len(students), ";".join(students)])
    (out / "summary.md").write_text(_summary(rows, counts, titles, settings), encoding="utf-8")


def _counts(rows):
    """(notebook, exercise, diagnosis) -> students, for every diagnosed mistake and run problem."""
    counts = defaultdict(list)
    for row in rows:
        for diagnosis in filter(None, row["diagnosis"].split(";")):
            counts[(row["notebook"] or "?", row["exercise"], diagnosis)].append(row["student"])
    return dict(sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1], -len(kv[1]),
                                                       kv[0][2])))


def _score(rows):
    points = sum(float(r["points"] or 0) for r in rows if r["exercise"] != "run")
    most = sum(float(r["max_points"] or 0) for r in rows if r["exercise"] != "run")
    manual = sum(float(r["max_points"]) for r in rows if r["diagnosis"] == "needs_manual_grading")
    return f"{points:g} / {most:g} points" + (f" ({manual:g} to grade by hand)" if manual else "")


def _feedback(student, rows, titles, settings):
    """The markdown feedback of one student."""
    lines = [f"# Feedback for {student}", "",
             f"Graded with seed {settings['seed']}: the checks ran again on new inputs.", ""]
    for notebook in dict.fromkeys(r["notebook"] for r in rows):
        mine = [r for r in rows if r["notebook"] == notebook]
        lines += [f"## {notebook or 'unknown notebook'}: {_score(mine)}", ""]
        for r in mine:
            if r["exercise"] == "run":
                lines += ["", "**Running your notebook:** " + r["message"]]
                continue
            points = r["points"] or "to be graded by hand"
            lines += [f"- **{r['exercise']} {titles.get(r['exercise'], '')}**: {points} / "
                      f"{r['max_points']}. {r['message']}"]
        lines.append("")
    return "\n".join(lines)


def _summary(rows, counts, titles, settings):
    """The class summary in markdown: per exercise the mean, full marks and each mistake's count."""
    network = "none (own network namespace)" if settings["isolate"] else \
        "NOT isolated (the kernels had this machine's network)"
    students = sorted({r["student"] for r in rows})
    lines = ["# Class summary", "", f"{len(students)} students, seed {settings['seed']}, cell "
             f"timeout {settings['cell_timeout']:g} s, notebook timeout {settings['timeout']:g} s, "
             f"network: {network}.", ""]
    groups = defaultdict(list)
    for r in rows:
        groups[(r["notebook"] or "?", r["exercise"])].append(r)
    for (notebook, exercise), group in groups.items():
        scored = [float(r["points"]) for r in group if r["points"] != ""]
        manual = sum(1 for r in group if r["diagnosis"] == "needs_manual_grading")
        full = sum(1 for r in group if r["points"] != "" and r["max_points"] != ""
                   and float(r["points"]) == float(r["max_points"]))
        head = f"### {notebook} {exercise} {titles.get(exercise, '')}".rstrip()
        if exercise == "run":
            head = f"### {notebook}: running the notebooks"
        elif manual:
            head += f": {manual} answer(s) to grade by hand"
        elif scored:
            head += (f": mean {sum(scored) / len(scored):.2f} / {group[0]['max_points']}, "
                     f"full marks {full} of {len(group)}")
        lines += [head, ""]
        mistakes = [(d, s) for (n, e, d), s in counts.items() if (n, e) == (notebook, exercise)]
        lines += [f"- {d}: {len(s)} ({', '.join(s)})" for d, s in mistakes] or ["- none"]
        lines.append("")
    return "\n".join(lines)
