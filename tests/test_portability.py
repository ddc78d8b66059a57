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


def blas_under(env):
    """(returncode, [(library, kernel), ...]) of NumPy's BLAS in a fresh process with `env`."""
    result = subprocess.run([sys.executable, "-c", PROBE], env={**os.environ, **env},
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


def variant_env(name):
    """(python, environment) of one variant, or raise pytest.skip with the reason it can't run."""
    if name == OLDEST:
        return oldest_python(), ONE_THREAD
    if name == "2 threads":
        return sys.executable, {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2",
                                "MKL_NUM_THREADS": "2"}
    native = native_kernel()
    if native is None:
        pytest.skip(f"NumPy does not use OpenBLAS here ({blas_under({})[1]}), so "
                    "OPENBLAS_CORETYPE does not apply")
    if native.lower() == name.lower():
        pytest.skip(f"{name} is this CPU's native kernel: the main nbval run already covers it")
    env = {**ONE_THREAD, "OPENBLAS_CORETYPE": name, **CANDIDATES[name]}
    code, libs = blas_under(env)
    if code != 0:
        pytest.skip(f"this CPU cannot run OpenBLAS's {name} kernels (the probe exited with "
                    f"{code})")
    chosen = [kernel for lib, kernel in libs if lib == "openblas"]
    if not chosen or chosen[0].lower() != name.lower():
        pytest.skip(f"this CPU cannot run OpenBLAS's {name} kernels (OpenBLAS chose "
                    f"{chosen[0] if chosen else 'nothing'} instead)")
    return sys.executable, env


VARIANTS = [OLDEST, *CANDIDATES, "2 threads"]


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
            python, env = variant_env(name)
        except pytest.skip.Exception as skip:
            skipped[name] = skip.msg
            continue
        started[name] = pool.submit(run_nbval, python, env, tree_status)
    yield started, skipped, selected
    pool.shutdown(wait=True, cancel_futures=True)


def test_at_least_two_other_kernels_are_checked(runs):
    started, skipped, selected = runs
    if native_kernel() is None:
        pytest.skip("NumPy does not use OpenBLAS here")
    if not set(selected) & set(CANDIDATES):
        pytest.skip("no other-kernel run is selected in this session")
    kernels = [name for name in started if name in CANDIDATES]
    assert len(kernels) >= 2, (f"only {kernels} of {list(CANDIDATES)} could run here; "
                               f"skipped: {skipped}")


@pytest.mark.parametrize("name", VARIANTS)
def test_notebooks_print_the_same_numbers(runs, name):
    started, skipped, _ = runs
    if name in skipped:
        pytest.skip(skipped[name])
    code, output, before, after = started[name].result()
    summary = [line for line in output.splitlines() if "FAILED" in line or " passed" in line]
    assert code == 0, (f"strict nbval under {name} (native kernel: {native_kernel()}) failed:\n"
                       + "\n".join(summary) + "\n\n" + output[-6000:])
    assert after == before, f"the nbval run under {name} changed the working tree"
