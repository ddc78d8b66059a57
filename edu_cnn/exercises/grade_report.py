"""The outputs of ``edu-cnn grade``: grades.csv, feedback/<student>.md and the class summary.

``rows`` turns one graded notebook (a ``NotebookRun``) into CSV rows: one per
exercise (points are ``points × score``; written answers have none until a
person grades them) and a ``run`` row with what went wrong running it.
``write_outputs`` writes ``grades.csv``, ``feedback/<student>.md``,
``summary.md`` and ``summary.csv`` (how many students made each diagnosed mistake).
"""
import csv
import re
from collections import defaultdict

__all__ = ["CSV_COLUMNS", "rows", "write_outputs", "safe_name"]

CSV_COLUMNS = ["student", "notebook", "exercise", "points", "max_points", "diagnosis", "message"]


def safe_name(text):
    """``text`` as a file name: letters, digits, ``_``, ``.``, ``-`` only."""
    return re.sub(r"[^\w.-]", "_", text).lstrip(".") or "_"



def rows(run, exercises):
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
        (feedback / f"{safe_name(student)}.md").write_text(text, encoding="utf-8")
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
