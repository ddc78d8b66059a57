"""The HTTP client of ``downloader``: one transfer, with timeouts, a DNS deadline and pace rules.

``stream(url, spec, out, bar, limits)`` copies one published file into an open
file and returns its size and digests. ``Limits`` holds the timings, which are
settings of ``edu_cnn.data.downloader`` (it passes their current values on every
download):

- the host name is looked up in a helper thread, given up after
  ``connect_timeout`` seconds (the system's lookup has no timeout of its own);
- the connection must be made within ``connect_timeout`` seconds, then each
  read may wait ``read_timeout`` seconds;
- a transfer that trickles (fewer than ``stall_bytes`` in ``stall_window``
  seconds) is given up, and so is one that exceeds its overall deadline of
  ``deadline_grace`` seconds plus one second per ``min_rate`` bytes of the file.

A failure is a ``Failed`` (its ``reason`` is for the user, ``retry`` says whether
another try may help); ``describe`` words any other exception raised while downloading.
"""
import dataclasses
import functools
import hashlib
import http.client
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["Limits", "Failed", "describe", "stream"]


@dataclasses.dataclass(frozen=True)
class Limits:
    """The timings of one download (see the module docstring) and the User-Agent it sends."""
    connect_timeout: float
    read_timeout: float
    stall_window: float
    stall_bytes: int
    min_rate: float
    deadline_grace: float
    user_agent: str


class _ReadTimeout:
    """Mixin: connect within the request's timeout, then allow ``read_timeout`` s per read."""

    def __init__(self, *args, read_timeout, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout

    def connect(self):
        super().connect()
        self.sock.settimeout(self.read_timeout)


class _HTTPConnection(_ReadTimeout, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_ReadTimeout, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, read_timeout):
        super().__init__()
        self.read_timeout = read_timeout

    def http_open(self, req):
        connection = functools.partial(_HTTPConnection, read_timeout=self.read_timeout)
        return self.do_open(connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, read_timeout):
        super().__init__()
        self.read_timeout = read_timeout

    def https_open(self, req):
        connection = functools.partial(_HTTPSConnection, read_timeout=self.read_timeout)
        return self.do_open(connection, req, context=self._context)


class Failed(Exception):
    """One try at one address failed: ``reason`` for the user; ``retry``: may another try help?"""

    def __init__(self, reason, retry=False):
        super().__init__(reason)
        self.reason, self.retry = reason, retry


def describe(exc, limits):
    """(reason for the user, whether a retry may help) for an exception raised while downloading."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP error {exc.code} {exc.reason}", exc.code >= 500 or exc.code == 429
    if isinstance(exc, urllib.error.URLError):  # failed before any answer: DNS, connect, TLS
        cause = exc.reason
        if isinstance(cause, socket.gaierror):
            return f"host name could not be resolved, no network? ({cause.strerror})", False
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (nothing is listening at that address)", False
        if isinstance(cause, TimeoutError):
            why = (f"no connection within {limits.connect_timeout:g} s (host unreachable, "
                   "no network?)")
            return why, False
        return f"could not connect: {cause}", False
    if isinstance(exc, TimeoutError):
        return f"the server sent nothing for {limits.read_timeout:g} s", True
    if isinstance(exc, (ConnectionError, http.client.HTTPException)):
        return f"the connection broke off ({type(exc).__name__}: {exc})", True
    return f"{type(exc).__name__}: {exc}", False


def _resolve_in_time(url, connect_timeout):
    """Look the URL's host up in a helper thread and give up after ``connect_timeout`` seconds.

    The system's name lookup (getaddrinfo) has no timeout of its own: with a
    DNS server that does not answer it can block for 10-30 s per host. Skipped
    when a proxy will do the lookup instead.
    """
    host = urllib.parse.urlsplit(url).hostname
    if not host or (urllib.request.getproxies() and not urllib.request.proxy_bypass(host)):
        return
    outcome = []

    def lookup():
        try:
            socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=lookup, name=f"edu_cnn lookup {host}", daemon=True)
    thread.start()
    thread.join(connect_timeout)
    if not outcome:
        raise Failed(f"looking up the host name took more than {connect_timeout:g} s "
                     "(no network? DNS server not answering)")
    if outcome[0] is not None:
        raise urllib.error.URLError(outcome[0])


def stream(url, spec, out, bar, limits):
    """Copy the body at ``url`` into the open file ``out``, counting on ``bar``;
    return (size, sha256, md5) of it."""
    pace = _Pace(spec.size, limits)
    _resolve_in_time(url, limits.connect_timeout)
    opener = urllib.request.build_opener(_HTTPHandler(limits.read_timeout),
                                         _HTTPSHandler(limits.read_timeout))
    request = urllib.request.Request(url, headers={"User-Agent": limits.user_agent})
    with opener.open(request, timeout=limits.connect_timeout) as response:
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) != spec.size:
            raise Failed(f"the server offers {int(announced):,} bytes, expected {spec.size:,}: "
                         "not the published file")
        sha, md5, done = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
        while chunk := response.read1(1 << 16):    # returns what arrived: never waits for 64 KiB
            done += len(chunk)
            if done > spec.size:
                raise Failed(f"the server sent more than the expected {spec.size:,} bytes")
            out.write(chunk)
            sha.update(chunk)
            md5.update(chunk)
            bar.update(len(chunk))
            pace.check(len(chunk), done, spec.size)
    if done < spec.size:
        raise Failed(f"the connection closed after {done:,} of {spec.size:,} bytes", retry=True)
    return done, sha.hexdigest(), md5.hexdigest()


class _Pace:
    """The overall deadline of one file and the minimum-progress rule (see the module docstring).

    ``check`` runs after every chunk; a chunk arrives at least every
    ``read_timeout`` seconds (else the read times out), so a download ends within
    its deadline plus ``read_timeout``.
    """

    def __init__(self, size, limits):
        self.start = self.window_start = time.monotonic()
        self.limits = limits
        self.deadline = limits.deadline_grace + size / limits.min_rate
        self.window_bytes = 0

    def check(self, n, done, size):
        now = time.monotonic()
        self.window_bytes += n
        limits = self.limits
        if now - self.start > self.deadline:
            raise Failed(f"the download did not finish within its deadline of "
                         f"{self.deadline:.0f} s ({done:,} of {size:,} bytes received; "
                         f"{limits.deadline_grace:g} s plus 1 s per {limits.min_rate:,} bytes "
                         f"of the file)")
        if now - self.window_start >= limits.stall_window:
            if self.window_bytes < limits.stall_bytes:
                raise Failed(f"the server is too slow: {self.window_bytes:,} bytes in "
                             f"{now - self.window_start:.1f} s, less than the minimum "
                             f"{limits.stall_bytes:,} bytes per {limits.stall_window:g} s "
                             f"({done:,} of {size:,} bytes received)")
            self.window_start, self.window_bytes = now, 0

