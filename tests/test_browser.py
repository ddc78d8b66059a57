"""The viewers in a real browser: JupyterLab + headless Chromium.

For notebooks 03 and 06 this starts JupyterLab on 127.0.0.1 (token off,
throwaway settings), opens a copy of the notebook in Debian's Chromium via
Playwright, runs every cell, then turns the knobs a student would turn —
edits a kernel value, moves a slider, picks a layer and a channel — and
waits until the viewer's status line says it redrew (``update N: ...``,
printed by the Python callback, so the wait is on the kernel's answer, not
on the first repaint). Screenshots go to the test's temp folder (or to
$EDU_CNN_SCREENSHOTS). Any error in the browser console, any error output
in a cell, fails the test. Every process started is stopped.

Without Chromium the tests fail and say how to install it; set
EDU_CNN_SKIP_BROWSER=1 to leave them out on purpose (CI never does).
"""
import contextlib
import os
import re
import time
from pathlib import Path

import pytest
from browser import CHROMIUM, JupyterLab, copy_course, launch, open_notebook, run_all_cells


@pytest.fixture(scope="module")
def chromium():
    if Path(CHROMIUM).exists():
        return CHROMIUM
    reason = (f"browser tests did not run: Chromium not found at {CHROMIUM}. Install Debian's "
              f"chromium (`sudo apt-get install chromium`; `make test` does it when run as root).")
    if os.environ.get("EDU_CNN_SKIP_BROWSER") == "1":
        pytest.skip(reason + " Left out on purpose: EDU_CNN_SKIP_BROWSER=1.")
    pytest.fail(reason + " To leave them out on purpose, set EDU_CNN_SKIP_BROWSER=1.")


@pytest.fixture
def screenshots(tmp_path):
    folder = Path(os.environ.get("EDU_CNN_SCREENSHOTS", tmp_path / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Session:
    """One notebook open in JupyterLab in Chromium, collecting console errors."""

    def __init__(self, page, screenshots):
        self.page, self.screenshots = page, screenshots
        self.console_errors = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(f"page error: {e}"))
        self.latencies = {}

    def viewer(self, css):
        viewer = self.page.locator(f".{css}").first
        viewer.wait_for(timeout=30_000)
        viewer.scroll_into_view_if_needed()
        return viewer

    def status(self, viewer):
        return viewer.locator(".edu-cnn-status").text_content()

    def act_and_wait(self, viewer, what, action):
        """Do `action`, wait until the status line shows the next update; time it."""
        n = int(re.match(r"update (\d+):", self.status(viewer)).group(1))
        old_src = viewer.locator("img").first.get_attribute("src")
        start = time.perf_counter()
        action()
        self.page.wait_for_function(
            "([el, n]) => el.textContent.startsWith(`update ${n}:`)",
            arg=[viewer.locator(".edu-cnn-status").element_handle(), n + 1], timeout=30_000)
        self.latencies[what] = time.perf_counter() - start
        self.page.wait_for_function(
            "([img, old]) => img.getAttribute('src') !== old",
            arg=[viewer.locator("img").first.element_handle(), old_src], timeout=10_000)
        viewer.screenshot(path=str(self.screenshots / f"{what}.png"))
        return self.status(viewer)


@pytest.fixture
def lab_session(chromium, tmp_path, screenshots):
    """start(notebook) -> Session with every cell run; everything stops after the test."""
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        def start(notebook):
            root = copy_course(tmp_path, [notebook])
            lab = stack.enter_context(JupyterLab(root, tmp_path / "jupyterlab.log"))
            browser = launch(stack.enter_context(sync_playwright()))
            stack.callback(browser.close)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            session = Session(page, screenshots)
            open_notebook(page, lab, f"notebooks/{notebook}")
            errors = run_all_cells(page, timeout_s=600)
            assert errors == [], f"{notebook} raised in the browser: {errors}"
            page.screenshot(path=str(screenshots / f"{notebook}.png"))
            return session
        yield start


def test_kernel_playground_in_notebook_03(lab_session):
    s = lab_session("03_convolution.ipynb")
    kp = s.viewer("edu-cnn-kernel-playground")
    box = kp.locator(".widget-text input").first          # top-left kernel value
    status = s.act_and_wait(kp, "03_kernel_value", lambda: (box.fill("2.5"), box.press("Enter")))
    assert "kernel 3×3" in status
    handle = kp.locator(".widget-slider .noUi-handle").first   # the stride slider
    status = s.act_and_wait(kp, "03_stride",
                            lambda: (handle.focus(), s.page.keyboard.press("ArrowRight")))
    assert "stride 2" in status
    print(f"\nKernelPlayground latency in the browser: {s.latencies}")
    assert s.console_errors == []


def test_feature_maps_and_filters_in_notebook_06(lab_session):
    s = lab_session("06_full_cnn.ipynb")
    fe = s.viewer("edu-cnn-feature-map-explorer")
    layer, channel = fe.locator("select").nth(0), fe.locator("select").nth(1)
    names = layer.locator("option").all_text_contents()
    status = s.act_and_wait(fe, "06_layer", lambda: layer.select_option(names[-1]))
    assert f"layer {names[-1]}, channel all" in status
    status = s.act_and_wait(fe, "06_channel", lambda: channel.select_option("2"))
    assert status.endswith("channel 2")
    handle = fe.locator(".widget-slider .noUi-handle").first
    status = s.act_and_wait(fe, "06_image",
                            lambda: (handle.focus(), s.page.keyboard.press("ArrowRight")))
    assert status.split(": ", 1)[1].startswith("image 1,")
    fv = s.viewer("edu-cnn-filter-viewer")
    scale = fv.locator("button", has_text="global")
    status = s.act_and_wait(fv, "06_filter_scale", lambda: scale.click())
    assert "scale global" in status
    print(f"\nFeatureMapExplorer/FilterViewer latency in the browser: {s.latencies}")
    assert s.console_errors == []
