"""What every check shares: the Result, running student code safely, judging and diagnosing.

A check is a function decorated with ``@check(exercise_id, library=...)``. Its
body receives a ``Context`` and the student's answers. It runs student code
only through ``ctx.run``, which (``_safety.call_student``)

- passes deep copies of the inputs (the check keeps the originals and computes
  every expectation from them), and refuses an answer that changed its inputs;
- runs the code in a worker thread with a deadline (``timeout``; an endless
  loop is stopped and reported as "timeout");
- watches which functions the student's code calls, so that an answer that
  only calls edu_cnn's own implementation of the exercise is told so;
- turns NotImplementedError into "not attempted" and any other exception into
  feedback.

A wrong answer ends the check by ``ctx.fail(...)`` (a ``NotYet`` carrying the
``Result``); nothing a student writes makes a check raise. Feedback is in
words: the first message names the mistake, ``hint(exercise_id, level)`` gives
more, and the solution code is never printed.

Calling student code and validating what it returns (``ctx.array``, ``ctx.integer``,
``ctx.pair``) are done in ``_safety``.
"""
import dataclasses
import functools
import os

import numpy as np

from ._safety import as_array, as_int, as_tuple, call_student, short

__all__ = ["Result", "Exercise", "NotYet", "Context", "check", "written", "set_timeout",
           "get_timeout", "hint", "register_hints", "first_difference", "same", "diagnose"]

DEFAULT_TIMEOUT_S = 5.0
_timeout = {"seconds": None}
_HINTS = {}


@dataclasses.dataclass
class Result:
    """The verdict of one check: ``bool(result)`` is ``result.passed``.

    ``score`` in [0, 1] is the partial credit; ``diagnosis`` is the id of a
    recognised mistake (``"forgot_padding"``, ``"not_attempted"``, ``"timeout"``,
    ``"calls_library"``, ``"raised"``, ...) or None.
    """
    exercise: str
    passed: bool
    score: float
    message: str
    diagnosis: str | None = None

    def __bool__(self):
        return bool(self.passed)

    def line(self):
        """The one line a notebook shows: ``✅ Correct! ...`` or ``❌ Not yet: ...``."""
        return ("✅ Correct! " if self.passed else "❌ Not yet: ") + self.message


class NotYet(Exception):
    """A wrong answer found inside a check; carries its ``Result``."""

    def __init__(self, result):
        super().__init__(result.message)
        self.result = result


def set_timeout(seconds=None):
    """Seconds a check lets student code run (None: $EDU_CNN_CHECK_TIMEOUT or 5 s)."""
    if seconds is not None and not (isinstance(seconds, (int, float)) and seconds > 0):
        raise ValueError(f"exercises.set_timeout: seconds must be a positive number or None, "
                         f"got {seconds!r}.")
    _timeout["seconds"] = seconds


def get_timeout():
    """The timeout now in force: set_timeout's, else $EDU_CNN_CHECK_TIMEOUT, else 5 s."""
    if _timeout["seconds"] is not None:
        return float(_timeout["seconds"])
    try:
        seconds = float(os.environ.get("EDU_CNN_CHECK_TIMEOUT", DEFAULT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return seconds if seconds > 0 else DEFAULT_TIMEOUT_S


def register_hints(exercise_id, *tiers):
    """Store the help tiers of one exercise (words, never solution code)."""
    _HINTS[exercise_id] = tiers


def hint(exercise_id, level=1):
    """Print and return help tier ``level`` (1, 2, ...) for ``exercise_id``, e.g. ``"06.1"``."""
    tiers = _HINTS.get(str(exercise_id))
    if not tiers:
        known = ", ".join(sorted(_HINTS))
        text = f"There is no exercise {exercise_id!r}; the exercises are {known}."
    else:
        level = max(1, int(level)) if isinstance(level, (int, np.integer)) else 1
        text = f"Hint {min(level, len(tiers))}/{len(tiers)} for {exercise_id}: "
        text += tiers[min(level, len(tiers)) - 1]
        if level < len(tiers):
            text += f" (More: exercises.hint({exercise_id!r}, {level + 1}).)"
    print(text)
    return text


class Context:
    """What a check body uses: the inputs' rng, running student code, the verdicts."""

    def __init__(self, exercise_id, seed, timeout, library):
        self.exercise = exercise_id
        self.seed = seed
        self.rng = np.random.default_rng(12345 if seed is None else seed)
        self.timeout = get_timeout() if timeout is None else float(timeout)
        self.library = library

    # -- verdicts --------------------------------------------------------------------------
    def fail(self, message, diagnosis=None, score=0.0):
        """End the check: not yet, with ``message`` in words and the mistake's id."""
        more = f" (Stuck? exercises.hint({self.exercise!r}).)" if self.exercise in _HINTS else ""
        raise NotYet(Result(self.exercise, False, float(score), message + more, diagnosis))

    def ok(self, message):
        """The answer is right."""
        return Result(self.exercise, True, 1.0, message, None)

    # -- running student code --------------------------------------------------------------
    def run(self, fn, *args, what="your function", **kwargs):
        """``fn(*args, **kwargs)`` on deep copies, under the timeout; the checks' only door."""
        return call_student(fn, args, kwargs, what=what, exercise=self.exercise,
                            timeout=self.timeout, library=self.library, fail=self.fail)

    # -- judging a function case by case ---------------------------------------------------
    def judge(self, student, cases, reference, mistakes=(), *, describe, convert=None,
              equal=None, difference=None):
        """Run ``student`` on every case, compare with ``reference``; fail with the diagnosis.

        ``describe(case)`` names the call in words; ``convert(value, what)`` validates
        one output (default: a real, finite array); ``difference(got, want)`` says
        where an output first differs. The score is the share of cases that are right.
        Returns the converted outputs when every case is right.
        """
        convert = convert or (lambda value, what: self.array(value, f"the result of {what}"))
        equal = equal or same
        outputs = []
        for case in cases:
            what = describe(case)
            outputs.append(convert(self.run(student, *case, what=what), what))
        right = [equal(out, reference(*case)) for out, case in zip(outputs, cases, strict=True)]
        if all(right):
            return outputs
        score = sum(right) / len(right)
        found = diagnose(outputs, cases, mistakes, equal)
        if found:
            self.fail(found[1], found[0], score)
        index = right.index(False)
        want = reference(*cases[index])
        where = (difference(outputs[index], want) if difference
                 else first_difference(outputs[index], want, "the result"))
        self.fail(f"{describe(cases[index])}: {where}.", None, score)

    def judge_parts(self, student, cases, parts, mistakes, *, describe, equal=None):
        """``judge`` for a function returning several arrays (``parts``: name -> reference).

        Each part is diagnosed on its own (``mistakes``: name -> [(id, wrong, message)]);
        the feedback lists every wrong part, the diagnosis is the first wrong part's.
        """
        equal, outputs = equal or same, []
        for case in cases:
            what = describe(case)
            values = self.pair(self.run(student, *case, what=what), what, len(parts))
            outputs.append([self.array(v, n) for n, v in zip(parts, values, strict=True)])
        problems, diagnoses, wrong, right = [], [], [], 0
        for k, (name, reference) in enumerate(parts.items()):
            got = [out[k] for out in outputs]
            want = [reference(*case) for case in cases]
            ok = [equal(g, w) for g, w in zip(got, want, strict=True)]
            right += sum(ok)
            if all(ok):
                continue
            found = diagnose(got, cases, mistakes.get(name, ()), equal)
            i = ok.index(False)
            wrong.append(name)
            diagnoses.append(found[0] if found else None)
            problems.append(found[1] if found else
                            f"{first_difference(got[i], want[i], name)} in {describe(cases[i])}.")
        if problems:
            good = [n for n in parts if n not in wrong]
            done = (f" ({' and '.join(good)} {'is' if len(good) == 1 else 'are'} right.)"
                    if good else "")
            self.fail(" ".join(problems) + done, diagnoses[0], right / (len(parts) * len(cases)))
        return outputs

    # -- validating answers (in _safety) ---------------------------------------------------
    def array(self, value, name, ndim=None):
        """``value`` as a real, finite float64 array, or a clear "not yet" saying why not."""
        return as_array(value, name, self.fail, ndim)

    def integer(self, value, name):
        """``value`` as a Python int (an int or an integral NumPy integer), or a "not yet"."""
        return as_int(value, name, self.fail)

    def pair(self, value, name, n=2):
        """``value`` as a tuple of ``n`` items, or a "not yet"."""
        return as_tuple(value, name, self.fail, n)


def check(exercise_id, library=()):
    """Decorator: ``fn(ctx, *answers)`` becomes ``check(*answers, show, seed, timeout)``.

    ``library`` is a sequence (or a function returning one) of edu_cnn functions
    that an answer must not call. The check prints its line when ``show`` and
    returns the ``Result``; it never raises.
    """
    def decorate(fn):
        @functools.wraps(fn)
        def checked(*answers, show=True, seed=None, timeout=None):
            try:
                ctx = Context(exercise_id, seed, timeout, library)
                result = fn(ctx, *answers)
            except NotYet as wrong:
                result = wrong.result
            except Exception as err:  # an answer so odd the check could not judge it
                result = Result(exercise_id, False, 0.0, "the check could not judge your answer "
                                f"({type(err).__name__}: {short(err)}).", "unjudgeable")
            if show:
                print(result.line())
            return result
        checked.exercise = exercise_id
        return checked
    return decorate


def same(got, want, atol=1e-6):
    """True if ``got`` and ``want`` have the same shape and values (within ``atol``).

    Tuples are compared item by item.
    """
    if isinstance(want, tuple):
        return (isinstance(got, (tuple, list)) and len(got) == len(want)
                and all(same(g, w, atol) for g, w in zip(got, want, strict=True)))
    try:
        got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return False
    return got.shape == want.shape and bool(np.allclose(got, want, atol=atol, rtol=1e-6))


def first_difference(got, want, name, atol=1e-6):
    """Words for the first place where ``got`` and ``want`` (same shape) differ."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return f"{name} has shape {got.shape}, expected {want.shape}"
    index = tuple(int(i) for i in np.argwhere(~np.isclose(got, want, atol=atol, rtol=1e-6))[0])
    where = f"[{', '.join(map(str, index))}]" if index else ""
    return (f"{name}{where} is {_num(got[index])} but should be {_num(want[index])} "
            f"(the first of {int((~np.isclose(got, want, atol=atol, rtol=1e-6)).sum())} "
            "wrong values)")


def _num(value):
    return f"{float(value) + 0.0:.4g}"


def diagnose(outputs, cases, mistakes, equal=same):
    """The one mistake that explains every output, as (id, message), or None.

    ``mistakes`` holds (id, wrong_function, message); ``wrong_function(*case)``
    computes what that mistake gives for a case. A mistake is named only when it
    reproduces the answer on every case and no differently named mistake does.
    """
    found = {}
    for diagnosis, wrong, message in mistakes:
        try:
            if all(equal(out, wrong(*case)) for out, case in zip(outputs, cases, strict=True)):
                found.setdefault(diagnosis, message)
        except Exception:  # a mistake that cannot even be computed for these inputs
            continue
    if len(found) == 1:
        return next(iter(found.items()))
    return None


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise of the course: where it is, what it checks, what it is worth.

    ``answers`` are the notebook-global names the check takes, in order;
    written questions have ``check=None``, ``answers=()`` and ``written=True``.
    """
    id: str
    notebook: str
    title: str
    check: object
    answers: tuple
    points: int
    written: bool = False


def written(exercise_id, notebook, title, points=1, hints=()):
    """A written ("explain why") question: graded by a person, model answer in the notebook."""
    if hints:
        register_hints(exercise_id, *hints)
    return Exercise(exercise_id, notebook, title, None, (), points, written=True)
