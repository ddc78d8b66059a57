"""Calling student code safely, for the checks (``_feedback.Context``), and validating answers.

``call_student`` runs a student's function

- on deep copies of the inputs (the check keeps the originals and computes
  every expectation from them), and refuses an answer that changed its inputs;
- in a worker thread with a deadline (an endless loop is stopped and reported
  as "timeout");
- watching which functions it calls, so that an answer that only calls
  edu_cnn's own implementation of the exercise is told so;
- turning NotImplementedError into "not attempted" and any other exception
  into feedback.

``as_array``, ``as_int`` and ``as_tuple`` turn what an answer returned into a value
the check can compare, or say in words why they cannot. Each takes the check's
``fail(message, diagnosis)``, which ends the check with a "not yet".
"""
import copy
import ctypes
import sys
import threading

import numpy as np

__all__ = ["call_student", "as_array", "as_int", "as_tuple", "short"]


class _Timeout(BaseException):
    """Raised inside a worker thread whose deadline has passed."""


def _library_codes(library):
    """The code objects of the library functions an answer must not merely call."""
    codes = set()
    for fn in library:
        fn = getattr(fn, "__func__", fn)
        code = getattr(fn, "__code__", None)
        if code is not None:
            codes.add(code)
    return codes


def call_student(fn, args, kwargs, *, what, exercise, timeout, library, fail):
    """``fn(*args, **kwargs)`` on deep copies, within ``timeout`` s; ``Context.run`` calls it.

    ``library`` is a sequence (or a function returning one) of functions the answer must
    not call; ``fail(message, diagnosis)`` raises the check's "not yet".
    """
    if not callable(fn):
        fail(f"{what} should be a function, but it is a {type(fn).__name__}.",
             "not_a_function")
    copies = copy.deepcopy((args, kwargs))
    box = {}
    codes = _library_codes(library() if callable(library) else library)

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

    worker = threading.Thread(target=target, daemon=True, name=f"check {exercise}")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        _stop(worker)
        fail(f"{what} was still running after {timeout:g} seconds and was "
             "stopped; look for a loop that never ends (a while loop whose condition "
             "never changes) or very slow code.", "timeout")
    _judge_run(box, what, timeout, fail)
    _refuse_changed_inputs(args, kwargs, copies, what, fail)
    return box["value"]


def _judge_run(box, what, timeout, fail):
    if "library" in box:
        fail(f"{what} calls edu_cnn's own implementation ({box['library']}); the "
             "exercise is to write it yourself, with NumPy.", "calls_library")
    if box.get("timeout"):
        fail(f"{what} was stopped after {timeout:g} seconds.", "timeout")
    error = box.get("error")
    if isinstance(error, NotImplementedError):
        fail(f"{what} is not written yet (it raises NotImplementedError). Replace the "
             "`raise NotImplementedError` line with your code.", "not_attempted")
    if error is not None:
        fail(f"{what} raised {type(error).__name__}: {short(error)}", "raised")


def _refuse_changed_inputs(args, kwargs, copies, what, fail):
    before = list(args) + list(kwargs.values())
    after = list(copies[0]) + list(copies[1].values())
    for old, new in zip(before, after, strict=True):
        if isinstance(old, np.ndarray) and not (
                isinstance(new, np.ndarray) and new.shape == old.shape
                and np.array_equal(new, old, equal_nan=old.dtype.kind == "f")):
            fail(f"{what} changed one of its input arrays in place; leave the inputs "
                 "as they are and return new arrays.", "changed_input")


# --- validating answers ---------------------------------------------------------------
def as_array(value, name, fail, ndim=None):
    """``value`` as a real, finite float64 array, or a clear "not yet" saying why not."""
    if value is None:
        fail(f"{name} is None: did you forget to return it?", "returned_none")
    if hasattr(value, "detach") and hasattr(value, "numpy"):          # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except Exception as err:  # ragged lists and odd objects
        fail(f"{name} is not an array of numbers ({short(err)}).", "not_numeric")
    if arr.dtype.kind == "c":
        fail(f"{name} holds complex numbers; the answer is real.", "not_real")
    if arr.dtype.kind not in "biuf":
        fail(f"{name} is not an array of numbers (it holds {_kind(arr)}).",
             "not_numeric")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        fail(f"{name} contains NaN or infinity; look for a division by zero or an "
             "overflow.", "not_finite")
    if ndim is not None and arr.ndim != ndim:
        fail(f"{name} has {arr.ndim} dimension(s) (shape {arr.shape}); expected "
             f"{ndim}.", "wrong_shape")
    return arr


def as_int(value, name, fail):
    """``value`` as a Python int (an int or an integral NumPy integer), or a "not yet"."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        fail(f"{name} returned {value!r}; a size is a whole number.", "not_numeric")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value) or value != int(value):
            fail(f"{name} returned {float(value)!r}; a size is a whole number. A "
                 "window that does not fit is dropped: round down.", "not_integer")
        fail(f"{name} returned the float {float(value)!r}; return an int (floor "
             "division keeps whole numbers).", "not_integer")
    fail(f"{name} returned a {type(value).__name__}; return an int.", "not_numeric")


def as_tuple(value, name, fail, n=2):
    """``value`` as a tuple of ``n`` items, or a "not yet"."""
    if not isinstance(value, (tuple, list)) or len(value) != n:
        got = (f"a {type(value).__name__} of length {len(value)}"
               if isinstance(value, (tuple, list)) else _describe(value))
        fail(f"{name} should return {n} values as a tuple; it returned {got}.",
             "wrong_return")
    return tuple(value)


def _stop(worker):
    """Raise _Timeout inside ``worker`` (delivered at its next Python instruction)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident),
                                               ctypes.py_object(_Timeout))


def short(err):
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
