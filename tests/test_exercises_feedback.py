"""The shared feedback helpers, and the exercise names the notebooks call."""
import json
import pathlib
import re

import numpy as np
import pytest

from edu_cnn import exercises
from edu_cnn.exercises._feedback import NotYet, call, call_named, check, report, shape_of

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"


def fails(*args, **kwargs):
    raise KeyError("W")


def test_report_prints_one_line_and_returns_the_verdict(capsys):
    assert report(1, "fine.") is True
    assert report(0, "wrong.") is False
    assert capsys.readouterr().out == "✅ Correct! fine.\n❌ Not yet: wrong.\n"


def test_call_returns_the_result_or_names_the_exception():
    assert call(lambda a, b=0: a + b, 1, b=2) == 3
    with pytest.raises(NotYet, match=r"^your code raised KeyError: 'W'$"):
        call(fails)
    with pytest.raises(NotYet, match=r"^your code raised KeyError: 'W'\. Shapes: x \(4, 3\)\.$"):
        call(fails, hint="Shapes: x (4, 3).")


def test_call_named_quotes_the_call_and_refuses_none():
    assert call_named("f(1)", lambda a: a, 1) == 1
    with pytest.raises(NotYet, match=r"^f\(1\): your code raised KeyError: 'W'\.$"):
        call_named("f(1)", fails, 1)
    with pytest.raises(NotYet, match=r"^f\(1\) returned None\. Did you forget `return dx`\?$"):
        call_named("f(1)", lambda a: None, 1, forgot="return dx")


def test_check_reports_not_yet_and_keeps_the_name(capsys):
    @check
    def check_something(answer):
        """Docstring."""
        call(answer)
        return report(True, "done.")
    assert check_something.__name__ == "check_something"
    assert check_something.__doc__ == "Docstring."
    assert check_something(fails) is False
    assert check_something(lambda: None) is True
    assert capsys.readouterr().out.splitlines() == [
        "❌ Not yet: your code raised KeyError: 'W'", "✅ Correct! done."]


@pytest.mark.parametrize("value, words", [
    (None, "None (did you forget to return the result?)"),
    ([1, 2], "a list, not an array"),
    (np.zeros((4, 2)), "shape (4, 2)"),
])
def test_shape_of_describes_the_value(value, words):
    assert shape_of(value) == words


def test_every_name_the_notebooks_call_is_exported():
    used = {name for path in NOTEBOOKS.glob("*.ipynb")
            for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if cell["cell_type"] == "code"
            for name in re.findall(r"\bexercises\.(\w+)", "".join(cell["source"]))}
    assert used, "no exercises.* calls found in the notebooks"
    assert used <= set(exercises.__all__)
    assert all(hasattr(exercises, name) for name in exercises.__all__)
