"""What every check shares: the one-line verdict, calling student code, describing values.

A check is a function decorated with ``@check``. It calls the student's code
through ``call`` (or ``call_named``), judges the result and returns
``report(ok, message)``. An exception in the student's code never escapes:
``call`` turns it into ``NotYet``, and ``@check`` prints that as the ❌ line.
"""
import functools

__all__ = ["NotYet", "check", "report", "call", "call_named", "shape_of"]


class NotYet(Exception):
    """A wrong answer found inside a check; ``@check`` prints its message as the ❌ line."""


def report(ok, message):
    """Print one line of feedback, ``✅ Correct! ...`` or ``❌ Not yet: ...``; return ``ok``."""
    prefix = "✅ Correct! " if ok else "❌ Not yet: "
    print(prefix + message)
    return bool(ok)


def check(fn):
    """Decorator for a ``check_*`` function: a ``NotYet`` raised inside is reported as False."""
    @functools.wraps(fn)
    def checked(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NotYet as wrong:
            return report(False, str(wrong))
    return checked


def call(fn, *args, hint="", **kwargs):
    """The student's ``fn(*args, **kwargs)``; an exception in it becomes ``NotYet``.

    The message is ``your code raised <type>: <message>``, then ``. <hint>`` if given.
    ``hint`` is for the check; every other argument goes to ``fn``.
    """
    try:
        return fn(*args, **kwargs)
    except Exception as err:  # student code may raise anything
        message = f"your code raised {type(err).__name__}: {err}"
        raise NotYet(f"{message}. {hint}" if hint else message) from None


def call_named(what, fn, *args, forgot="return", **kwargs):
    """``call`` for checks that quote the call ``what`` in their feedback; None is wrong too.

    An exception becomes ``<what>: your code raised ...``; a None result
    ``<what> returned None. Did you forget `<forgot>`?``. Other arguments go to ``fn``.
    """
    try:
        result = call(fn, *args, **kwargs)
    except NotYet as wrong:
        raise NotYet(f"{what}: {wrong}.") from None
    if result is None:
        raise NotYet(f"{what} returned None. Did you forget `{forgot}`?")
    return result


def shape_of(value):
    """Describe the shape of ``value`` in words: ``shape (4, 2)``, ``a list, not an array``, ..."""
    if value is None:
        return "None (did you forget to return the result?)"
    shape = getattr(value, "shape", None)
    if shape is None:
        return f"a {type(value).__name__}, not an array"
    return f"shape {tuple(shape)}"
