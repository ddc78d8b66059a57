"""The machinery of tests/test_portability.py, and the pytest plugin that starts its runs early.

Which OpenBLAS kernels this CPU can run, the variants (a kernel, a factor, or both),
the environment of each, and ``BackgroundRuns``: the whole-course nbval runs, started
in the background when collection ends (tests/conftest.py loads this file as a plugin),
so that they run alongside the rest of the session instead of after it.
"""
import concurrent.futures
import functools
import json
import os
import platform
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# OpenBLAS core type -> the matching caps for PyTorch's own kernels (ATen, oneDNN, MKL).
X86_CORES = {
    "SkylakeX": {"ATEN_CPU_CAPABILITY": "avx512", "ONEDNN_MAX_CPU_ISA": "AVX512_CORE",
                 "MKL_ENABLE_INSTRUCTIONS": "AVX512"},
    "Haswell": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2",
                "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "Sandybridge": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "AVX",
                    "MKL_ENABLE_INSTRUCTIONS": "AVX"},
    "Nehalem": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41",
                "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
}
ARM_CORES = {"NEOVERSEN1": {}, "CORTEXA57": {}, "ARMV8": {}}
CANDIDATES = ARM_CORES if platform.machine().lower() in ("arm64", "aarch64") else X86_CORES
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
NBVAL_ARGS = ["-m", "pytest", "notebooks", "--nbval", "--nbval-sanitize-with",
              "tests/nbval_sanitize.cfg", "-p", "no:cacheprovider", "-q", "-W", "ignore"]
PROBE = ("import json, numpy, threadpoolctl; numpy.ones((64, 64)) @ numpy.ones((64, 64)); "
         "print(json.dumps([(i['internal_api'], i.get('architecture')) for i in "
         "threadpoolctl.threadpool_info() if i['user_api'] == 'blas']))")
RUN_TIMEOUT_S = 900


def blas_under(env, python=sys.executable):
    """(returncode, [(library, kernel), ...]) of NumPy's BLAS in a fresh process with `env`."""
    result = subprocess.run([python, "-c", PROBE], env={**os.environ, **env},
                            capture_output=True, text=True, timeout=120, check=False)
    return result.returncode, (json.loads(result.stdout) if result.returncode == 0 else [])


@functools.cache
def native_kernel():
    """The kernel the main nbval run of this session uses: OpenBLAS's choice for this CPU,
    or the one ``OPENBLAS_CORETYPE`` in this session's environment forces (a machine can
    set it for everything it runs; then the CPU's own choice is just another kernel to check).
    """
    code, libs = blas_under({})
    kernels = [kernel for lib, kernel in libs if lib == "openblas"]
    return kernels[0] if kernels else None


OLDEST = "oldest versions"
OLDEST_ENV = "EDU_CNN_OLDEST_PYTHON"


def oldest_python():
    """The python of the oldest-versions environment, or raise pytest.skip / fail."""
    python = os.environ.get(OLDEST_ENV)
    if not python:
        pytest.skip(f"${OLDEST_ENV} is not set: `make test` builds the oldest-versions "
                    "environment and sets it (or set it to that environment's python)")
    if not Path(python).is_file():
        pytest.fail(f"${OLDEST_ENV}={python} does not exist; run `make test` to build it")
    return python


TWO_THREADS = "2 threads"
TWO_THREADS_ENV = {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
# Which kernel run also carries which other factor.
RIDERS = ({"NEOVERSEN1": TWO_THREADS, "ARMV8": OLDEST} if CANDIDATES is ARM_CORES
          else {"Haswell": TWO_THREADS, "Nehalem": OLDEST})
SPLIT = os.environ.get("EDU_CNN_PORTABILITY_SPLIT") == "1"


def kernel_env(name, python):
    """The environment that makes OpenBLAS (and torch) run kernel `name` in `python`'s NumPy,
    or the reason why not."""
    native = native_kernel()
    if native is None:
        return None, (f"NumPy does not use OpenBLAS here ({blas_under({})[1]}), so "
                      "OPENBLAS_CORETYPE does not apply")
    if native.lower() == name.lower():
        return None, (f"{name} is the kernel of this session (OPENBLAS_CORETYPE="
                      f"{os.environ.get('OPENBLAS_CORETYPE', '')!r}): the main nbval run covers it")
    env = {**ONE_THREAD, "OPENBLAS_CORETYPE": name, **CANDIDATES[name]}
    code, libs = blas_under(env, python)
    if code != 0:
        return None, f"this CPU cannot run OpenBLAS's {name} kernels (the probe exited with {code})"
    chosen = [kernel for lib, kernel in libs if lib == "openblas"]
    if not chosen or chosen[0].lower() != name.lower():
        return None, (f"this CPU cannot run OpenBLAS's {name} kernels (OpenBLAS chose "
                      f"{chosen[0] if chosen else 'nothing'} instead)")
    return env, None


def variant_env(name):
    """(python, environment, what it runs) of one variant, or raise pytest.skip with the reason.

    A variant is a kernel, a factor, or "kernel + factor"; a factor whose kernel cannot
    run here runs on the native kernel."""
    kernel, _, factor = name.partition(" + ")
    if kernel in (OLDEST, TWO_THREADS):
        kernel, factor = "", kernel
    python = oldest_python() if factor == OLDEST else sys.executable
    env, parts = dict(ONE_THREAD), []
    if kernel:
        kenv, reason = kernel_env(kernel, python)
        if kenv is None and not factor:
            pytest.skip(reason)
        if kenv is not None:
            env, parts = kenv, [f"OpenBLAS {kernel}"]
        else:
            parts = [f"the native kernel ({reason})"]
    if factor == OLDEST:
        parts.append("the oldest dependency versions")
    elif factor == TWO_THREADS:
        env.update(TWO_THREADS_ENV)
        parts.append("2 BLAS threads")
    return python, env, ", ".join(parts)


def variant_names():
    if SPLIT:
        return [OLDEST, *CANDIDATES, TWO_THREADS]
    return [f"{k} + {RIDERS[k]}" if k in RIDERS else k for k in CANDIDATES]


VARIANTS = variant_names()


class BackgroundRuns:
    """The selected variants' whole-course nbval runs, in the background (``start``).

    They run beside the rest of the session, after its browser tests, at the lowest
    priority (nice 19): one run at a time on all cores but one, then on every core
    (at most 4) once the session reaches test_portability.py and only waits for them
    (``all_cores``). On 2 cores that saves about 2 of the 6 minutes the runs took.
    ``stop`` kills what still runs when the session ends early (Ctrl-C, ``-x``).
    """

    def __init__(self, names, git_status):
        self._tree = git_status                       # ../conftest.py's, the session check's
        cores = max(1, min(os.cpu_count() or 1, 4))
        self._gate = threading.Semaphore(max(1, cores - 1))
        self._spare = 1 if cores > 1 else 0
        self._procs, self._stopping = set(), False
        self._pool = concurrent.futures.ThreadPoolExecutor(max(1, len(names)))
        self.started, self.skipped, self.failed, self.selected = {}, {}, {}, names
        self._begun = False

    def start(self):
        """Probe each variant's kernel and start its run (at most once)."""
        if self._begun:
            return
        self._begun = True
        for name in self.selected:
            try:
                python, env, what = variant_env(name)
            except pytest.skip.Exception as skip:
                self.skipped[name] = skip.msg
            except pytest.fail.Exception as fail:
                self.failed[name] = fail.msg
            else:
                self.started[name] = (what, self._pool.submit(self._run, python, env))

    def _run(self, python, env):
        """Strict nbval over every notebook: (returncode, output, tree before, tree after)."""
        with self._gate:
            if self._stopping:
                return None
            before = self._tree()
            proc = subprocess.Popen([python, *NBVAL_ARGS], cwd=ROOT, env={**os.environ, **env},
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self._procs.add(proc)
            if hasattr(os, "setpriority"):    # before it starts its kernels (they inherit it)
                os.setpriority(os.PRIO_PROCESS, proc.pid, 19)
            try:
                output, _ = proc.communicate(timeout=RUN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                output = proc.communicate()[0] + f"\n(killed after {RUN_TIMEOUT_S} s)"
            finally:
                self._procs.discard(proc)
            return proc.returncode, output, before, self._tree()

    def all_cores(self):
        """The session now only waits for the runs: give them its core too."""
        if self._spare:
            self._spare = 0
            self._gate.release()

    def stop(self):
        self._stopping = True
        for proc in list(self._procs):
            proc.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)


RUNS_KEY, START_AFTER_KEY = pytest.StashKey(), pytest.StashKey()


def pytest_collection_finish(session):
    """Set up the portability runs that this session selected (none selected: none run).

    They start after the last browser test (tests/test_browser*.py time what a user
    waits for: notebook 08's latency test failed twice with the runs beside it, even
    at nice 19), or now if the session has none.
    """
    selected = [item.callspec.params["name"] for item in session.items
                if getattr(item, "originalname", None) == "test_notebooks_print_the_same_numbers"]
    runs = session.config.stash[RUNS_KEY] = BackgroundRuns(
        [v for v in VARIANTS if v in selected], session.config._edu_cnn_git_status_of)
    browser = [item.nodeid for item in session.items if item.get_closest_marker("browser")]
    session.config.stash[START_AFTER_KEY] = browser[-1] if browser else None
    if not browser:
        runs.start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    yield                                   # after the item's fixtures (a Jupyter server) stop
    if item.nodeid == item.config.stash.get(START_AFTER_KEY, None):
        item.config.stash[RUNS_KEY].start()


def pytest_sessionfinish(session):
    runs = session.config.stash.get(RUNS_KEY, None)
    if runs is not None:
        runs.stop()
