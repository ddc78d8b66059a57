"""Drive JupyterLab in headless Chromium: the machinery behind test_browser.py.

`JupyterLab` starts a real server on 127.0.0.1 with throwaway settings
(token off, no news pop-up) and stops it; `open_notebook` and
`run_all_cells` use Playwright with Debian's Chromium
(`/usr/bin/chromium`), never a downloaded browser.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("EDU_CNN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
NO_NEWS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
           {"fetchNews": "false", "checkForUpdates": False}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 serving `root`; use as a context manager."""

    def __init__(self, root, log_path):
        self.root, self.log_path = Path(root), Path(log_path)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def _env(self):
        home = self.root / ".jupyter-tmp"
        for rel, settings in NO_NEWS.items():
            target = home / "settings" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(settings))
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                   MPLBACKEND="module://matplotlib_inline.backend_inline")
        return env

    def __enter__(self):
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0", "--IdentityProvider.token=",
               "--ServerApp.password=", "--LabApp.expose_app_in_browser=True",
               f"--ServerApp.root_dir={self.root}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")      # CI containers run as root
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, env=self._env(), stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=self.root)
        self._wait_ready(timeout_s=90)
        return self

    def _wait_ready(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/api/status", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"JupyterLab did not answer on {self.url} in {timeout_s} s")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def copy_course(tmp_path, notebooks):
    """Copy notebooks (and the figures/ folder they write into) to tmp_path."""
    src = Path(__file__).resolve().parents[1]
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "figures").mkdir()
    for name in notebooks:
        shutil.copy(src / "notebooks" / name, tmp_path / "notebooks" / name)
    return tmp_path


# JavaScript run in the page, using the app JupyterLab exposes on window.
JS_NOTEBOOK_READY = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return !!(w && w.sessionContext && w.sessionContext.session &&
            w.sessionContext.session.kernel &&
            w.sessionContext.session.kernel.status === 'idle');
}"""
JS_ALL_EXECUTED = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.widgets.filter(c => c.model.type === 'code');
  const done = cells.every(c => c.model.executionCount !== null);
  const busy = w.sessionContext.session.kernel.status !== 'idle';
  return done && !busy ? cells.length : 0;
}"""
JS_ERROR_OUTPUTS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const errs = [];
  w.content.widgets.forEach((c, i) => {
    if (c.model.type !== 'code') return;
    for (let k = 0; k < c.model.outputs.length; k++) {
      const o = c.model.outputs.get(k).toJSON();
      if (o.output_type === 'error') errs.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
    }
  });
  return errs;
}"""


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_notebook(page, lab, path, timeout_s=90):
    """Open notebooks/`path` in JupyterLab and wait for its kernel to be idle."""
    page.goto(f"{lab.url}/lab/tree/{path}")
    page.wait_for_function(JS_NOTEBOOK_READY, timeout=timeout_s * 1000, polling=250)


def run_all_cells(page, timeout_s=300):
    """Run every cell; wait until all code cells have run; return error outputs.

    Outputs are cleared first: a saved notebook already has execution counts,
    which would make "every cell has run" true before anything ran.
    """
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function("""() => window.jupyterapp.shell.currentWidget.content.widgets
        .every(c => c.model.type !== 'code' || c.model.executionCount === null)""", timeout=10_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(JS_ALL_EXECUTED, timeout=timeout_s * 1000, polling=500)
    return page.evaluate(JS_ERROR_OUTPUTS)


# --- live slides: jupyterlab-slideshow's presentation mode (test_browser_slides.py) ---
# The cells on the current screen: [index, top, bottom, visible]. A fragment not reached
# yet is on screen (its space is kept) but not visible.
JS_DECK_SCREEN = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = [];
  w.content.widgets.forEach((c, i) => {
    if (c.node.classList.contains('jp-deck-mod-onscreen')) {
      const r = c.node.getBoundingClientRect();
      cells.push([i, r.top, r.bottom, c.node.classList.contains('jp-deck-mod-visible')]);
    }
  });
  return cells;
}"""
JS_ACTIVE = "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex"


def deck_start(page, cell=0):
    """Present the current notebook from `cell` on; wait until the deck is up."""
    page.evaluate(f"""() => {{ const w = window.jupyterapp.shell.currentWidget;
                              w.content.activeCellIndex = {cell};
                              return window.jupyterapp.commands.execute('deck:start'); }}""")
    page.wait_for_function("() => document.body.dataset.jpDeckMode === 'presenting'",
                           timeout=10_000)
    page.wait_for_function(f"({JS_DECK_SCREEN})().length > 0", timeout=10_000)
    time.sleep(0.5)
    return page.evaluate(JS_DECK_SCREEN)


def deck_next(page, settle_s=0.15):
    """One step on (down: the next fragment or subslide, else forward: the next slide);
    the screen after it, or None at the end of the deck."""
    for command in ("deck:down", "deck:forward"):
        before = page.evaluate(JS_ACTIVE)
        page.evaluate(f"() => window.jupyterapp.commands.execute('{command}')")
        time.sleep(0.05)
        if page.evaluate(JS_ACTIVE) != before:
            time.sleep(settle_s)                      # let the transition finish
            return page.evaluate(JS_DECK_SCREEN)
    return None


# --- offline pages (test_browser_offline.py): decks and the website from file:// ---

class OfflinePage:
    """A page whose every non-file:// request is aborted and recorded (the network is off).

    `foreign` lists the requests that were attempted anyway, `failed` the file:// loads
    that failed (a vendored file missing), `errors` console errors and page errors.
    """

    def __init__(self, browser, viewport=(1280, 720)):
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.foreign, self.failed, self.errors = [], [], []
        self.page.route("**/*", self._route)
        self.page.on("requestfailed", lambda r: r.url.startswith("file:") and
                     self.failed.append(f"{r.url} ({r.failure}, {r.resource_type})"))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def _route(self, route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def problems(self):
        return ([f"request to another host: {u}" for u in self.foreign]
                + [f"failed to load: {u}" for u in self.failed] + self.errors)


# Prose under `root` with TeX left in it ($$, \( \), \[ \] or $x$ that MathJax did not
# typeset): the text outside code (pre, code), scripts (MathJax keeps its source in
# <script type="math/tex">) and MathJax's own output. Returns the excerpt around it, or null.
JS_RAW_TEX = r"""(root) => {
  const skip = 'pre, code, script, style, mjx-container, .MathJax_Preview, .mjx-chtml, ' +
               '.MJX_Assistive_MathML, .jp-InputArea, .cell_input';
  const walker = document.createTreeWalker(root || document.body, NodeFilter.SHOW_TEXT);
  let text = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode())
    if (!n.parentElement.closest(skip)) text += n.textContent;
  const m = text.match(/\$\$|\\\(|\\\[|(^|[^\w$])\$[^$\s][^$\n]*\$(?!\w)/);
  return m ? text.slice(Math.max(0, m.index - 40), m.index + 40) : null;
}"""
# Formulas MathJax 2 has not typeset: its <script type="math/tex"> without an output frame.
JS_UNTYPESET_MATHJAX2 = """() => Array.from(document.querySelectorAll('script[type^="math/tex"]'))
  .filter(s => !document.getElementById(s.id + '-Frame')).map(s => s.textContent.slice(0, 40))"""
JS_BROKEN_IMAGES = """() => Array.from(document.images)
  .filter(img => !(img.complete && img.naturalWidth > 0))
  .map(img => (img.getAttribute('src') || '').slice(0, 60))"""
