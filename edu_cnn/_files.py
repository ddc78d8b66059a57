"""Writing files so that nothing is lost: a temporary file beside the target, then ``os.replace``.

    with atomic_write("digits.npz") as f:     # f: a binary file in the same folder
        np.savez(f, **arrays)                 # an error or Ctrl-C here: digits.npz untouched

``os.replace`` within one folder is atomic, so a reader (another process, a
second notebook) sees either the old file or the new one, never half of each.
A failed, interrupted or terminated (SIGTERM) write leaves the previous file
intact and removes its temporary file. The new file gets the mode any program
would give it (0666 minus the umask), so a shared folder stays readable.

``saving.py`` (model files) and ``data/downloader.py`` (the dataset cache) use it.
"""
import contextlib
import os
import signal
import tempfile
import threading
import time

try:
    import fcntl
except ImportError:             # Windows: no advisory locks; stale files are found by age
    fcntl = None

__all__ = ["atomic_write", "file_mode", "is_abandoned"]

_UMASK_LOCK = threading.Lock()


def file_mode():
    """0666 minus the process's umask: the mode ``open()`` would give a new file."""
    try:
        with open("/proc/self/status") as status:       # Linux: read it without changing it
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:                                   # elsewhere: set it and put it back
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


class _Terminated(BaseException):
    """Raised by the temporary SIGTERM handler, so that ``finally`` blocks clean up."""


@contextlib.contextmanager
def _cleanup_on_sigterm():
    """While the body runs, SIGTERM unwinds it (cleaning up) and then ends the process.

    Only in the main thread and only if SIGTERM has its default action (an
    application's own handler is left alone). The process still dies by SIGTERM.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return

    def unwind(signum, frame):
        raise _Terminated()

    signal.signal(signal.SIGTERM, unwind)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)           # die as SIGTERM would have
        raise SystemExit(128 + signal.SIGTERM) from None
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def atomic_write(path, suffix=".tmp", lock=False):
    """Yield a binary file beside ``path``; if the body succeeds it replaces ``path`` at once.

    Parameters
    ----------
    path : str or Path
        The file to write. Its folder must exist and be writable (else OSError).
    suffix : str
        Ending of the hidden temporary name ``.<name>.<random><suffix>``.
    lock : bool
        Hold an advisory lock on the temporary file while writing, so that
        ``is_abandoned`` can tell a live download from a dead one's leftovers.
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    with _cleanup_on_sigterm():
        tmp = None
        try:
            with _signals_held():                      # no Ctrl-C between creating and naming
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=suffix)
                f = os.fdopen(fd, "wb")
            with f:
                if lock and fcntl is not None:
                    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, file_mode())                 # mkstemp made it 0600
            os.replace(tmp, path)
        finally:
            with _signals_held():
                if tmp is not None:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)                 # only still there if not replaced


@contextlib.contextmanager
def _signals_held():
    """Hold SIGINT and SIGTERM back for a few lines that must not be cut in half (POSIX)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def is_abandoned(path, min_age):
    """Whether the temporary file ``path`` belongs to no running writer.

    Where advisory locks exist, a writer holds one (``atomic_write(lock=True)``)
    until it ends, even if it is killed; elsewhere a file untouched for
    ``min_age`` seconds counts as abandoned.
    """
    if fcntl is None:
        return time.time() - os.stat(path).st_mtime > min_age
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return False                                   # a live writer holds it
    finally:
        os.close(fd)
    return True
