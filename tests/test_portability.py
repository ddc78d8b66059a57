"""The course gives the same printed numbers on other CPUs: strict nbval under other BLAS kernels.

OpenBLAS picks its kernels by processor (AVX-512, AVX2, AVX, SSE, ARM NEON, ...), and
a long float32 computation then rounds differently. The notebooks are written so that
no printed number depends on that (they train in float64; see the README). This file
proves it on whatever machine runs it: it re-runs strict nbval over every notebook

- under every OpenBLAS core type of the candidate list below that is *not* the one the
  main run uses (the CPU's own choice, or ``$OPENBLAS_CORETYPE`` if the environment
  forces one) and that this CPU can execute (each is probed first; one it cannot run is
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

The runs start after the last browser test and go on beside the rest of the session at
the lowest priority (on every core but one; on all once only they are left:
``portability.BackgroundRuns``); each checks that it left the working tree as it
found it (``git status --porcelain``).
"""

import pytest
from portability import CANDIDATES, RUNS_KEY, VARIANTS, native_kernel

pytestmark = pytest.mark.portability


@pytest.fixture(scope="module")
def runs(request):
    """The session's BackgroundRuns (portability.py started them); from now on on every core."""
    background = request.config.stash[RUNS_KEY]
    background.start()                      # if no browser test before has started them
    background.all_cores()
    return background


def test_at_least_two_other_kernels_are_checked(runs):
    if native_kernel() is None:
        pytest.skip("NumPy does not use OpenBLAS here")
    if not set(runs.selected) & set(CANDIDATES):
        pytest.skip("no other-kernel run is selected in this session")
    kernels = [name for name, (what, _) in runs.started.items() if what.startswith("OpenBLAS")]
    assert len(kernels) >= 2, (f"only {kernels} of {list(CANDIDATES)} could run here; "
                               f"skipped: {runs.skipped}")


@pytest.mark.parametrize("name", VARIANTS)
def test_notebooks_print_the_same_numbers(runs, name):
    if name in runs.failed:
        pytest.fail(runs.failed[name])
    if name in runs.skipped:
        pytest.skip(runs.skipped[name])
    what, future = runs.started[name]
    code, output, before, after = future.result()
    summary = [line for line in output.splitlines() if "FAILED" in line or " passed" in line]
    assert code == 0, (f"strict nbval with {what} (session kernel: {native_kernel()}) failed; "
                       "re-run with EDU_CNN_PORTABILITY_SPLIT=1 to run each factor alone:\n"
                       + "\n".join(summary) + "\n\n" + output[-6000:])
    assert after == before, f"the nbval run under {name} changed the working tree"
