"""Running one submitted notebook for ``edu-cnn grade``: a fresh kernel, time limits, isolation.

``run_notebook`` runs every code cell of a notebook in a fresh kernel, each with
a time limit (``cell_timeout``; on a timeout the kernel is interrupted and the
next cell runs), all of them within ``timeout`` seconds, then re-runs every
automatically graded check of the notebook in that kernel (each within
``2 · cell_timeout + 1`` seconds). What went wrong is recorded on the
``NotebookRun`` it is given (``grade.py``), and one result dict per check.

When Linux allows it (``unshare --user --map-root-user --net``), the kernel
runs in a network namespace of its own (``network_isolation_available``).
"""
import asyncio
import json
import math
import os
import shutil
import subprocess
import time
from pathlib import Path

import nbformat

from .grade_report import safe_name

__all__ = ["network_isolation_available", "run_notebook"]

_NETNS = ["unshare", "--user", "--map-root-user", "--net", "--"]


def network_isolation_available():
    """True when this machine can start a process in a network namespace of its own."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(_NETNS + ["true"], capture_output=True, check=False)
    return probe.returncode == 0


def _kernel_manager(folder, isolate, kernel_name):
    """A kernel manager over unix sockets in ``folder``; in a network namespace if ``isolate``."""
    from jupyter_client.manager import AsyncKernelManager

    class Manager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            command = super().format_kernel_cmd(extra_arguments)
            return _NETNS + command if isolate else command

    return Manager(kernel_name=kernel_name, transport="ipc", ip=str(Path(folder) / "kernel"))


def _kernel_env(folder):
    """The kernel's environment: this edu_cnn first on the path, figures kept in the temp folder."""
    import edu_cnn
    env = dict(os.environ)
    here = str(Path(edu_cnn.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    env["EDU_CNN_FIGURES"] = str(Path(folder) / "figures")
    env["MPLBACKEND"] = "Agg"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


_GRADING_CELL = """\
def __edu_cnn_grade_one():
    import importlib, json
    out = {{"exercise": {id!r}, "passed": False, "score": 0.0}}
    try:
        exercise = importlib.import_module({registry!r}).EXERCISES[{id!r}]
        names = globals()
        missing = [name for name in exercise.answers if name not in names]
        if missing:
            out.update(diagnosis="not_attempted", message="not defined in the notebook: "
                       + ", ".join(missing) + " (was its cell deleted, renamed or not run?)")
        else:
            result = exercise.check(*[names[n] for n in exercise.answers], show=False,
                                    seed={seed!r}, timeout={timeout!r})
            out.update(passed=bool(result.passed), score=float(result.score),
                       message=str(result.message),
                       diagnosis=None if result.diagnosis is None else str(result.diagnosis))
    except Exception as error:
        out.update(diagnosis="raised", message="the check could not run: "
                   + type(error).__name__ + ": " + str(error))
    with open({path!r}, "w", encoding="utf-8") as file:
        json.dump(out, file)
__edu_cnn_grade_one()
del __edu_cnn_grade_one
"""


def _cell_errors(nb):
    """``(index, "Name: message")`` for every code cell whose output holds an error."""
    errors = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                first = (str(output.get("evalue", "")).strip().splitlines() or [""])[0]
                errors.append((index, f"{output.get('ename', 'Error')}: {first[:120]}"))
    return errors


async def _run_cells(client, nb, run, cell_timeout, timeout):
    """Execute the code cells of ``nb`` in order within the limits; record timeouts in ``run``."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    deadline = time.monotonic() + timeout
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            run.problem("total_timeout", f"stopped before cell {index}: the notebook took "
                                         f"more than {timeout:g} s")
            return True
        client.timeout = max(1, math.ceil(min(cell_timeout, remaining)))
        try:
            await client.async_execute_cell(cell, index)
        except CellTimeoutError:
            run.problem("cell_timeout", f"cell {index} ran longer than {client.timeout} s "
                                        f"and was interrupted")
            run.timed_out.add(index)
            await client.km.interrupt_kernel()
        except DeadKernelError:
            run.problem("kernel_died", f"the kernel died in cell {index} (did it call "
                                       f"os._exit, or run out of memory?)")
            return False
    return True


async def _run_check(client, exercise_id, registry, seed, cell_timeout, folder):
    """Re-run one check in the kernel; its result dict (a timeout or a crash is a result too)."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    path = Path(folder) / ("result_" + safe_name(exercise_id) + ".json")
    source = _GRADING_CELL.format(id=exercise_id, registry=registry, seed=seed,
                                  timeout=cell_timeout, path=str(path))
    cell = nbformat.v4.new_code_cell(source)
    client.timeout = math.ceil(2 * cell_timeout + 1)
    failed = {"exercise": exercise_id, "passed": False, "score": 0.0}
    try:
        await client.async_execute_cell(cell, -1, store_history=False)
    except CellTimeoutError:
        await client.km.interrupt_kernel()
        return {**failed, "diagnosis": "timeout",
                "message": f"your code ran longer than {client.timeout} s on the grading "
                           f"inputs (an endless loop?)"}
    except DeadKernelError:
        return {**failed, "diagnosis": "kernel_died", "message": "the kernel died in the check"}
    if not path.exists():
        errors = _cell_errors(nbformat.v4.new_notebook(cells=[cell]))
        detail = errors[0][1] if errors else "no result"
        return {**failed, "diagnosis": "raised", "message": f"the check gave no result ({detail})"}
    return json.loads(path.read_text(encoding="utf-8"))


async def _quietly(coroutine):
    """Run ``coroutine`` without asyncio's log of the output pollers nbclient leaves behind."""
    from queue import Empty
    loop = asyncio.get_running_loop()

    def handler(loop, context):
        if not isinstance(context.get("exception"), Empty):
            loop.default_exception_handler(context)
    loop.set_exception_handler(handler)
    return await coroutine


async def _execute(nb, run, exercises, settings, folder):
    """Run the notebook, then its checks, in one fresh kernel; fill ``run.results``."""
    from nbclient import NotebookClient
    work = Path(folder) / "work"
    work.mkdir()
    results = settings.get("results")
    if results is not None and Path(results).is_dir():   # 09 reads results/09_generalise.json
        shutil.copytree(results, work / "results")
    km = _kernel_manager(folder, settings["isolate"], settings["kernel_name"])
    client = NotebookClient(nb, km=km, allow_errors=True, interrupt_on_timeout=False,
                            shutdown_kernel="immediate", iopub_timeout=2,
                            kernel_name=settings["kernel_name"])
    auto = [e for e in exercises if not e.written]
    async with client.async_setup_kernel(cwd=str(work), env=_kernel_env(folder),
                                         cleanup_kc=True):
        alive = await _run_cells(client, nb, run, settings["cell_timeout"], settings["timeout"])
        for exercise in auto:
            if not alive:
                run.results.append({"exercise": exercise.id, "passed": False, "score": 0.0,
                                    "diagnosis": "kernel_died",
                                    "message": "not checked: the kernel died while the "
                                               "notebook ran"})
                continue
            result = await _run_check(client, exercise.id, settings["registry"], settings["seed"],
                                      settings["cell_timeout"], folder)
            alive = result.get("diagnosis") != "kernel_died"
            run.results.append(result)
    for index, message in _cell_errors(nb):
        if index not in run.timed_out:   # the KeyboardInterrupt of a timeout is said already
            run.problem("cells_raised", f"cell {index} raised {message}")


def run_notebook(nb, run, exercises, settings, folder):
    """Run ``nb`` (changed in place: its outputs), then its checks, in one fresh kernel.

    ``folder`` is an empty temporary folder; ``settings`` holds ``cell_timeout``,
    ``timeout``, ``seed``, ``registry``, ``isolate`` and ``kernel_name``. Fills
    ``run.results`` and ``run.problems``; raises only when the kernel cannot start.
    """
    asyncio.run(_quietly(_execute(nb, run, exercises, settings, folder)))
