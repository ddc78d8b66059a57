"""What every check shares: the Result, running student code safely, judging and diagnosing.

A check is a function decorated with ``@check(exercise_id, library=...)``. Its
body receives a ``Context`` and the student's answers. It runs student code
only through ``ctx.run``, which

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
"""
import copy
import ctypes
import dataclasses
import functools
import os
import sys
import threading

import numpy as np

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


class _Timeout(BaseException):
    """Raised inside a worker thread whose deadline has passed."""


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


def _library_codes(library):
    """The code objects of the library functions an answer must not merely call."""
    codes = set()
    for fn in library:
        fn = getattr(fn, "__func__", fn)
        code = getattr(fn, "__code__", None)
        if code is not None:
            codes.add(code)
    return codes


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
        if not callable(fn):
            self.fail(f"{what} should be a function, but it is a {type(fn).__name__}.",
                      "not_a_function")
        copies = copy.deepcopy((args, kwargs))
        box = {}
        codes = _library_codes(self.library() if callable(self.library) else self.library)

        def profile(frame, event, arg):
            if event == "call" and frame.f_code in codes:
                box["library"] = frame.f_code.co_name

        def target():
            if codes:
                sys.setprofile(profile)
            try:
                box["value"] = fn(*copies[0], **copies[1])
            except _Timeout:
                box["timeout"] = True
            except BaseException as err:  # student code may raise anything
                box["error"] = err
            finally:
                sys.setprofile(None)

        worker = threading.Thread(target=target, daemon=True, name=f"check {self.exercise}")
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            _stop(worker)
            self.fail(f"{what} was still running after {self.timeout:g} seconds and was "
                      "stopped; look for a loop that never ends (a while loop whose condition "
                      "never changes) or very slow code.", "timeout")
        self._judge_run(box, what)
        self._refuse_changed_inputs(args, kwargs, copies, what)
        return box["value"]

    def _judge_run(self, box, what):
        if "library" in box:
            self.fail(f"{what} calls edu_cnn's own implementation ({box['library']}); the "
                      "exercise is to write it yourself, with NumPy.", "calls_library")
        if box.get("timeout"):
            self.fail(f"{what} was stopped after {self.timeout:g} seconds.", "timeout")
        error = box.get("error")
        if isinstance(error, NotImplementedError):
            self.fail(f"{what} is not written yet (it raises NotImplementedError). Replace the "
                      "`raise NotImplementedError` line with your code.", "not_attempted")
        if error is not None:
            self.fail(f"{what} raised {type(error).__name__}: {_short(error)}", "raised")

    def _refuse_changed_inputs(self, args, kwargs, copies, what):
        before = list(args) + list(kwargs.values())
        after = list(copies[0]) + list(copies[1].values())
        for old, new in zip(before, after, strict=True):
            if isinstance(old, np.ndarray) and not (
                    isinstance(new, np.ndarray) and new.shape == old.shape
                    and np.array_equal(new, old, equal_nan=old.dtype.kind == "f")):
                self.fail(f"{what} changed one of its input arrays in place; leave the inputs "
                          "as they are and return new arrays.", "changed_input")

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

    # -- validating answers ----------------------------------------------------------------
    def array(self, value, name, ndim=None):
        """``value`` as a real, finite float64 array, or a clear "not yet" saying why not."""
        if value is None:
            self.fail(f"{name} is None: did you forget to return it?", "returned_none")
        if hasattr(value, "detach") and hasattr(value, "numpy"):          # a torch tensor
            value = value.detach().cpu().numpy()
        try:
            arr = np.asarray(value)
        except Exception as err:  # ragged lists and odd objects
            self.fail(f"{name} is not an array of numbers ({_short(err)}).", "not_numeric")
        if arr.dtype.kind == "c":
            self.fail(f"{name} holds complex numbers; the answer is real.", "not_real")
        if arr.dtype.kind not in "biuf":
            self.fail(f"{name} is not an array of numbers (it holds {_kind(arr)}).",
                      "not_numeric")
        arr = arr.astype(np.float64)
        if not np.isfinite(arr).all():
            self.fail(f"{name} contains NaN or infinity; look for a division by zero or an "
                      "overflow.", "not_finite")
        if ndim is not None and arr.ndim != ndim:
            self.fail(f"{name} has {arr.ndim} dimension(s) (shape {arr.shape}); expected "
                      f"{ndim}.", "wrong_shape")
        return arr

    def integer(self, value, name):
        """``value`` as a Python int (an int or an integral NumPy integer), or a "not yet"."""
        if isinstance(value, (bool, np.bool_)) or value is None:
            self.fail(f"{name} returned {value!r}; a size is a whole number.", "not_numeric")
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            if not np.isfinite(value) or value != int(value):
                self.fail(f"{name} returned {float(value)!r}; a size is a whole number. A "
                          "window that does not fit is dropped: round down.", "not_integer")
            self.fail(f"{name} returned the float {float(value)!r}; return an int (floor "
                      "division keeps whole numbers).", "not_integer")
        self.fail(f"{name} returned a {type(value).__name__}; return an int.", "not_numeric")

    def pair(self, value, name, n=2):
        """``value`` as a tuple of ``n`` items, or a "not yet"."""
        if not isinstance(value, (tuple, list)) or len(value) != n:
            got = (f"a {type(value).__name__} of length {len(value)}"
                   if isinstance(value, (tuple, list)) else _describe(value))
            self.fail(f"{name} should return {n} values as a tuple; it returned {got}.",
                      "wrong_return")
        return tuple(value)


def _stop(worker):
    """Raise _Timeout inside ``worker`` (delivered at its next Python instruction)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident),
                                               ctypes.py_object(_Timeout))


def _short(err):
    text = str(err)
    return text if len(text) <= 200 else text[:197] + "..."


def _kind(arr):
    return "text" if arr.dtype.kind in "US" else f"{arr.dtype} values"


def _describe(value):
    if value is None:
        return "None (did you forget to return?)"
    shape = getattr(value, "shape", None)
    return f"an array of shape {tuple(shape)}" if shape is not None else \
        f"a {type(value).__name__}"


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
                                f"({type(err).__name__}: {_short(err)}).", "unjudgeable")
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
