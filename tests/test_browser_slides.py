"""Live slides: notebooks 03 and 06 presented in real JupyterLab, viewers working.

The presenter is jupyterlab-slideshow (the `lab` extra), not jupyterlab-rise: RISE 0.43.1
runs the notebook in its own small app, built against JupyterLab 4.3, whose shared modules
lack `@jupyterlab/console`; the ipywidgets 8 manager (@jupyter-widgets/jupyterlab-manager
5.x) needs it, fails to load there ("Shared module @jupyterlab/console doesn't exist in
shared scope default"), and every viewer shows as its text repr — the blank widgets of
jupyterlab-rise issues 119 and 126. jupyterlab-slideshow presents inside JupyterLab itself,
so the viewers are the notebook's own live widgets.

Each test starts JupyterLab on 127.0.0.1 (tests/browser.py), opens a copy of the notebook
in Debian's Chromium at 1280×720, presents it from the first cell and
walks the whole deck with the committed outputs: every cell that is not "skip" or "notes"
must come on screen, notes and skipped cells never, and no screen may reach past the
720-px viewport (the rendered overflow check; tests/slides.py estimates the same heights
from the notebook alone, the table is printed). Then it runs every cell, presents the
viewer's screen (which must fit too, viewer live), moves a slider and waits for the kernel's
redraw ("update N+1" in the status line and a new picture), runs a cell while presenting,
and takes screenshots (to $EDU_CNN_SCREENSHOTS or the test's temp folder). Console errors
fail the test. Notebook 06 is copied with EPOCHS = 1 and float32 so that it trains in
seconds: this test is about presenting, nbval checks the numbers.
"""
import contextlib
import re
import time

import nbformat
import pytest
import test_browser
from browser import (
    JS_DECK_SCREEN,
    JupyterLab,
    copy_course,
    deck_next,
    deck_start,
    launch,
    open_notebook,
    run_all_cells,
)
from slides import cell_height, slide_type

# The same fixtures as test_browser.py: Chromium or a clear failure; the screenshot folder.
chromium, screenshots = test_browser.chromium, test_browser.screenshots

VIEWPORT = {"width": 1280, "height": 720}
# Messages JupyterLab itself logs as errors that say nothing about the deck.
HARMLESS = (re.compile(r"Failed to load resource: the server responded with a status of 404"),)


def set_parameters(path, **values):
    """Change `NAME = value` lines of the parameters cell of the notebook copy at `path`."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    for name, value in values.items():
        cell.source, n = re.subn(rf"^{name} = .*$", f"{name} = {value!r}", cell.source, flags=re.M)
        assert n == 1, f"{path.name}: no `{name} = ...` line in the parameters cell"
    nbformat.write(nb, path)


@pytest.fixture
def present(chromium, tmp_path, screenshots):
    """present(notebook, **parameters) -> (page, nb, screens, errors): the whole deck walked
    with the committed outputs (what the static budget measures), then every cell run."""
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        def start(notebook, **parameters):
            root = copy_course(tmp_path, [notebook])
            nb = nbformat.read(root / "notebooks" / notebook, as_version=4)
            if parameters:
                set_parameters(root / "notebooks" / notebook, **parameters)
            lab = stack.enter_context(JupyterLab(root, tmp_path / "jupyterlab.log"))
            browser = launch(stack.enter_context(sync_playwright()))
            stack.callback(browser.close)
            page = browser.new_page(viewport=VIEWPORT)
            errors = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            open_notebook(page, lab, f"notebooks/{notebook}")
            screen = deck_start(page)
            page.screenshot(path=str(screenshots / f"slides_{notebook[:2]}_title.png"))
            screens = [screen]
            while (screen := deck_next(page)) is not None:
                screens.append(screen)
                if len(screens) == 3:
                    page.screenshot(path=str(screenshots / f"slides_{notebook[:2]}_third.png"))
                assert len(screens) < 400, "the deck never ends"
            page.evaluate("() => window.jupyterapp.commands.execute('deck:stop')")
            failed = run_all_cells(page, timeout_s=300)
            assert failed == [], f"{notebook} raised in the browser: {failed}"
            return page, nb, screens, errors
        yield start


def check_deck(name, nb, screens):
    """Every shown cell became visible, notes and skipped never; no screen past 720 px.

    `screens` holds one entry per key press ([index, top, bottom, visible] per cell);
    a screen is the set of cells on it, measured once all its fragments are visible.
    """
    visible = {i for screen in screens for i, _, _, v in screen if v}
    expected = {i for i, c in enumerate(nb.cells) if slide_type(c) in ("slide", "subslide",
                                                                        "fragment", "-")}
    assert expected - visible == set(), f"{name}: cells never shown: {expected - visible}"
    hidden = {i for i, c in enumerate(nb.cells) if slide_type(c) in ("skip", "notes")}
    assert visible & hidden == set(), f"{name}: notes/skipped cells shown: {visible & hidden}"
    rows, over, seen = [], [], set()
    for screen in screens:
        cells = tuple(i for i, _, _, _ in screen)
        if cells in seen:
            continue
        seen.add(cells)
        top, bottom = min(t for _, t, _, _ in screen), max(b for _, _, b, _ in screen)
        estimate = sum(cell_height(nb.cells[i]) for i in cells)
        rows.append(f"  cells {list(cells)}: rendered {bottom - top:5.0f} px "
                    f"(top {top:4.0f}), estimated {estimate:5.0f} px")
        if top < -1 or bottom > VIEWPORT["height"] + 1:
            over.append((cells[0], round(top), round(bottom)))
    print(f"\n{name}: {len(seen)} screens, {len(screens)} steps\n" + "\n".join(rows))
    assert not over, (f"{name}: screens reaching past the 1280×720 viewport "
                      f"(first cell, top, bottom): {over}")


def go_to_cell(page, index):
    """Present the screen that holds cell `index` (the deck follows the active cell)."""
    page.evaluate("() => window.jupyterapp.commands.execute('deck:stop')")
    page.wait_for_function("() => document.body.dataset.jpDeckMode !== 'presenting'")
    return deck_start(page, cell=index)


def check_viewer_screen(name, page, viewer, cell):
    """The live viewer's screen fits the viewport; print its height for the size model."""
    screen = page.evaluate(JS_DECK_SCREEN)
    top, bottom = min(t for _, t, _, _ in screen), max(b for _, _, b, _ in screen)
    box = viewer.bounding_box()
    print(f"\n{name}: viewer screen {[i for i, *_ in screen]} rendered {bottom - top:.0f} px "
          f"(top {top:.0f}); the viewer {box['height']:.0f} px at the cell's zoom")
    assert top >= -1 and bottom <= VIEWPORT["height"] + 1, \
        f"{name}: the live viewer's screen (cell {cell}) is past 720 px: {top:.0f}..{bottom:.0f}"


def move_slider(page, viewer, shots, what):
    """Press → on the viewer's first slider; wait for the kernel's redraw; screenshot."""
    status = viewer.locator(".edu-cnn-status")
    n = int(re.match(r"update (\d+):", status.text_content()).group(1))
    old_src = viewer.locator("img").first.get_attribute("src")
    handle = viewer.locator(".widget-slider .noUi-handle").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("([el, n]) => el.textContent.startsWith(`update ${n}:`)",
                           arg=[status.element_handle(), n + 1], timeout=30_000)
    page.wait_for_function("([img, old]) => img.getAttribute('src') !== old",
                           arg=[viewer.locator("img").first.element_handle(), old_src],
                           timeout=10_000)
    page.screenshot(path=str(shots / f"slides_{what}.png"))
    return status.text_content()


def run_cell_while_presenting(page, index):
    """Run cell `index` with the deck up; return its new execution count."""
    before = page.evaluate(f"() => window.jupyterapp.shell.currentWidget.content"
                           f".widgets[{index}].model.executionCount")
    page.evaluate(f"""() => {{ const w = window.jupyterapp.shell.currentWidget;
                              w.content.activeCellIndex = {index};
                              return window.jupyterapp.commands.execute('notebook:run-cell'); }}""")
    page.wait_for_function(f"""() => {{ const c = window.jupyterapp.shell.currentWidget.content
                                          .widgets[{index}].model;
                                        return c.executionCount !== null
                                               && c.executionCount !== {before or 0}; }}""",
                           timeout=30_000)
    assert page.evaluate("() => document.body.dataset.jpDeckMode") == "presenting"
    return page.evaluate(f"() => window.jupyterapp.shell.currentWidget.content"
                         f".widgets[{index}].model.executionCount")


def viewer_cell(nb, call):
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and call in c.source)


def real_errors(errors):
    return [e for e in errors if not any(p.search(e) for p in HARMLESS)]


def test_present_notebook_03_and_turn_the_kernel_playground(present, screenshots):
    start = time.perf_counter()
    page, nb, screens, errors = present("03_convolution.ipynb")
    check_deck("03", nb, screens)
    cell = viewer_cell(nb, "KernelPlayground(digit)")
    screen = go_to_cell(page, cell)
    assert cell in [i for i, _, _, v in screen if v]
    viewer = page.locator(".edu-cnn-kernel-playground").first
    assert viewer.is_visible(), "the KernelPlayground is not on its slide"
    check_viewer_screen("03", page, viewer, cell)
    status = move_slider(page, viewer, screenshots, "03_kernel_playground")
    assert "stride 2" in status
    table = viewer_cell(nb, "def conv_out(")
    go_to_cell(page, table)
    assert run_cell_while_presenting(page, table) > 0
    page.screenshot(path=str(screenshots / "slides_03_ran_a_cell.png"))
    print(f"\n03 presented in {time.perf_counter() - start:.1f} s")
    assert real_errors(errors) == []


def test_present_notebook_06_and_turn_the_feature_map_explorer(present, screenshots):
    start = time.perf_counter()
    page, nb, screens, errors = present("06_full_cnn.ipynb", EPOCHS=1, DTYPE="float32")
    check_deck("06", nb, screens)
    cell = viewer_cell(nb, "widgets.FeatureMapExplorer(")
    go_to_cell(page, cell)
    viewer = page.locator(".edu-cnn-feature-map-explorer").first
    assert viewer.is_visible(), "the FeatureMapExplorer is not on its slide"
    check_viewer_screen("06", page, viewer, cell)
    status = move_slider(page, viewer, screenshots, "06_feature_map_explorer")
    assert status.split(": ", 1)[1].startswith("image 1,")
    print(f"\n06 presented in {time.perf_counter() - start:.1f} s")
    assert real_errors(errors) == []
