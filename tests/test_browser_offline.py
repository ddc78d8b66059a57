"""The offline slide decks and the course website in a real browser with the network off.

Each deck (`make slides`, built once into a temporary folder) and three pages of the
website (`make book`) are opened from file:// in Debian's Chromium (Playwright) at
1280×720. Every request that is not file:// is aborted and recorded: any such
request, any file that fails to load (a vendored file missing), and any console
error fails the test. Then:

- math is typeset (MathJax output elements present) and no TeX is left in the
  visible text ($$, \\( \\), $x$);
- every image has loaded (naturalWidth > 0);
- no slide overflows. reveal.js lays every slide out at the deck's size (1280×720,
  `build_slides.SLIDE_WIDTH/HEIGHT`) and scales it by `Reveal.getScale()` to the
  window. A slide overflows when its content — the union of the border boxes of
  its cells, in screen pixels — is taller than the slide area, height × scale.
  Every slide is visited; fragments keep their space while hidden, so they count.

Screenshots of each deck's first two slides and of the three pages go to the test's
temporary folder or $EDU_CNN_SCREENSHOTS. Without Chromium the tests fail and say
how to install it; EDU_CNN_SKIP_BROWSER=1 leaves them out on purpose.
"""
import os
import re
from pathlib import Path

import pytest
from browser import (
    CHROMIUM,
    JS_BROKEN_IMAGES,
    JS_RAW_TEX,
    JS_UNTYPESET_MATHJAX2,
    OfflinePage,
    launch,
)
from build_helpers import NOTEBOOKS
from playwright.sync_api import TimeoutError as PlaywrightTimeout

DECKS = [nb.stem for nb in NOTEBOOKS]
VIEWPORT = (1280, 720)

JS_REVEAL_READY = "() => !!(window.Reveal && Reveal.isReady && Reveal.isReady())"
# MathJax 2 is done when it has started, its queue (the startup typeset, the deck's
# re-render on each slide change) is empty and every formula has its output frame.
# Changing slides before the first typeset has finished leaves formulas blank.
JS_MATHJAX2_DONE = """() => !!(window.MathJax && MathJax.isReady && !MathJax.Hub.queue.pending &&
  !MathJax.Hub.queue.running && Array.from(document.querySelectorAll('script[type^="math/tex"]'))
  .every(s => document.getElementById(s.id + '-Frame')))"""
# Measure the current slide as the docstring defines it.
JS_MEASURE_SLIDE = """([h, v]) => {
  const slide = Reveal.getCurrentSlide();
  const limit = Reveal.getConfig().height * Reveal.getScale();
  let top = Infinity, bottom = -Infinity;
  for (const el of slide.children) {
    if (el.matches('aside.notes')) continue;
    const r = el.getBoundingClientRect();
    if (r.height === 0) continue;
    top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
  }
  const first = slide.innerText.split('\\n').map(x => x.trim()).find(x => x) || '(empty)';
  return {h, v, height: bottom > top ? bottom - top : 0, limit, first: first.slice(0, 70)};
}"""
JS_SLIDE_INDICES = "() => Reveal.getSlides().map(s => { const i = Reveal.getIndices(s); " \
                   "return [i.h, i.v || 0]; })"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        reason = (f"browser tests did not run: Chromium not found at {CHROMIUM}. Install "
                  f"Debian's chromium (`sudo apt-get install chromium`).")
        if os.environ.get("EDU_CNN_SKIP_BROWSER") == "1":
            pytest.skip(reason + " Left out on purpose: EDU_CNN_SKIP_BROWSER=1.")
        pytest.fail(reason + " To leave them out on purpose, set EDU_CNN_SKIP_BROWSER=1.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = Path(os.environ.get("EDU_CNN_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def mathjax_idle(page, timeout_s=30):
    """Wait until MathJax is done; formulas still blank then are reported by the test."""
    try:
        page.wait_for_function(JS_MATHJAX2_DONE, timeout=timeout_s * 1000, polling=100)
    except PlaywrightTimeout:
        pass


def visit_deck(browser, deck, screenshots):
    """Open one deck offline, visit every slide; return what the tests check."""
    view = OfflinePage(browser, VIEWPORT)
    page = view.page
    page.goto(deck.as_uri())
    page.wait_for_function(JS_REVEAL_READY, timeout=20_000)
    page.evaluate("() => Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
    mathjax_idle(page)
    slides, raw_tex = [], []
    for i, (h, v) in enumerate(page.evaluate(JS_SLIDE_INDICES)):
        page.evaluate("([h, v]) => Reveal.slide(h, v)", [h, v])
        mathjax_idle(page)
        slides.append(page.evaluate(JS_MEASURE_SLIDE, [h, v]))
        tex = page.evaluate(JS_RAW_TEX, page.evaluate_handle("() => Reveal.getCurrentSlide()"))
        if tex:
            raw_tex.append(f"slide {h}/{v}: …{tex}…")
        if i < 2:
            page.screenshot(path=str(screenshots / f"deck_{deck.name.split('.')[0]}_{i}.png"))
    mathjax_idle(page)
    report = dict(slides=slides, raw_tex=raw_tex, problems=view.problems(),
                  untypeset=page.evaluate(JS_UNTYPESET_MATHJAX2),
                  broken_images=page.evaluate(JS_BROKEN_IMAGES),
                  images=page.evaluate("() => document.images.length"),
                  tex_sources=page.evaluate("() => document.querySelectorAll("
                                            "'script[type^=\"math/tex\"]').length"))
    page.close()
    return report


@pytest.fixture(scope="module")
def deck_reports(browser, built_slides, screenshots):
    return {stem: visit_deck(browser, built_slides / f"{stem}.slides.html", screenshots)
            for stem in DECKS}


@pytest.mark.parametrize("stem", DECKS)
def test_deck_works_offline(deck_reports, stem):
    r = deck_reports[stem]
    assert r["problems"] == [], f"{stem}: {r['problems']}"
    assert r["broken_images"] == [], f"{stem}: images that did not load: {r['broken_images']}"
    assert r["images"] > 0, f"{stem}: the deck shows no figure"
    assert r["raw_tex"] == [], f"{stem}: TeX left untypeset: {r['raw_tex']}"
    assert r["tex_sources"] > 0, f"{stem}: MathJax found no formula"
    assert r["untypeset"] == [], \
        f"{stem}: {len(r['untypeset'])} of {r['tex_sources']} formulas untypeset: {r['untypeset']}"


@pytest.mark.parametrize("stem", DECKS)
def test_no_slide_overflows(deck_reports, stem):
    slides = deck_reports[stem]["slides"]
    assert len(slides) > 1, f"{stem}: the deck has {len(slides)} slide"
    over = [f"{stem} slide {s['h']}/{s['v']} ({s['first']!r}): content {s['height']:.0f} px "
            f"> slide area {s['limit']:.0f} px" for s in slides if s["height"] > s["limit"] + 1]
    assert over == [], f"{len(over)} of {len(slides)} slides overflow:\n" + "\n".join(over)


def test_website_works_offline(browser, built_book, screenshots):
    pages = {"index": ("index.html", ""), "chapter_03": ("notebooks/03_convolution.html", ""),
             "search": ("search.html", "?q=convolution")}
    for name, (path, query) in pages.items():
        view = OfflinePage(browser, VIEWPORT)
        page = view.page
        page.goto((built_book / path).as_uri() + query)
        page.wait_for_load_state("load")
        if name == "chapter_03":
            page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0",
                                   timeout=20_000)
            assert page.evaluate(JS_RAW_TEX, page.query_selector("article")) is None
            math = page.evaluate("() => document.querySelectorAll('mjx-container').length")
            assert math > 20, f"{path}: only {math} formulas typeset"
        if name == "search":
            results = page.locator("#search-results ul.search li")
            results.first.wait_for(timeout=20_000)
            assert results.count() >= 3, "searching 'convolution' found fewer than 3 pages"
        assert page.evaluate(JS_BROKEN_IMAGES) == [], f"{path}: images that did not load"
        page.screenshot(path=str(screenshots / f"book_{name}.png"))
        problems = view.problems()
        if name == "search":
            # Sphinx's search fetches each hit's page for a text snippet; Chromium refuses
            # fetch() on file:// (no request leaves the machine) and the search script reports
            # each refusal three times (request, console, unhandled rejection). Hits are listed.
            snippet = re.compile(r"\.html \(net::ERR_FAILED, fetch\)$|^Access to fetch at 'file:"
                                 r"[^']*\.html' .* blocked by CORS|^Failed to load resource: "
                                 r"net::ERR_FAILED$|^page error: Failed to fetch$")
            problems = [p for p in problems if not snippet.search(p)]
        assert problems == [], f"{path}: {problems}"
        page.close()
