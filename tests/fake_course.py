"""A fabricated one-notebook course for the assign and grade tests: notebook, registry, students.

``instructor_notebook()`` is a small instructor notebook (lecture cells with
outputs, two code exercises, a written question, a hidden-test cell);
``REGISTRY_SOURCE`` is the text of a module ``fake_exercises`` with the same
contract as ``edu_cnn.exercises`` (``EXERCISES`` of its ``Exercise``, checks
returning its ``Result``, with ``show``/``seed``/``timeout``); ``submission(kind)``
is a student's notebook of each kind the grader must survive. Nothing here runs a kernel.
"""
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

NOTEBOOK = "09_fake.ipynb"

SOFTMAX = '''\
def my_softmax(x):
    """Row-wise softmax of x (N, K)."""
    ### BEGIN SOLUTION
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)
    ### END SOLUTION'''

SCALE = '''\
def scale(x, k):
    ### BEGIN SOLUTION
    return x * k
    ### END SOLUTION'''

WRITTEN = """\
**Question.** Why subtract the row maximum?

### BEGIN SOLUTION
So that `np.exp` never overflows: the largest exponent becomes 0.
### END SOLUTION"""

LECTURE = "total = 1 + 1\nprint(f'total {total}')"


def instructor_notebook():
    """The instructor's version: solutions in, outputs everywhere (as if executed)."""
    cells = [
        new_markdown_cell("# A fake lecture"),
        new_code_cell("import numpy as np\nfrom edu_cnn import functional\n"
                      "import fake_exercises as exercises\nprint('lecture output')",
                      execution_count=1,
                      outputs=[new_output("stream", name="stdout", text="lecture output\n")]),
        new_markdown_cell("## Exercise 1: softmax"),
        new_code_cell(SOFTMAX, execution_count=2),
        new_code_cell("passed = exercises.check_softmax(my_softmax)", execution_count=3,
                      outputs=[new_output("stream", name="stdout", text="✅ Correct!\n")]),
        new_code_cell(SCALE, execution_count=4),
        new_code_cell("exercises.check_scale(scale)", execution_count=5,
                      outputs=[new_output("stream", name="stdout", text="✅ Correct!\n")]),
        new_markdown_cell(WRITTEN),
        new_code_cell("assert scale(np.ones(2), 2).sum() == 4", execution_count=6),
        new_code_cell(LECTURE, execution_count=7,
                      outputs=[new_output("stream", name="stdout", text="total 2\n")]),
    ]
    cells[8].metadata["tags"] = ["hidden-tests"]
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index}"
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


REGISTRY_SOURCE = '''\
"""A fake exercise registry with the contract of edu_cnn.exercises (and its Result, Exercise)."""
import numpy as np

from edu_cnn import functional
from edu_cnn.exercises import Exercise, Result


def _run(exercise, fn, args, show):
    """fn(*args), or the Result that says why not."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, Result(exercise, False, 0.0, "not attempted yet", "not_attempted")
    except Exception as error:
        return None, Result(exercise, False, 0.0, f"your code raised {type(error).__name__}",
                            "raised")


def _show(result, show):
    if show:
        print(("✅ " if result.passed else "❌ ") + result.message)
    return result


def check_softmax(fn, show=True, seed=None, timeout=None):
    rng = np.random.default_rng(seed)
    n, k = (int(v) for v in rng.integers(2, 7, size=2))
    small, large = rng.normal(size=(n, k)), 1000 + rng.normal(size=(n, k))
    called = []
    real = functional.softmax
    functional.softmax = lambda z: called.append(1) or real(z)
    try:
        got_small, failed = _run("F.1", fn, (small.copy(),), show)
        if failed is None:
            got_large, failed = _run("F.1", fn, (large.copy(),), show)
    finally:
        functional.softmax = real
    if failed is not None:
        return _show(failed, show)
    if called:
        return _show(Result("F.1", False, 0.0, "your answer calls edu_cnn's softmax",
                            "calls_library"), show)
    ok_small = np.allclose(got_small, real(small))
    ok_large = np.allclose(np.nan_to_num(got_large), real(large))
    if ok_small and ok_large:
        return _show(Result("F.1", True, 1.0, f"right on {n}x{k} inputs (seed {seed})"), show)
    if ok_small:
        return _show(Result("F.1", False, 0.5, "right on small inputs, overflows on large ones",
                            "no_max_shift"), show)
    return _show(Result("F.1", False, 0.0, "wrong values"), show)


def check_scale(fn, show=True, seed=None, timeout=None):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=3), float(rng.integers(2, 9))
    got, failed = _run("F.2", fn, (x.copy(), k), show)
    if failed is not None:
        return _show(failed, show)
    if np.allclose(got, x * k):
        return _show(Result("F.2", True, 1.0, f"right (seed {seed})"), show)
    return _show(Result("F.2", False, 0.0, "wrong values", "wrong_factor"), show)


EXERCISES = {
    "F.1": Exercise("F.1", "09_fake.ipynb", "softmax", check_softmax, ("my_softmax",), 4),
    "F.2": Exercise("F.2", "09_fake.ipynb", "scale", check_scale, ("scale",), 2),
    "F.3": Exercise("F.3", "09_fake.ipynb", "why the max", None, (), 2, written=True),
}
'''


def _replace(nb, index, source):
    nb.cells[index].source = source
    return nb


def submission(student_nb, kind):
    """A copy of the student version ``student_nb`` as handed in by a student of ``kind``."""
    nb = nbformat.from_dict(student_nb)
    if kind == "empty":
        return nb
    solved = instructor_notebook()
    for index in (3, 5):
        nb.cells[index].source = solved.cells[index].source
    nb.cells[7].source = "Because exp of a large number overflows to inf."
    if kind == "full":
        return nb
    if kind == "partial":
        return _replace(nb, 3, "def my_softmax(x):\n    z = np.exp(x)\n"
                               "    return z / z.sum(axis=1, keepdims=True)")
    if kind == "loop":   # a top-level endless loop and an endless loop in the answer
        nb.cells.insert(9, new_code_cell("while True:\n    pass"))
        return _replace(nb, 5, "def scale(x, k):\n    while True:\n        pass")
    if kind == "syntax":
        return _replace(nb, 5, "def scale(x, k)\n    return x * k")
    if kind == "changed":
        return _replace(nb, len(nb.cells) - 1, "total = 1 + 2\nprint(f'total {total}')")
    if kind == "library":
        return _replace(nb, 3, "def my_softmax(x):\n    return functional.softmax(x)")
    if kind == "deleted":
        del nb.cells[3:5]
        return nb
    if kind == "dies":
        nb.cells.insert(6, new_code_cell("import os\nos._exit(1)"))
        return nb
    raise ValueError(f"fake_course.submission: unknown kind {kind!r}")
