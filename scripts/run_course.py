"""Execute every lecture notebook headless, in place, and report timings.

Usage:  python scripts/run_course.py [notebooks/03_convolution.ipynb ...]

Each notebook runs top to bottom in a fresh kernel with its own folder as
the working directory (as nbval and JupyterLab do). This script sets
$EDU_CNN_FIGURES to the course's figures/ folder, so the figures the notebooks
save land there; everywhere else (JupyterLab, nbval in `make test`) they go to
a temporary folder. Outputs are written back into the .ipynb, which is what
`make test` (strict nbval) later compares against.
"""
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CELL_TIMEOUT_S = 300


def merge_streams(outputs):
    """Join consecutive chunks of the same stream: how the kernel splits stdout
    varies from run to run, and the committed notebook should not."""
    merged = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (out.output_type == "stream" and prev is not None
                and prev.output_type == "stream" and prev.name == out.name):
            prev.text += out.text
        else:
            merged.append(out)
    return merged


def run_notebook(path):
    """Execute one notebook in place; return (seconds, [(seconds, cell_index), ...])."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    cell_times = []
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            t0 = time.perf_counter()
            client.execute_cell(cell, index)
            cell_times.append((time.perf_counter() - t0, index))
    total = time.perf_counter() - start
    for cell in nb.cells:                      # keep diffs free of run timestamps
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nbformat.write(nb, path)
    return total, cell_times


def main(argv):
    os.environ.setdefault("EDU_CNN_FIGURES", str(ROOT / "figures"))   # inherited by the kernels
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    slowest = []
    grand = 0.0
    for path in paths:
        total, cells = run_notebook(path.resolve())
        grand += total
        slowest += [(t, path.name, i) for t, i in cells]
        print(f"{path.name:<40} {total:6.1f} s", flush=True)
    print(f"{'all notebooks':<40} {grand:6.1f} s")
    for t, name, i in sorted(slowest, reverse=True)[:3]:
        print(f"  slow cell: {name} cell {i}: {t:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
