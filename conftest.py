"""Session-wide rules for every pytest run (tests/ and the notebooks under nbval).

- Figures the notebooks save go to a temporary folder: ``$EDU_CNN_FIGURES`` is
  set before any kernel starts (kernels inherit the environment), so only
  ``make course`` writes ``figures/``.
- Tests never write into the working tree: ``git status --porcelain`` is taken
  when the session starts and compared when it ends; any change fails the run
  and is listed.
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


def git_status(root=ROOT):
    """``git status --porcelain`` of the checkout, or None outside a git checkout."""
    if shutil.which("git") is None or not (root / ".git").exists():
        return None
    result = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=root, capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else None


@pytest.fixture(scope="session")
def tree_status():
    """The function ``git_status``, for tests that check a subprocess left the tree alone."""
    return git_status


def pytest_report_header(config):
    """Which versions this run tests (the main run and the oldest-versions run differ)."""
    from importlib import metadata
    names = ("numpy", "matplotlib", "ipywidgets", "tqdm", "threadpoolctl", "jupyterlab",
             "ipykernel", "nbval", "torch")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} -")
    return "edu_cnn dependencies: " + ", ".join(found)


def pytest_configure(config):
    folder = tempfile.mkdtemp(prefix="edu_cnn_test_figures_")
    os.environ["EDU_CNN_FIGURES"] = folder
    config._edu_cnn_figures = folder
    config._edu_cnn_git_status = git_status()
    config._edu_cnn_git_status_of = git_status     # the function, for tests/portability.py
    config.addinivalue_line("markers", "torch: needs PyTorch (skipped where it is not installed)")
    config.addinivalue_line("markers", "portability: re-runs the notebooks under other BLAS "
                                       "kernels and thread counts (minutes)")
    config.addinivalue_line("markers", "browser: drives JupyterLab, a deck or the website in "
                                       "Chromium (every tests/test_browser*.py)")


def pytest_collection_modifyitems(config, items):
    """Mark every test of a tests/test_browser*.py file `browser`, so that one
    `-m "not browser"` leaves them all out."""
    for item in items:
        if item.path.name.startswith("test_browser"):
            item.add_marker("browser")


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    before = getattr(config, "_edu_cnn_git_status", None)
    if before is not None:
        after = git_status()
        if after != before:
            changed = sorted(set(after.splitlines()) ^ set(before.splitlines()))
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            message = ("\nFAILED: the tests changed the working tree (they must write only to "
                       "temporary folders):\n  " + "\n  ".join(changed) + "\n")
            if reporter is not None:
                reporter.write_line(message, red=True)
            session.exitstatus = 1
    folder = getattr(config, "_edu_cnn_figures", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
