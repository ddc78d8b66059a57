"""The course gives the same printed numbers on other CPUs: strict nbval under other BLAS kernels.

OpenBLAS picks its kernels by processor (AVX-512, AVX2, AVX, SSE, ARM NEON, ...), and
a long float32 computation then rounds differently. The notebooks are written so that
no printed number depends on that (they train in float64; see the README). This file
proves it on whatever machine runs it: it re-runs strict nbval over every notebook

- under every OpenBLAS core type of the candidate list below that is *not* the native
  one and that this CPU can execute (each is probed first; one it cannot run is
  skipped with the reason, never failed), with PyTorch's kernels lowered to the same
  instruction set for notebook 07;
- with two BLAS threads instead of one;
- with the oldest dependency versions pyproject.toml allows: `make test` builds that
  environment (.venv-lowest) and names its python in $EDU_CNN_OLDEST_PYTHON.

Each whole-course run costs minutes, so the last two factors ride along with a kernel
run instead of running alone (x86: Haswell with 2 threads, Nehalem with the oldest
versions): three runs instead of five on an AVX-512 machine. When a factor's kernel is
the native one or cannot run here, the factor still runs, on the native kernel. A
failure names every factor of its run; re-run it with `-k` and fewer factors
(``EDU_CNN_PORTABILITY_SPLIT=1`` runs each factor alone) to tell them apart.

The runs go in parallel, one per core, and each checks that it left the working tree
as it found it (``git status --porcelain``).
"""
import concurrent.futures
import functools
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.portability

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
    code, libs = blas_under({"OPENBLAS_CORETYPE": ""})
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
        return None, f"{name} is this CPU's native kernel: the main nbval run already covers it"
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


def run_nbval(python, env, git_status):
    """Strict nbval over every notebook; (returncode, output, tree before, after)."""
    before = git_status()
    result = subprocess.run([python, *NBVAL_ARGS], cwd=ROOT, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
    return result.returncode, result.stdout + result.stderr, before, git_status()


@pytest.fixture(scope="module")
def runs(request, tree_status):
    """Start every selected, runnable variant at once (one per core); name -> future or skip."""
    selected = [item.callspec.params["name"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_notebooks_print_the_same_numbers"]
    started, skipped = {}, {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(os.cpu_count() or 1, 4)))
    for name in (v for v in VARIANTS if v in selected):
        try:
            python, env, what = variant_env(name)
        except pytest.skip.Exception as skip:
            skipped[name] = skip.msg
            continue
        started[name] = (what, pool.submit(run_nbval, python, env, tree_status))
    yield started, skipped, selected
    pool.shutdown(wait=True, cancel_futures=True)


def test_at_least_two_other_kernels_are_checked(runs):
    started, skipped, selected = runs
    if native_kernel() is None:
        pytest.skip("NumPy does not use OpenBLAS here")
    if not set(selected) & set(CANDIDATES):
        pytest.skip("no other-kernel run is selected in this session")
    kernels = [name for name, (what, _) in started.items() if what.startswith("OpenBLAS")]
    assert len(kernels) >= 2, (f"only {kernels} of {list(CANDIDATES)} could run here; "
                               f"skipped: {skipped}")


@pytest.mark.parametrize("name", VARIANTS)
def test_notebooks_print_the_same_numbers(runs, name):
    started, skipped, _ = runs
    if name in skipped:
        pytest.skip(skipped[name])
    what, future = started[name]
    code, output, before, after = future.result()
    summary = [line for line in output.splitlines() if "FAILED" in line or " passed" in line]
    assert code == 0, (f"strict nbval with {what} (native kernel: {native_kernel()}) failed; "
                       "re-run with EDU_CNN_PORTABILITY_SPLIT=1 to run each factor alone:\n"
                       + "\n".join(summary) + "\n\n" + output[-6000:])
    assert after == before, f"the nbval run under {name} changed the working tree"
