"""Verified downloads into the cache: an HTTP client with timeouts, retries and a DNS deadline.

``download(dataset)`` makes sure every file of ``registry.FILES[dataset]`` is in
``cache_dir() / dataset`` and intact; ``verify_file`` checks one file against
its published size, SHA-256 and MD5; ``cache_report`` lists what is cached.

How downloads stay safe and predictable:

- each file is tried at every address in ``MIRRORS[dataset]`` in turn;
  a host whose name cannot be looked up, or that cannot be reached, is given
  up after ``CONNECT_TIMEOUT`` seconds (at once if the connection is
  refused), a transfer that stalls after ``READ_TIMEOUT`` seconds, and a
  transfer that breaks off midway or gets a 5xx answer is tried ``ATTEMPTS``
  times in all; the next file is not attempted once one has failed everywhere;
- a transfer that trickles (fewer than ``STALL_BYTES`` in ``STALL_WINDOW``
  seconds) is given up, and so is one that exceeds its overall deadline of
  ``DEADLINE_GRACE`` seconds plus one second per ``MIN_RATE`` bytes of the
  file (about 4 minutes for MNIST's 9.5 MiB, an hour for CIFAR-10's 163 MiB);
  a download therefore ends within its deadline plus ``READ_TIMEOUT``;
- bytes go to a hidden temporary file beside the final one (``.<name>.*.part``),
  which is renamed into place only once its checksums match: an interrupted or
  wrong download never leaves a file that looks valid. Ctrl-C and SIGTERM
  remove it; one left by a killed process is removed by the next download;
- downloaded files get the usual mode (0666 minus the umask, e.g. 0644), so a
  cache shared by an instructor is readable by every account; a cache that
  cannot be read or written gives ``CacheAccessError`` naming the folder and
  the fix;
- if every address fails, ``DownloadError`` says which addresses were tried,
  why each failed, where the cache folder is and what to do (use the
  embedded subset, or copy the files into that folder).

The HTTP client itself (connections, the DNS deadline, the pace rules) is in
``_http``; the timings below are settings of this module: change them here
(``edu_cnn.data.downloader.READ_TIMEOUT = 60``), not on ``edu_cnn.data``.
"""
import contextlib
import hashlib
import http.client
import sys
import tempfile
import time
import urllib.parse
import warnings
from pathlib import Path

from .._files import atomic_write, is_abandoned
from ._http import Failed, Limits, describe, stream
from .registry import FILES, MIRRORS, TITLES, CacheAccessError, DownloadError, cache_dir

CONNECT_TIMEOUT = 5.0  # seconds to reach a server (and finish the TLS handshake)
READ_TIMEOUT = 15.0    # seconds a started transfer may go without receiving a byte
ATTEMPTS = 2           # tries per address when a transfer breaks off midway
RETRY_PAUSE = 1.0      # seconds before the second try (doubled for each further one)
STALL_WINDOW = 30.0    # seconds in which a transfer must receive at least STALL_BYTES
STALL_BYTES = 32_768   # ... (about 1 KiB/s), else it is given up as a trickle
MIN_RATE = 51_200      # bytes/s on average: a file's deadline is DEADLINE_GRACE + size / MIN_RATE
DEADLINE_GRACE = 60.0  # seconds added to every file's deadline (connecting, slow starts)
STALE_PART_AGE = 3600.0  # without file locks (Windows): age after which a .part is abandoned
USER_AGENT = "edu_cnn (course data downloader)"

_PACKAGE_DIR = Path(__file__).parent  # warnings skip the frames of edu_cnn.data's modules


# ----------------------------------------------------------------------------
# Checking what is in the cache
# ----------------------------------------------------------------------------

def _dataset_files(dataset):
    """The RemoteFile entries of a dataset name, or a ValueError listing the valid names."""
    if not isinstance(dataset, str) or dataset not in FILES:
        raise ValueError(f"dataset must be one of {', '.join(FILES)}; got {dataset!r}.")
    return FILES[dataset]


def _digests(path):
    """(size, sha256 hex, md5 hex) of a file, read in 1 MiB chunks."""
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
            md5.update(chunk)
    return path.stat().st_size, sha.hexdigest(), md5.hexdigest()


def _mismatch(spec, size, sha256, md5):
    """Why bytes of this size and these digests are not the published ``spec``; None if they are."""
    if size != spec.size:
        return f"size {size:,} bytes, expected {spec.size:,}"
    if sha256 != spec.sha256:
        return f"SHA-256 {sha256}, expected {spec.sha256}"
    if md5 != spec.md5:
        return f"MD5 {md5}, expected {spec.md5}"
    return None


def verify_file(path, spec):
    """Check a file against its published size and checksums.

    Parameters
    ----------
    path : str or pathlib.Path
    spec : RemoteFile

    Returns
    -------
    str or None
        None if the file is intact, else what is wrong ("missing", or which
        size or checksum differs, with both values).
    """
    path = Path(path)
    try:
        if not path.is_file():
            return "missing"
        if path.stat().st_size != spec.size:  # cheap test first: no need to hash a truncated file
            return _mismatch(spec, path.stat().st_size, None, None)
        return _mismatch(spec, *_digests(path))
    except PermissionError as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path, exc):
    """The CacheAccessError for a cached file this account may not read."""
    folder = path.parent
    return CacheAccessError(
        f"{path} cannot be read by this account ({exc.strerror or exc}). The cache folder "
        f"{folder} is shared, but its owner's copy is private. Ask the owner to run\n"
        f"    chmod -R a+rX {folder}\n"
        "(files edu_cnn downloads now are readable by everyone), or set EDU_CNN_DATA to a "
        "folder of your own.")


def cache_report():
    """What is in the cache: one dict per expected file, plus leftover partial downloads.

    Returns
    -------
    list of dict
        Keys ``dataset``, ``name``, ``path``, ``size`` (bytes or None) and
        ``status``: "verified", "missing", "corrupt: <why>" or "partial download".
    """
    rows = []
    for dataset, specs in FILES.items():
        folder = cache_dir() / dataset
        for spec in specs:
            path = folder / spec.name
            try:
                problem = verify_file(path, spec)
                size = path.stat().st_size if path.is_file() else None
            except CacheAccessError:
                problem, size = "unreadable (permission denied)", None
            status = ("verified" if problem is None else "missing" if problem == "missing"
                      else problem if problem.startswith("unreadable") else f"corrupt: {problem}")
            rows.append({"dataset": dataset, "name": spec.name, "path": path, "size": size,
                         "status": status})
        with contextlib.suppress(OSError):          # a folder we may not list: no such rows
            for part in sorted(folder.glob(".*.part")) if folder.is_dir() else []:
                rows.append({"dataset": dataset, "name": part.name, "path": part,
                             "size": part.stat().st_size, "status": "partial download"})
    return rows


# ----------------------------------------------------------------------------
# Downloading
# ----------------------------------------------------------------------------

def _limits():
    """The timings of the HTTP client as this module's settings are now."""
    return Limits(CONNECT_TIMEOUT, READ_TIMEOUT, STALL_WINDOW, STALL_BYTES, MIN_RATE,
                  DEADLINE_GRACE, USER_AGENT)


def _download_bar(spec, url, progress):
    """A tqdm bar in bytes for one file, naming the host (silent when ``progress`` is False)."""
    from tqdm.auto import tqdm
    host = urllib.parse.urlsplit(url).hostname
    return tqdm(total=spec.size, unit="B", unit_scale=True, unit_divisor=1024,
                desc=f"{spec.name} from {host}", disable=not progress)


def _download_once(url, spec, dest, progress):
    """One try: stream ``url`` to a temporary file beside ``dest``; rename it if it checks out.

    The temporary file is removed on any failure, Ctrl-C or SIGTERM (``atomic_write``).
    """
    try:
        # The bar first: a Ctrl-C while tqdm is still being built (its first import is slow)
        # must not meet a half-made bar after the .part file exists (tqdm 4.64 then raises
        # AttributeError instead of KeyboardInterrupt).
        with _download_bar(spec, url, progress) as bar, \
                atomic_write(dest, suffix=".part", lock=True) as out:
            problem = _mismatch(spec, *stream(url, spec, out, bar, _limits()))
            if problem is not None:
                raise Failed(f"checksum mismatch, the file is not the published one: {problem}")
    except Failed:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise Failed(*describe(exc, _limits())) from exc


def _try_address(url, spec, dest, progress):
    """Up to ATTEMPTS tries at one address; None on success, else why it failed."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _download_once(url, spec, dest, progress)
            return None
        except Failed as failure:
            if not failure.retry or attempt == ATTEMPTS:
                return failure.reason + (f" ({attempt} tries)" if attempt > 1 else "")
            pause = RETRY_PAUSE * 2 ** (attempt - 1)
            if progress:
                print(f"{url}: {failure.reason}; trying again in {pause:g} s", file=sys.stderr)
            time.sleep(pause)


def _unavailable_message(dataset, spec, tried):
    """The DownloadError text: what was tried, why each failed, the cache folder, what to do."""
    folder = cache_dir() / dataset
    lines = [f"Could not download {TITLES[dataset]} file {spec.name}. Tried:"]
    tried_lines = [f"  - {url}\n      {reason}" for url, reason in tried]
    lines += tried_lines or ["  (no addresses in MIRRORS)"]
    lines += [
        f"Cache folder: {folder}",
        "What to do:",
        "  - No network (lecture hall, CI)? Use the MNIST subset shipped with edu_cnn, which",
        "    needs no download: edu_cnn.data.load_mnist()  (4,000 train / 1,000 test digits).",
        "  - Or copy the files",
        *(f"      {f.name}" for f in FILES[dataset]),
        f"    into {folder}",
        f"    (e.g. from a machine where `edu-cnn data download {dataset}` worked); they are",
        "    checked against their published checksums when loaded.",
        "  - Or try again later, or set EDU_CNN_DATA to a folder that already holds them.",
    ]
    return "\n".join(lines)


def _download(dataset, spec, dest, progress):
    """Fetch one file from the first address that delivers it intact, else raise DownloadError."""
    tried, bases = [], MIRRORS.get(dataset, ())
    for i, base in enumerate(bases):
        url = base + spec.name
        reason = _try_address(url, spec, dest, progress)
        if reason is None:
            return dest
        tried.append((url, reason))
        if progress and i + 1 < len(bases):
            print(f"{url} failed: {reason}; trying the next address", file=sys.stderr)
    raise DownloadError(_unavailable_message(dataset, spec, tried))


def _warn(message):
    """warnings.warn, attributed to the first caller outside edu_cnn.data (the user's line)."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and Path(frame.f_code.co_filename).parent == _PACKAGE_DIR:
        level, frame = level + 1, frame.f_back
    warnings.warn(message, UserWarning, stacklevel=level)


def _cached_file(dataset, spec, download, progress):
    """Path of an intact cached copy of ``spec``, downloading it if missing or corrupt."""
    path = cache_dir() / dataset / spec.name
    problem = verify_file(path, spec)
    if problem is None:
        return path
    if problem != "missing":
        action = "downloading it again" if download else "not using it"
        _warn(f"{path} is corrupt ({problem}); {action}.")
    state = "missing" if problem == "missing" else f"corrupt ({problem})"
    if not download:
        raise DownloadError(f"{TITLES[dataset]} file {path} is {state}, and download=False.\n"
                            f"Run `edu-cnn data download {dataset}` or call with download=True; "
                            "offline, edu_cnn.data.load_mnist() needs no download.")
    _check_writable(path.parent, dataset)
    return _download(dataset, spec, path, progress)


def _check_writable(folder, dataset):
    """Create ``folder`` if needed and make sure this account can add files to it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        kind = CacheAccessError if isinstance(exc, PermissionError) else DownloadError
        raise kind(f"Cannot write into the cache folder {folder} ({exc.strerror or exc}). "
                   f"If the cache is shared, ask its owner to run `edu-cnn data download "
                   f"{dataset}` there (the files are then readable by everyone); otherwise set "
                   "EDU_CNN_DATA to a folder you can write to. Offline, the MNIST subset needs "
                   "no download: edu_cnn.data.load_mnist().") from None


def _remove_abandoned_parts(folder):
    """Delete the ``.part`` files that no running download holds (left by a killed process)."""
    with contextlib.suppress(OSError):
        for part in folder.glob(".*.part") if folder.is_dir() else []:
            with contextlib.suppress(OSError):      # someone else's, or gone meanwhile
                if is_abandoned(part, STALE_PART_AGE):
                    part.unlink()


def download(dataset, progress=True):
    """Make sure every file of a dataset is in the cache and intact; fetch what is missing or bad.

    Parameters
    ----------
    dataset : {"mnist", "fashion-mnist", "cifar10"}
    progress : bool
        Show a progress bar per file and report addresses that failed (on stderr).

    Returns
    -------
    dict
        File name -> pathlib.Path of the verified file in ``cache_dir() / dataset``.

    Raises
    ------
    DownloadError
        If a file could not be obtained from any address in ``MIRRORS[dataset]``.
    """
    return fetch(dataset, download=True, progress=progress)


def fetch(dataset, download, progress):
    """{file name: verified path} for every file of a dataset (see ``download``).

    With ``download=False`` a missing or corrupt file raises DownloadError instead.
    """
    specs = _dataset_files(dataset)
    if download:
        _remove_abandoned_parts(cache_dir() / dataset)
    return {spec.name: _cached_file(dataset, spec, download, progress) for spec in specs}

